"""A moderation enquiry through the real app, from the DCS's card to the delivered report.

Every stage change is an `adaptiveCard/action` invoke, as Teams sends it; the people are the
example calendar's: Wokingham's DCS asks, Hampshire's moderation coordinator runs it, and Kent's
panel member does the work.
"""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import func, select

from notify.render import Renderer
from storage.moderation import Assignment, Enquiry, EnquiryEvent
from storage.people import Person, RoleAssignment
from tests.support.codes import code_sent
from tests.support.connector import texts_in
from tests.support.conversation import act, press, say
from tests.support.enquiries import ENQUIRY, ENQUIRY_ASSISTANT, MAILBOX, submit_enquiry
from tests.support.people import DCS, KENT_DCS, MEMBER, MODERATOR, OTHER_MEMBER, SECOND_MODERATOR
from tests.support.records import _person_id, count, latest, outbox

pytestmark = pytest.mark.assistant(**ENQUIRY_ASSISTANT)


async def test_the_enquiry_card_refuses_bad_input_beside_its_field_then_sends_once(assistant):
    form = await say(assistant, DCS, "enquiry")
    assert form["body"][0]["text"] == "Ask for independent moderation"
    assert any(e.get("id") == "authority" and e.get("value") == "wokingham" for e in form["body"])

    late = await press(assistant, DCS, form, "Send the enquiry", **{**ENQUIRY, "report_by": "2023-02-01"})
    assert any(e.get("id") == "report_reason-error" and "before your challenge date (Monday 16 January 2023)" in e["text"] for e in late["body"])
    big = await press(assistant, DCS, form, "Send the enquiry", **{**ENQUIRY, "support": "small_package", "days": "40"})
    assert any(e.get("id") == "days-error" and "at most 39 days" in e["text"] for e in big["body"])
    assert count(assistant.database, Enquiry) == 0

    done = await press(assistant, DCS, form, "Send the enquiry", **{**ENQUIRY, "days": "6"})
    again = await press(assistant, DCS, form, "Send the enquiry", **{**ENQUIRY, "days": "6"})
    assert done == again and "has gone to the moderation team" in texts_in(done)
    assert "will be discussed" in texts_in(done)  # 6 days of universal moderation: accepted, with a warning
    assert count(assistant.database, Enquiry) == 1

    received = outbox(assistant.database, "enquiry_received")
    assert sorted(r.recipient_address or "" for r in received) == ["", "", MAILBOX]  # two moderation coordinators and the mailbox
    assert len(outbox(assistant.database, "enquiry_confirmation")) == 1


