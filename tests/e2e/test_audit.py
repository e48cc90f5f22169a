"""The audit trail: every change through the assistant or the command line is recorded, who, when,
what and from which channel; no entry holds a message body, an address or a token."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import select

from storage.audit import AuditEntry
from storage.moderation import Enquiry
from tests.support.connector import texts_in
from tests.support.conversation import act, say
from tests.support.enquiries import ENQUIRY_ASSISTANT, submit_enquiry
from tests.support.people import DCS, MODERATOR
from tests.support.records import _person_id, latest

pytestmark = pytest.mark.assistant(**ENQUIRY_ASSISTANT)

SECRET_TEXT = "Our early help offer"


def trail(database) -> list[AuditEntry]:
    with database.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def test_card_changes_are_recorded_with_who_what_and_channel_and_no_free_text(assistant):
    await submit_enquiry(assistant)
    e = latest(assistant, Enquiry)
    await act(assistant, MODERATOR, "enquiry.view", {"id": e})  # only looking: not recorded
    await act(assistant, MODERATOR, "enquiry.stage", {"id": e, "from": "received", "to": "discussion_arranged"})
    await act(assistant, MODERATOR, "enquiry.package.save", {"id": e, "from": "discussion_arranged", "days": "x"})  # refused: not recorded
    await act(
        assistant,
        MODERATOR,
        "enquiry.package.save",
        {"id": e, "from": "discussion_arranged", "days": "3", "scope": "Secret scope", "report_due": "2022-12-09"},
    )
    entries = trail(assistant.database)
    assert [x.action for x in entries] == ["enquiry.submit", "enquiry.stage", "enquiry.package.save"]
    moderator = _person_id(assistant, MODERATOR)
    assert entries[1].person_id == moderator and entries[1].channel == "msteams"
    assert entries[1].subject == f"id={e} to=discussion_arranged from=received"
    assert all(x.authority_id is not None for x in entries)  # all about Wokingham's enquiry
    for entry in entries:
        assert SECRET_TEXT not in entry.subject and "Secret" not in entry.subject and "@" not in entry.subject and "token" not in entry.subject

    card = await say(assistant, MODERATOR, "audit authority=wokingham")
    said = texts_in(card)
    assert "Robin Ashcombe, by Teams: enquiry.stage" in said and "Harriet Quillfeather, by Teams: enquiry.submit" in said
    assert "There is no authority 'atlantis'" in texts_in(await say(assistant, MODERATOR, "audit authority=atlantis"))
    assert "Only the programme coordinators" in texts_in(await say(assistant, DCS, "audit"))
    assert "Robin Ashcombe" in texts_in(await say(assistant, MODERATOR, "audit person=robin.ashcombe@hampshire.example"))


def test_command_line_changes_and_exports_are_recorded(tmp_path, monkeypatch, capsys):
    from pathlib import Path

    from service.cli import main
    from storage.database import Database

    url = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    example = Path(__file__).resolve().parents[2] / "examples" / "south-east-2022-23.yaml"
    assert main(["import-calendar", str(example), "--dry-run", "--past-cycle"]) == 0  # a dry run changes nothing: not recorded
    assert main(["import-calendar", str(example), "--past-cycle"]) == 0
    assert main(["mark-received", "--authority", "kent", "--cycle", "2022-23"]) == 0
    assert main(["export", "panel", "--format", "csv", "--output", str(tmp_path / "panel.csv")]) == 0
    capsys.readouterr()
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert "export panel" in out and "sa.received" in out and "import-calendar" in out and "command line" in out
    database = Database(url)
    with database.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    database.dispose()
    assert actions == ["import-calendar", "sa.received", "export panel"]


async def test_every_kind_of_change_a_coordinator_makes_leaves_an_entry(assistant):
    from tests.support.activities import email_message
    from tests.support.people import KENT_DCS

    await act(assistant, MODERATOR, "group.save", {"group": "2", "date": "2023-03-10", "format": "virtual", "location": ""})
    await act(assistant, KENT_DCS, "team.add", {"authority": "kent", "role": "participant", "name": "Lee Example", "email": "lee.example@kent.example"})
    await say(assistant, MODERATOR, "export panel")  # Teams: a link; the entry is written when it is followed
    await assistant.post(email_message(assistant.service_url, MODERATOR["email"], "export panel"))
    await act(assistant, MODERATOR, "sa.received", {"authority": "kent"})
    from datetime import datetime

    from storage.outbox import OutboxMessage, enqueue

    with assistant.database.session() as session:
        enqueue(session, key="failed/1", kind="delivery_test", payload={"person_name": "X"}, due_at=datetime(2022, 9, 1, tzinfo=UTC),
                recipient_address="x@kent.example", channel="email")
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == "failed/1"))
        row.status = "failed"
        session.commit()
        failed_id = row.id
    await act(assistant, MODERATOR, "delivery.retry", {"id": failed_id})
    actions = {e.action for e in trail(assistant.database)}
    assert {"group.save", "team.add", "export panel", "sa.received", "delivery.retry"} <= actions
    kinds = {(e.action, e.channel) for e in trail(assistant.database)}
    assert ("export panel", "email") in kinds and ("group.save", "msteams") in kinds


async def test_a_press_that_changes_nothing_is_not_recorded_as_a_change(assistant):
    """Each press below arrives twice as two activities (a double click, a card kept and pressed
    again): the second changes nothing, says so, and leaves no audit entry."""
    await submit_enquiry(assistant)
    e = latest(assistant, Enquiry)
    await act(assistant, MODERATOR, "enquiry.stage", {"id": e, "from": "received", "to": "discussion_arranged"})
    package = {"id": e, "from": "discussion_arranged", "days": "3", "scope": "Scope", "report_due": "2022-12-09"}
    await act(assistant, MODERATOR, "enquiry.package.save", package)
    again = await act(assistant, MODERATOR, "enquiry.package.save", {**package, "from": "package_agreed"})
    assert "No change: the package for enquiry" in texts_in(again)
    await act(assistant, MODERATOR, "enquiry.stage", {"id": e, "from": "received", "to": "discussion_arranged"})  # a stale card

    link = {"authority": "wokingham", "link": "https://sharepoint.example/wokingham/sa.docx"}
    await act(assistant, DCS, "sa.sent.save", link)
    assert "No change" in texts_in(await act(assistant, DCS, "sa.sent.save", link))
    await act(assistant, MODERATOR, "sa.received", {"authority": "wokingham"})
    assert "already marked received" in texts_in(await act(assistant, MODERATOR, "sa.received", {"authority": "wokingham"}))

    actions = [x.action for x in trail(assistant.database)]
    assert actions == ["enquiry.submit", "enquiry.stage", "enquiry.package.save", "sa.sent.save", "sa.received"], actions
