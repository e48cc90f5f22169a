"""The corpus (tests/fixtures/corpus.yaml): messages as people really write them, from Outlook on the
desktop and on phones, Gmail and Apple Mail in several languages, with typos, sentences, signatures
and forms filled in every way, each run through the real app with the outcome a person expects."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from storage.calendar import NoteAgreement
from storage.moderation import Enquiry
from storage.panel import Nomination
from storage.people import Authority, Person
from storage.support import SupportItem
from tests.support.activities import card_action
from tests.support.codes import code_sent
from tests.support.connector import texts_in
from tests.support.conversation import act, reply, say, send
from tests.support.enquiries import MAILBOX
from tests.support.nominations import GOOD
from tests.support.people import COORDINATOR, DCS, EAST_SUSSEX

CORPUS = yaml.safe_load((Path(__file__).parents[1] / "fixtures" / "corpus.yaml").read_text("utf-8"))["messages"]
AFTER_THE_DAY = datetime(2023, 1, 20, 10, tzinfo=UTC)  # Triad 1 met on 16 January 2023: its notes are out
ROSTER = (DCS, EAST_SUSSEX, COORDINATOR)


def _of(kind: str, channel: str = "email") -> list:
    return [pytest.param(m, id=m["id"]) for m in CORPUS if m["kind"] == kind and channel in m.get("channels", ["email", "teams"])]


def test_the_corpus_is_large_and_varied_enough():
    assert len(CORPUS) >= 150
    assert len({m["id"] for m in CORPUS}) == len(CORPUS)
    kinds = {m["kind"] for m in CORPUS}
    assert kinds == {"command", "note_answer", "invitation_answer", "nomination_form", "enquiry_form", "asks_form"}


@pytest.mark.assistant(roster=ROSTER, settings={"MODERATION_MAILBOX": MAILBOX})
@pytest.mark.parametrize("message", _of("command"))
async def test_a_command_by_email(assistant, message):
    answer = await send(assistant, DCS["email"], message["body"], message.get("subject", "Peer challenge"))
    assert message["expect"]["reply"] in answer["text"], answer["text"][:600]
    assert "I don't know the command" not in answer["text"]


@pytest.mark.assistant(roster=ROSTER, settings={"MODERATION_MAILBOX": MAILBOX})
@pytest.mark.parametrize("message", _of("command", "teams"))
async def test_a_command_in_teams(assistant, message):
    card = await say(assistant, DCS, message["body"])
    assert message["expect"]["reply"] in texts_in(card), texts_in(card)[:600]
    assert "Reply to this email" not in texts_in(card)


@pytest.mark.assistant(now=AFTER_THE_DAY, roster=ROSTER)
@pytest.mark.parametrize("message", _of("note_answer"))
async def test_an_answer_to_the_note(assistant, message):
    await act(assistant, COORDINATOR, "note.sent.save", {"group": "1", "link": "https://sharepoint.example/notes/triad-1.docx"})
    code = code_sent(assistant.database, "note_agreement", EAST_SUSSEX["email"])
    answer = await send(assistant, EAST_SUSSEX["email"], message["body"], f"RE: Please agree the note for East Sussex, Triad 1 [{code}]")
    with assistant.database.session() as session:
        note = session.scalar(select(NoteAgreement).join(Authority, Authority.id == NoteAgreement.authority_id)
                              .where(Authority.code == "east-sussex"))
        assert note.status == message["expect"]["note"], answer["text"][:600]
    if message["expect"]["note"] == "sent":  # no answer read: the person is asked, never left without a word
        assert "wasn't sure" in answer["text"] or "couldn't tell" in answer["text"]


@pytest.mark.assistant(roster=ROSTER)
@pytest.mark.parametrize("message", _of("invitation_answer"))
async def test_an_answer_to_the_panel_invitation(assistant, message):
    activity = card_action(assistant.service_url, "nomination.submit", {"token": "corpus", **GOOD}, user_id=DCS["id"],
                           aad_object_id=DCS["aadObjectId"])
    assert (await assistant.post(activity)).status == 200
    nominee = GOOD["nominee_email"]
    code = code_sent(assistant.database, "panel_invitation", nominee)
    answer = await send(assistant, nominee, message["body"], f"RE: You have been nominated to the regional peer challenge panel [{code}]")
    with assistant.database.session() as session:
        assert session.scalar(select(Nomination)).status == message["expect"]["nomination"], answer["text"][:600]
    if message["expect"]["nomination"] == "nominated":
        assert "wasn't sure" in answer["text"] or "couldn't tell" in answer["text"]


@pytest.mark.assistant(roster=ROSTER)
@pytest.mark.parametrize("message", _of("nomination_form"))
async def test_a_nomination_by_email(assistant, message):
    form = await send(assistant, DCS["email"], "nominate")
    answer = await reply(assistant, DCS["email"], form, message["body"])
    expect = dict(message["expect"])
    with assistant.database.session() as session:
        nomination = session.scalar(select(Nomination))
        if not expect.pop("saved"):
            assert nomination is None and expect["reply"] in answer["text"], answer["text"][:800]
            return
        assert nomination is not None, answer["text"][:800]
        assert session.get(Person, nomination.nominee_person_id).email == expect.pop("nominee_email")
        assert {key: getattr(nomination, key) for key in expect} == expect


@pytest.mark.assistant(roster=ROSTER, settings={"MODERATION_MAILBOX": MAILBOX})
@pytest.mark.parametrize("message", _of("enquiry_form"))
async def test_an_enquiry_by_email(assistant, message):
    form = await send(assistant, DCS["email"], "enquiry")
    answer = await reply(assistant, DCS["email"], form, "Authority: Wokingham\n" + message["body"])
    expect = dict(message["expect"])
    with assistant.database.session() as session:
        enquiry = session.scalar(select(Enquiry))
        if not expect.pop("saved"):
            assert enquiry is None and expect["reply"] in answer["text"], answer["text"][:800]
            return
        assert enquiry is not None, answer["text"][:800]
        expect["report_needed_by"] = date.fromisoformat(expect["report_needed_by"])
        assert {key: getattr(enquiry, key) for key in expect} == expect


@pytest.mark.assistant(now=AFTER_THE_DAY, roster=ROSTER)  # asks come from the challenge day
@pytest.mark.parametrize("message", _of("asks_form"))
async def test_asks_by_email(assistant, message):
    form = await send(assistant, DCS["email"], "asks")
    answer = await reply(assistant, DCS["email"], form, message["body"])
    with assistant.database.session() as session:
        saved = session.scalars(select(SupportItem)).all()
    assert len(saved) == message["expect"]["saved"], answer["text"][:800]
    if "reply" in message["expect"]:
        assert message["expect"]["reply"] in answer["text"]