async def test_an_enquiry_goes_from_received_to_closed_by_card_actions(assistant):
    await submit_enquiry(assistant)
    e = latest(assistant, Enquiry)
    card = await say(assistant, MODERATOR, f"enquiry {e}")
    assert "Received" in texts_in(card)

    card = await press(assistant, MODERATOR, card, "Discussion arranged")
    assert "now at 'Discussion arranged'" in texts_in(card)
    repeated = await act(assistant, MODERATOR, "enquiry.stage", {"id": e, "from": "received", "to": "discussion_arranged"})
    assert "already at 'Discussion arranged'" in texts_in(repeated)
    assert count(assistant.database, EnquiryEvent) == 2

    form = await press(assistant, MODERATOR, card, "Record the agreed package")
    wrong = await press(assistant, MODERATOR, form, "Record the package", days="0", scope="", report_due="soon")
    assert {e["id"] for e in wrong["body"] if e.get("id", "").endswith("-error")} == {"days-error", "scope-error", "report_due-error"}
    card = await press(assistant, MODERATOR, form, "Record the package", days="3", scope="Case file review of 12 early help cases", report_due="2022-12-09")
    assert "Package agreed" in texts_in(card) and "Case file review of 12" in texts_in(card)

    suggestions = await press(assistant, MODERATOR, card, "Find a practitioner")
    said = texts_in(suggestions)
    assert "Nina Oseiwood, Kent" in said and "Tom Radleigh, Oxfordshire" in said
    assert "Wokingham" not in said.replace(f"Practitioners for enquiry {e}: Wokingham", "")  # never the enquiring authority
    form = await press(assistant, MODERATOR, suggestions, "Invite Nina Oseiwood")
    card = await press(assistant, MODERATOR, form, "Send the invitation", times="Tuesday 4 October, 10:00 or 14:00")
    assert "Practitioner invited" in texts_in(card)
    invitation = outbox(assistant.database, "assignment_invitation")
    a = latest(assistant, Assignment)
    assert len(invitation) == 1 and invitation[0].payload["times_offered"].startswith("Tuesday 4 October")

    # The panel member: no accepting before the discussion, then the discussion, then accepting.
    mine = await say(assistant, MEMBER, "my assignments")
    invitation_card = await press(assistant, MEMBER, mine, f"Open invitation {a}")
    assert not any(a.get("title") == "Accept" for a in invitation_card["body"][-1]["actions"])
    early = await act(assistant, MEMBER, "assignment.accept", {"id": a})
    assert "discussion before you accept" in texts_in(early)
    invitation_card = await press(assistant, MEMBER, invitation_card, "We have talked")
    invitation_card = await press(assistant, MEMBER, invitation_card, "Accept")
    assert "you have accepted" in texts_in(invitation_card)
    await act(assistant, MEMBER, "assignment.accept", {"id": a})  # a doubled click
    assert count(assistant.database, EnquiryEvent, EnquiryEvent.to_stage == "practitioner_accepted") == 1

    card = await say(assistant, MODERATOR, f"enquiry {e}")
    assert "Practitioner accepted" in texts_in(card)
    card = await press(assistant, MODERATOR, card, "Work has started")
    form = await press(assistant, MODERATOR, card, "Report delivered")
    card = await press(assistant, MODERATOR, form, "Record the report", delivered_on="2022-12-02", days_worked="3.5")
    assert "Report delivered" in texts_in(card) and "3.5 worked" in texts_in(card)
    card = await press(assistant, MODERATOR, card, "Close the enquiry")
    assert "now at 'Closed'" in texts_in(card)

    with assistant.database.session() as session:
        assignment = session.get(Assignment, a)
        assert (assignment.status, assignment.days_worked, assignment.days_agreed) == ("completed", 3.5, 3.0)
        stages = session.scalars(select(EnquiryEvent.to_stage).order_by(EnquiryEvent.id)).all()
    assert stages == ["received", "discussion_arranged", "package_agreed", "practitioner_invited", "practitioner_accepted",
                      "in_progress", "report_delivered", "closed"]
    # The enquirer heard of every change; the other moderation coordinator's notice follows each one.
    assert len(outbox(assistant.database, "enquiry_stage")) == 7
    # The acting coordinator's own card is refreshed by the action; when the panel member accepted, both were updated.
    updates = [r.recipient_person_id for r in outbox(assistant.database, "enquiry_received") if r.payload.get("replaces")]
    assert sorted(updates) == sorted([_person_id(assistant, SECOND_MODERATOR)] * 7 + [_person_id(assistant, MODERATOR)])


async def test_a_decline_goes_back_to_the_coordinator_who_invites_someone_else(assistant):
    await submit_enquiry(assistant)
    e = latest(assistant, Enquiry)
    await act(assistant, MODERATOR, "enquiry.stage", {"id": e, "from": "received", "to": "discussion_arranged"})
    await act(assistant, MODERATOR, "enquiry.package.save", {"id": e, "from": "discussion_arranged", "days": "3", "scope": "Data", "report_due": "2022-12-09"})
    await act(assistant, MODERATOR, "enquiry.invite.save", {"id": e, "person": _person_id(assistant, MEMBER), "times": ""})
    a = latest(assistant, Assignment)
    declined = await act(assistant, MEMBER, "assignment.decline.save", {"id": a, "reason": "On leave in November"})
    assert "you have declined" in texts_in(declined)
    card = await act(assistant, MODERATOR, "enquiry.view", {"id": e})
    assert "Package agreed" in texts_in(card) and "Nina Oseiwood declined" in texts_in(card)
    told = [r for r in outbox(assistant.database, "assignment_update") if "declined" in r.payload["what"]]
    assert {r.recipient_person_id for r in told} == {_person_id(assistant, MODERATOR), _person_id(assistant, SECOND_MODERATOR)}

    suggestions = await act(assistant, MODERATOR, "enquiry.suggest", {"id": e})
    assert "Invite Nina Oseiwood" not in str(suggestions)  # already asked
    await press(assistant, MODERATOR, suggestions, "Invite Tom Radleigh")
    card = await act(assistant, MODERATOR, "enquiry.invite.save", {"id": e, "person": _person_id(assistant, OTHER_MEMBER), "times": ""})
    assert "Tom Radleigh (Oxfordshire) is invited" in texts_in(card)


