"""Reminders through the running assistant: the timeline and receipts from the command line, and
the clock planning as soon as the service starts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from storage.outbox import OutboxMessage
from tests.support.calendars import EXAMPLE
from tests.support.reminders import nine


def test_the_timeline_shows_what_will_be_sent_to_whom_and_why(tmp_path, monkeypatch, capsys):
    from service.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'timeline.sqlite3'}")
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    assert main(["import-calendar", str(EXAMPLE), "--past-cycle"]) == 0
    capsys.readouterr()
    assert main(["reminders", "--from", "2022-11-21", "--to", "2022-11-24"]) == 0
    out = capsys.readouterr().out
    assert "Monday 21 November 2022" in out and "Thursday 24 November 2022" in out
    assert "09:00  Harriet Quillfeather  Wokingham: the moderation window closes" in out
    assert "no enquiry has been made" in out and "11 reminders from 2022-11-21 to 2022-11-24" in out
    assert main(["reminders", "--from", "2022-11-24", "--to", "2022-11-21"]) == 2


async def test_the_clock_plans_as_soon_as_the_service_starts(database_with_cycle):
    import asyncio

    from tests.support.assistant import start_assistant

    running, connector_server = await start_assistant(database_with_cycle, now=nine(date(2022, 10, 24)), settings={"SCHEDULER": "on"})
    try:
        for _ in range(100):
            with database_with_cycle.session() as session:
                keys = session.scalars(select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.like("reminder/%"))).all()
            if keys:
                break
            await asyncio.sleep(0.05)
        assert any("/moderation_opens/wokingham/" in key for key in keys)
    finally:
        await running.client.close()
        await connector_server.close()


def test_receipt_and_notes_from_the_command_line(tmp_path, monkeypatch, capsys):
    from service.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    assert main(["import-calendar", str(EXAMPLE), "--past-cycle"]) == 0
    assert main(["mark-received", "--authority", "kent", "--cycle", "2022-23"]) == 0
    assert "Kent's self-assessment is marked received" in capsys.readouterr().out
    assert main(["mark-received", "--authority", "atlantis", "--cycle", "2022-23"]) == 1
    assert "There is no authority 'atlantis'" in capsys.readouterr().err
    assert main(["notes-sent", "--group", "1", "--link", "https://sharepoint.example/notes/triad-1"]) == 0
    assert "The notes of Triad 1 recorded as sent" in capsys.readouterr().out
    assert main(["notes-sent", "--group", "1", "--link", "not a link"]) == 1
    assert "starting with https://" in capsys.readouterr().err
