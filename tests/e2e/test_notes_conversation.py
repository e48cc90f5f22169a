"""The record of the session and the self-assessments, through the real app: notes sent, amended,
revised and agreed by card and by email; the Lead Member prompt; receipt of the self-assessments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from notify.render import Renderer
from programme.reminders.planning import run_planning
from programme.reminders.working_days import send_moment
from storage.calendar import NoteAgreement, SelfAssessment
from storage.outbox import OutboxMessage
from tests.support.activities import email_message
from tests.support.codes import code_sent
from tests.support.connector import texts_in
from tests.support.conversation import act, press, say
from tests.support.people import COORDINATOR, DCS, EAST_SUSSEX, FACILITATOR, KENT, SURREY

LONDON = ZoneInfo("Europe/London")  # the programme's local time in these tests

NOW = datetime(2023, 1, 20, 10, tzinfo=UTC)
LINK = "https://sharepoint.example/sites/seslip/notes/triad-1.docx"
LIBRARY = "https://library.example/peer-challenge"

pytestmark = pytest.mark.assistant(
    now=NOW, settings={"PEER_CHALLENGE_LIBRARY_URL": LIBRARY}, roster=(DCS, EAST_SUSSEX, SURREY, COORDINATOR, FACILITATOR, KENT),
)


def rows(database, kind) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def note_of(database, code) -> NoteAgreement:
    with database.session() as session:
        from storage.people import Authority

        return session.scalar(select(NoteAgreement).join(Authority, Authority.id == NoteAgreement.authority_id).where(Authority.code == code))


async def test_notes_sent_amended_revised_agreed_and_shared(assistant):
    assert "Only the coordinators or Triad 1's facilitator" in texts_in(await act(assistant, KENT, "note.sent.save", {"group": "1", "link": LINK}))
    overview = await say(assistant, COORDINATOR, "notes")
    form = await press(assistant, COORDINATOR, overview, "Notes sent for Triad 1")
    bad = await press(assistant, COORDINATOR, form, "Record the notes as sent", link="the shared drive")
    assert any(e.get("id") == "link-error" for e in bad["body"])
    done = await press(assistant, COORDINATOR, form, "Record the notes as sent", link=LINK)
    assert "The notes of Triad 1 recorded as sent" in texts_in(done)
    asked = rows(assistant.database, "note_agreement")
    assert len(asked) == 3  # the DCSs of Wokingham, East Sussex and Surrey

    wokingham = note_of(assistant.database, "wokingham")
    card = await act(assistant, DCS, "note.view", {"id": wokingham.id})
    assert "Agree the note" in str(card) and "Ask for amendments" in str(card)
    assert "Only Wokingham's DCS" in texts_in(await act(assistant, EAST_SUSSEX, "note.agree", {"id": wokingham.id, "version": 1}))
    form = await press(assistant, DCS, card, "Ask for amendments")
    empty = await press(assistant, DCS, form, "Send the amendments", amendments="")
    assert any(e.get("id") == "amendments-error" for e in empty["body"])
    await press(assistant, DCS, form, "Send the amendments", amendments="Please add our point on transitions.")
    told = {r.recipient_person_id for r in rows(assistant.database, "note_amendments")}
    assert len(told) == 3  # Jo and Sam (coordinators) and Chris (Triad 1's facilitator)

    # The facilitator sends a revised note for Wokingham: asked again, and a stale card cannot agree.
    revised = await act(assistant, FACILITATOR, "note.sent.save", {"group": "1", "authority": "wokingham", "link": LINK + "?v=2"})
    assert "A revised note for Wokingham recorded as sent" in texts_in(revised)
    assert note_of(assistant.database, "wokingham").version == 2
    assert len(rows(assistant.database, "note_agreement")) == 4
    stale = await act(assistant, DCS, "note.agree", {"id": wokingham.id, "version": 1})
    assert "A revised note (version 2)" in texts_in(stale)
    agreed = await act(assistant, DCS, "note.agree", {"id": wokingham.id, "version": 2})
    assert "note is agreed" in texts_in(agreed) and "Shared with our Lead Member" in str(agreed)
    assert "already agreed" in texts_in(await act(assistant, DCS, "note.agree", {"id": wokingham.id, "version": 2}))
    assert len(rows(assistant.database, "lead_member_share")) == 1
    shared = await press(assistant, DCS, agreed, "Shared with our Lead Member")
    assert "recorded as shared" in texts_in(shared) and note_of(assistant.database, "wokingham").shared_on == date(2023, 1, 20)


async def test_a_dcs_agrees_by_replying_to_the_email(assistant):
    await act(assistant, COORDINATOR, "note.sent.save", {"group": "1", "link": LINK})
    code = code_sent(assistant.database, "note_agreement", EAST_SUSSEX["email"])
    subject = f"RE: Please agree the note for East Sussex, Triad 1 [{code}]"
    refused = await _email(assistant, DCS["email"], "agree", subject)  # East Sussex's code, from Wokingham's DCS
    assert "can't find that note" in refused and note_of(assistant.database, "east-sussex").status == "sent"
    assert "note is agreed" in await _email(assistant, EAST_SUSSEX["email"], "agree\n\nThanks, Owen", subject)
    assert note_of(assistant.database, "east-sussex").status == "agreed"
    assert "recorded as shared" in await _email(assistant, EAST_SUSSEX["email"], "shared", subject)


@pytest.mark.parametrize(("reply", "status"), [
    ("Agreed, thanks\n\nOwen\n\nSent from my iPhone", "agreed"),
    ("Hi,\n\nYes, happy with it.\n\nKind regards,\nOwen", "agreed"),
    ("Please amend: our point on transitions is missing.", "amendments_requested"),
    ("I don’t agree with the second paragraph", "amendments_requested"),
])
async def test_a_dcs_answers_the_note_in_words(assistant, reply, status):
    await act(assistant, COORDINATOR, "note.sent.save", {"group": "1", "link": LINK})
    code = code_sent(assistant.database, "note_agreement", EAST_SUSSEX["email"])
    await _email(assistant, EAST_SUSSEX["email"], reply, f"RE: Please agree the note for East Sussex, Triad 1 [{code}]")
    assert note_of(assistant.database, "east-sussex").status == status


async def test_a_reply_that_could_mean_agree_or_amend_is_asked_about_and_changes_nothing(assistant):
    await act(assistant, COORDINATOR, "note.sent.save", {"group": "1", "link": LINK})
    code = code_sent(assistant.database, "note_agreement", EAST_SUSSEX["email"])
    text = await _email(assistant, EAST_SUSSEX["email"], "I agree with most of it but please amend paragraph 2",
                        f"RE: Please agree the note for East Sussex, Triad 1 [{code}]")
    assert "wasn't sure what you meant" in text and "agree" in text and "amend" in text
    assert note_of(assistant.database, "east-sussex").status == "sent"


async def test_a_reply_to_the_note_that_gives_no_answer_says_so_and_what_to_reply(assistant):
    await act(assistant, COORDINATOR, "note.sent.save", {"group": "1", "link": LINK})
    code = code_sent(assistant.database, "note_agreement", EAST_SUSSEX["email"])
    text = await _email(assistant, EAST_SUSSEX["email"], "I will look at it over the weekend",
                        f"RE: Please agree the note for East Sussex, Triad 1 [{code}]")
    assert "couldn't tell your answer" in text and "agree, amend or shared" in text
    assert note_of(assistant.database, "east-sussex").status == "sent"


async def _email(assistant, sender, text, subject) -> str:
    await assistant.post(email_message(assistant.service_url, sender, text, subject=subject))
    return assistant.connector.sent[-1]["text"]


async def test_follow_ups_until_the_note_is_agreed_and_again_after_a_revision(assistant):
    await act(assistant, COORDINATOR, "note.sent.save", {"group": "1", "link": LINK})  # Friday 20 January
    database = assistant.database

    def plan_on(day):
        with database.session() as session:
            run_planning(session, send_moment(day, datetime.min.time().replace(hour=9), LONDON), LONDON)

    plan_on(date(2023, 1, 27))  # 5 working days later
    first = {r.idempotency_key.split("/")[5] for r in rows(database, "note_agreement") if r.idempotency_key.startswith("reminder/")}
    assert first == {"wokingham", "east-sussex", "surrey"}
    await act(assistant, SURREY, "note.agree", {"id": note_of(database, "surrey").id, "version": 1})
    plan_on(date(2023, 2, 3))  # 10 working days: Surrey agreed, so not Surrey
    second = [r.idempotency_key for r in rows(database, "note_agreement") if "/note_follow_up/2/" in r.idempotency_key]
    assert {k.split("/")[5] for k in second} == {"wokingham", "east-sussex"}
    plan_on(date(2023, 2, 10))  # 15 working days: the coordinators hear
    assert {r.payload["authority_name"] for r in rows(database, "note_escalation")} == {"Wokingham", "East Sussex"}


async def test_self_assessments_sent_then_received_and_the_group_told_when_all_are_in(assistant):
    card = await say(assistant, DCS, "self-assessment")
    assert "not yet sent" in texts_in(card) and "Wokingham" in texts_in(card)
    form = await press(assistant, DCS, card, "Wokingham's is sent")
    bad = await press(assistant, DCS, form, "Record it as sent", link="attached")
    assert any(e.get("id") == "link-error" for e in bad["body"])
    await press(assistant, DCS, form, "Record it as sent", link="https://sharepoint.example/wokingham/sa.docx")
    listed = await say(assistant, COORDINATOR, "self-assessment")  # the coordinators see the link that was sent
    assert "Sent as" in texts_in(listed) and "https://sharepoint.example/wokingham/sa.docx" in texts_in(listed)
    assert "Only the coordinators" in texts_in(await act(assistant, DCS, "sa.received", {"authority": "wokingham"}))
    for code in ("wokingham", "east-sussex"):
        await act(assistant, COORDINATOR, "sa.received", {"authority": code})
    assert rows(assistant.database, "self_assessments_ready") == []
    last = await act(assistant, COORDINATOR, "sa.received", {"authority": "surrey"})
    assert "Every authority in Triad 1 is in" in texts_in(last)
    again = await act(assistant, COORDINATOR, "sa.received", {"authority": "surrey"})
    assert "already marked received" in texts_in(again)
    ready = rows(assistant.database, "self_assessments_ready")
    assert ready and "library_url" not in ready[0].payload  # the region's, from the settings: the renderer adds it
    assert LIBRARY in Renderer(library_url=LIBRARY).render("self_assessments_ready", ready[0].payload).text
    assert "Wokingham: https://sharepoint.example/wokingham/sa.docx" in ready[0].payload["links"]
    with assistant.database.session() as session:
        assert len(session.scalars(select(SelfAssessment).where(SelfAssessment.received_on.is_not(None))).all()) == 3


async def test_copies_for_information_carry_no_code_and_a_forwarded_code_does_not_act(assistant):
    await act(assistant, COORDINATOR, "note.sent.save", {"group": "1", "link": LINK})
    assert all(r.payload.get("reference_code") for r in rows(assistant.database, "note_agreement"))  # each DCS has their own
    codes = [r.payload["reference_code"] for r in rows(assistant.database, "note_agreement")]
    assert len(set(codes)) == len(codes)
    wokingham = note_of(assistant.database, "wokingham")
    card = await act(assistant, DCS, "note.view", {"id": wokingham.id})
    form = await press(assistant, DCS, card, "Ask for amendments")
    await press(assistant, DCS, form, "Send the amendments", amendments="Please add our point on transitions.")
    copies = rows(assistant.database, "note_amendments")
    assert copies and not any("reference_code" in r.payload for r in copies)  # for information: nothing to act with

    # The coordinators' copy carried no code; the DCS's code, forwarded to a coordinator, does not act for them.
    code = code_sent(assistant.database, "note_agreement", DCS["email"])
    answer = await _email(assistant, COORDINATOR["email"], "agree", f"RE: Please agree the note [{code}]")
    assert "can't find that note" in answer and note_of(assistant.database, "wokingham").status == "amendments_requested"
    with assistant.database.session() as session:
        run_planning(session, send_moment(date(2023, 2, 13), datetime.min.time().replace(hour=9), LONDON), LONDON)
    escalations = rows(assistant.database, "note_escalation")
    assert escalations and not any("reference_code" in r.payload for r in escalations)
    follow_ups = [r for r in rows(assistant.database, "note_agreement") if r.idempotency_key.startswith("reminder/")]
    assert follow_ups and all(r.payload.get("reference_code") for r in follow_ups)


async def test_a_coordinator_answers_for_a_note_only_on_the_authority_s_behalf_and_it_is_recorded(assistant):
    from storage.audit import AuditEntry

    await act(assistant, COORDINATOR, "note.sent.save", {"group": "1", "link": LINK})
    note = note_of(assistant.database, "east-sussex")
    refused = await act(assistant, COORDINATOR, "note.agree", {"id": note.id, "version": 1})  # no explicit choice
    assert "not East Sussex's DCS or delegate" in texts_in(refused)
    assert note_of(assistant.database, "east-sussex").status == "sent"
    card = await act(assistant, COORDINATOR, "note.view", {"id": note.id})
    assert "Agree the note on East Sussex's behalf" in str(card)
    agreed = await press(assistant, COORDINATOR, card, "Agree the note on East Sussex's behalf")
    assert "note is agreed" in texts_in(agreed) and note_of(assistant.database, "east-sussex").status == "agreed"
    with assistant.database.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "note.agree"))
        assert "on_behalf" in entry.subject


async def test_notes_cannot_be_recorded_as_sent_before_the_groups_day(assistant):
    # 20 January 2023: Triad 1 met on the 16th; Triad 2 meets on 24 February.
    overview = await say(assistant, COORDINATOR, "notes")
    assert "Notes sent for Triad 1" in str(overview) and "Notes sent for Triad 2" not in str(overview)
    assert "Triad 2 meets on Friday 24 February 2023: its notes can be recorded as sent from that day." in texts_in(overview)

    early = await act(assistant, COORDINATOR, "note.sent.save", {"group": "2", "link": LINK})  # a card kept from before, or forged
    assert "its notes can be recorded as sent from that day" in texts_in(early)
    assert rows(assistant.database, "note_agreement") == []
    with assistant.database.session() as session:
        assert session.scalar(select(func.count()).select_from(NoteAgreement)) == 0