async def test_who_may_do_what(assistant):
    await submit_enquiry(assistant)
    e = latest(assistant, Enquiry)
    # Another authority's DCS cannot see it; the enquiring DCS cannot move it; nobody else answers the invitation.
    assert f"can't find enquiry {e}" in texts_in(await say(assistant, KENT_DCS, f"enquiry {e}"))
    assert f"can't find enquiry {e}" in texts_in(await act(assistant, KENT_DCS, "enquiry.view", {"id": e}))
    assert "Your authority's enquiries" in texts_in(await say(assistant, KENT_DCS, "my enquiries"))
    assert f"Enquiry {e}" not in texts_in(await say(assistant, KENT_DCS, "my enquiries"))
    assert f"Enquiry {e}: Wokingham" in texts_in(await say(assistant, DCS, "my enquiries"))
    refused = await act(assistant, DCS, "enquiry.stage", {"id": e, "from": "received", "to": "discussion_arranged"})
    assert "Only the moderation coordinators" in texts_in(refused)
    assert "Only coordinators see every enquiry" in texts_in(await say(assistant, DCS, "enquiries"))
    assert "Only the moderation coordinators" in texts_in(await act(assistant, DCS, "enquiry.suggest", {"id": e}))

    await act(assistant, MODERATOR, "enquiry.stage", {"id": e, "from": "received", "to": "discussion_arranged"})
    await act(assistant, MODERATOR, "enquiry.package.save", {"id": e, "from": "discussion_arranged", "days": "3", "scope": "Data", "report_due": "2022-12-09"})
    invite = await act(assistant, DCS, "enquiry.invite.save", {"id": e, "person": _person_id(assistant, MEMBER)})
    assert "Only the moderation coordinators" in texts_in(invite)
    await act(assistant, MODERATOR, "enquiry.invite.save", {"id": e, "person": _person_id(assistant, MEMBER), "times": ""})
    a = latest(assistant, Assignment)
    for verb in ("assignment.view", "assignment.accept", "assignment.decline.save"):
        assert "Only the panel member who was invited" in texts_in(await act(assistant, OTHER_MEMBER, verb, {"id": a}))
    assert count(assistant.database, Assignment, Assignment.status == "invited") == 1

    # Skipping needs a reason; the enquirer may withdraw, and the invited member is told.
    skip = await act(assistant, MODERATOR, "enquiry.override.save", {"id": e, "from": "practitioner_invited", "stage": "closed", "reason": ""})
    assert "give a reason" in texts_in(skip)
    card = await act(assistant, DCS, "enquiry.withdraw.save", {"id": e, "from": "practitioner_invited", "reason": "Finalised early"})
    assert "now at 'Withdrawn'" in texts_in(card)
    assert len(outbox(assistant.database, "assignment_cancelled")) == 1
    reopened = await act(assistant, MODERATOR, "enquiry.override.save", {"id": e, "from": "withdrawn", "stage": "received", "reason": "Asked again by phone"})
    assert "now at 'Received'" in texts_in(reopened) and "Reason: Asked again by phone" in texts_in(reopened)


async def _to_accepted(assistant) -> tuple[int, int]:
    await submit_enquiry(assistant)
    e = latest(assistant, Enquiry)
    await act(assistant, MODERATOR, "enquiry.stage", {"id": e, "from": "received", "to": "discussion_arranged"})
    await act(assistant, MODERATOR, "enquiry.package.save", {"id": e, "from": "discussion_arranged", "days": "3", "scope": "Data", "report_due": "2022-12-09"})
    await act(assistant, MODERATOR, "enquiry.invite.save", {"id": e, "person": _person_id(assistant, MEMBER), "times": ""})
    a = latest(assistant, Assignment)
    await act(assistant, MODERATOR, "assignment.discussed", {"id": a})
    assert "you have accepted" in texts_in(await act(assistant, MEMBER, "assignment.accept", {"id": a}))
    return e, a


