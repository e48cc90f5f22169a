"""Setting up a moderation enquiry through the running assistant: the moderation mailbox, the
people who take part, a filled-in enquiry form and sending it as Wokingham's DCS."""

from __future__ import annotations

from sqlalchemy import select

from storage.people import Person, RoleAssignment
from tests.support.conversation import press, say
from tests.support.people import DCS, KENT_DCS, MEMBER, MODERATOR, OTHER_MEMBER, SECOND_MODERATOR

MAILBOX = "sectorled@hampshire.example"
ENQUIRY = {
    "authority": "wokingham",
    "support": "universal",
    "conclusion": "Our early help offer has reduced repeat referrals to children's social care.",
    "work": "indicators,case_files",
    "expertise": "safeguarding",
    "days": "3",
    "report_by": "2022-12-09",
    "report_reason": "",
    "contact_name": "Harriet Quillfeather",
    "contact_email": "harriet.quillfeather@wokingham.example",
}
PEOPLE = (DCS, MODERATOR, SECOND_MODERATOR, MEMBER, OTHER_MEMBER, KENT_DCS)


def add_second_moderation_coordinator(database) -> None:
    """Jo Carverley as a second moderation coordinator, so there are copies of the notice to keep
    up to date. Needs the example calendar imported (as the running assistant has it)."""
    with database.session() as session:
        jo = session.scalar(select(Person).where(Person.email == SECOND_MODERATOR["email"]))
        session.add(RoleAssignment(person_id=jo.id, role="moderation_coordinator", scope="region", source="assistant"))
        session.commit()


# How the enquiry tests' `assistant` (tests/e2e/conftest.py) runs: `pytest.mark.assistant(**ENQUIRY_ASSISTANT)`.
ENQUIRY_ASSISTANT = {
    "settings": {"MODERATION_MAILBOX": MAILBOX},
    "roster": PEOPLE,
    "setup": ("second_moderation_coordinator",),
}


async def submit_enquiry(assistant, **changes) -> dict:
    form = await say(assistant, DCS, "enquiry")
    return await press(assistant, DCS, form, "Send the enquiry", **{**ENQUIRY, **changes})