async def test_a_member_who_leaves_the_panel_hands_open_work_back_first(assistant):
    e, a = await _to_accepted(assistant)
    mine = await say(assistant, MEMBER, "my assignments")
    question = await press(assistant, MEMBER, mine, "Leave the panel")
    assert "goes back to the moderation team first" in texts_in(question)
    left = await press(assistant, MEMBER, question, "Yes, leave the panel")
    assert "You have left the regional panel" in texts_in(left) and "1 open assignment(s) went back" in texts_in(left)

    card = await act(assistant, MODERATOR, "enquiry.view", {"id": e})
    assert "Package agreed" in texts_in(card) and "Nina Oseiwood handed the work back" in texts_in(card)
    with assistant.database.session() as session:
        assert session.get(Assignment, a).status == "handed_back"
        member = _person_id(assistant, MEMBER)
        assert session.scalar(select(func.count()).select_from(RoleAssignment).where(
            RoleAssignment.person_id == member, RoleAssignment.role == "panel_member", RoleAssignment.active.is_(True))) == 0
    assert any("handed back" in r.payload["what"] for r in outbox(assistant.database, "assignment_update"))
    assert len(outbox(assistant.database, "panel_member_left")) == 2  # both moderation coordinators
    suggestions = await act(assistant, MODERATOR, "enquiry.suggest", {"id": e})
    assert "Nina Oseiwood" not in texts_in(suggestions)  # no longer on the panel


async def test_withdrawing_a_members_nomination_asks_the_coordinators_to_reassign_the_work(assistant):
    # Kent's DCS nominates a colleague, who joins by replying to the invitation email.
    from storage.panel import Nomination
    from tests.support.activities import email_message

    nominee = "lena.example@kent.example"
    await act(assistant, KENT_DCS, "nomination.submit", {
        "token": "t-lena", "authority": "kent", "nominee_name": "Lena Example", "nominee_email": nominee, "job_title": "Head of QA",
        "service_area": "Children's social care", "covers": "both", "areas": "safeguarding", "agreed": "true",
    })
    with assistant.database.session() as session:
        nomination = session.scalar(select(Nomination).where(Nomination.form_token == "t-lena"))
    code = code_sent(assistant.database, "panel_invitation", nominee)
    await assistant.post(email_message(assistant.service_url, nominee, "join", subject=f"RE: nominated [{code}]"))
    await submit_enquiry(assistant)
    e = latest(assistant, Enquiry)
    await act(assistant, MODERATOR, "enquiry.stage", {"id": e, "from": "received", "to": "discussion_arranged"})
    await act(assistant, MODERATOR, "enquiry.package.save", {"id": e, "from": "discussion_arranged", "days": "3", "scope": "Data", "report_due": "2022-12-09"})
    suggestions = await act(assistant, MODERATOR, "enquiry.suggest", {"id": e})
    assert texts_in(suggestions).index("Lena Example") < texts_in(suggestions).index("Nina Oseiwood")  # an exact area first
    await press(assistant, MODERATOR, suggestions, "Invite Lena Example")
    lena = _person_id(assistant, {"email": nominee})
    await act(assistant, MODERATOR, "enquiry.invite.save", {"id": e, "person": lena, "times": ""})

    await act(assistant, KENT_DCS, "nomination.withdraw", {"id": nomination.id})
    card = await act(assistant, MODERATOR, "enquiry.view", {"id": e})
    assert "Package agreed" in texts_in(card) and "Lena Example handed the work back" in texts_in(card)
    told = [r for r in outbox(assistant.database, "assignment_update") if "Please find someone else" in r.payload["what"]]
    assert {r.recipient_person_id for r in told} == {_person_id(assistant, MODERATOR), _person_id(assistant, SECOND_MODERATOR)}


async def test_availability_is_shown_to_coordinators_choosing_a_practitioner(assistant):
    mine = await say(assistant, MEMBER, "my assignments")
    form = await press(assistant, MEMBER, mine, "Record my availability")
    saved = await press(assistant, MEMBER, form, "Save", availability="Two days a month from January")
    assert "Two days a month from January" in texts_in(saved)
    await submit_enquiry(assistant)
    e = latest(assistant, Enquiry)
    await act(assistant, MODERATOR, "enquiry.stage", {"id": e, "from": "received", "to": "discussion_arranged"})
    await act(assistant, MODERATOR, "enquiry.package.save", {"id": e, "from": "discussion_arranged", "days": "3", "scope": "Data", "report_due": "2022-12-09"})
    suggestions = await act(assistant, MODERATOR, "enquiry.suggest", {"id": e})
    assert "Availability: Two days a month from January" in texts_in(suggestions)
    assert "Only panel members" in texts_in(await act(assistant, DCS, "panel.availability.save", {"availability": "x"}))


async def test_the_days_report_card_for_coordinators_only(assistant):
    e, _a = await _to_accepted(assistant)
    await act(assistant, MODERATOR, "enquiry.stage", {"id": e, "from": "practitioner_accepted", "to": "in_progress"})
    await act(assistant, MODERATOR, "enquiry.report.save", {"id": e, "from": "in_progress", "delivered_on": "2022-12-02", "days_worked": "2.5"})
    report = texts_in(await say(assistant, MODERATOR, "days"))
    assert "Days contributed, 2022-23" in report and "Kent" in report and "2.5 days worked of 3 agreed" in report
    assert "There is no cycle '1999-00'" in texts_in(await say(assistant, MODERATOR, "days 1999-00"))
    assert "Only coordinators" in texts_in(await say(assistant, DCS, "days"))


@pytest.mark.parametrize("verb,data", [
    ("enquiry.view", {"id": "abc"}),
    ("enquiry.view", {"id": None}),
    ("enquiry.view", {}),
    ("enquiry.stage", {"id": 99999, "to": "closed"}),
    ("enquiry.stage", {"id": "1", "to": "nonsense", "from": "garbage"}),
    ("enquiry.package.save", {"id": [1], "days": {"x": 1}}),
    ("enquiry.invite.save", {"id": "1", "person": "someone"}),
    ("assignment.accept", {"id": "x"}),
    ("assignment.discussed", {"id": -1}),
    ("assignment.decline.save", {}),
    ("enquiry.submit", {"token": "t", "days": "1e309", "report_by": "31/12/2022"}),
])
async def test_bad_card_data_gets_a_message_never_an_error(assistant, verb, data):
    for user in (MODERATOR, DCS, MEMBER):
        card = await act(assistant, user, verb, data)
        assert card["type"] == "AdaptiveCard"
    assert count(assistant.database, Enquiry) == 0


async def test_the_same_form_sent_at_once_by_two_processes_stores_one_enquiry(assistant):
    """Two sessions (as two web processes would have) submit one form token; one enquiry results.
    (The moment both pass the check at once is caught by the unique token: the loser answers as the winner.)"""
    from datetime import date, datetime

    from programme.moderation.enquiry import submit_enquiry as submit
    from programme.people.profile import load_profile

    with assistant.database.session() as first, assistant.database.session() as second:
        person = first.scalar(select(Person).where(Person.email == DCS["email"]))
        profile = load_profile(first, person, date(2022, 9, 1))
        now = datetime(2022, 9, 1, 10, tzinfo=UTC)
        one = submit(first, profile, "same-token", ENQUIRY, now, date(2022, 9, 1))
        two = submit(second, profile, "same-token", ENQUIRY, now, date(2022, 9, 1))
    assert one.enquiry_id == two.enquiry_id and count(assistant.database, Enquiry) == 1


async def test_an_enquiry_a_coordinator_makes_for_an_authority_is_told_to_its_dcs(assistant):
    form = await say(assistant, SECOND_MODERATOR, "enquiry")  # Jo Carverley, a programme coordinator
    done = await press(assistant, SECOND_MODERATOR, form, "Send the enquiry", **ENQUIRY)
    assert "moderation team" in texts_in(done), texts_in(done)
    told = outbox(assistant.database, "enquiry_confirmation")
    to_dcs = [r for r in told if r.recipient_person_id == _person_id(assistant, DCS)]
    assert len(to_dcs) == 1 and to_dcs[0].payload["on_behalf_by"] == "Jo Carverley"
    rendered = Renderer().render("enquiry_confirmation", to_dcs[0].payload)
    assert "was made on its behalf" in rendered.subject and "Jo Carverley, for the programme coordinators" in rendered.text


async def test_a_stage_cannot_be_entered_without_what_it_needs(assistant):
    await submit_enquiry(assistant)
    e = latest(assistant, Enquiry)
    skip = {"id": e, "from": "received", "stage": "package_agreed", "reason": "Agreed on the phone"}
    refused = await act(assistant, MODERATOR, "enquiry.override.save", skip)
    ids = [el.get("id") for el in refused["body"]]
    assert "stage-error" in ids and "Record the agreed package" in texts_in(refused)
    for later in ("practitioner_invited", "in_progress", "report_delivered", "closed"):
        again = await act(assistant, MODERATOR, "enquiry.override.save", {"id": e, "from": "received", "stage": later, "reason": "Skipping"})
        assert "stage-error" in [el.get("id") for el in again["body"]], later
    with assistant.database.session() as session:
        assert session.get(Enquiry, e).stage == "received"
    assert outbox(assistant.database, "enquiry_stage") == []
