"""The coordinators' digest through the running app: printed and queued from the command line, and
the `digest` command in Teams, for coordinators only."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from storage.outbox import OutboxMessage
from tests.support.activities import teams_message
from tests.support.assistant import start_assistant
from tests.support.calendars import EXAMPLE
from tests.support.people import HARRIET, JO, roster_entry

# A Monday morning (08:00 in London is 08:00 UTC in winter) before Christmas, inside the last moderation windows.
DECEMBER = datetime(2022, 12, 19, 8, 0, tzinfo=UTC)


def test_the_command_line_prints_the_digest_without_queuing_and_queues_it_once(tmp_path, monkeypatch, capsys):
    from service.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'digest.sqlite3'}")
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    assert main(["import-calendar", str(EXAMPLE), "--past-cycle"]) == 0
    capsys.readouterr()

    assert main(["digest", "--dry-run", "--on", "2022-12-19"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Peer challenge digest: week of Mon 19 Dec 2022\n")
    assert "Reading (Quartet 3, challenge day Thu 16 Feb 2023): the window closes" in " ".join(out.split())
    assert "Reply with: enquiries, directory, panel" in out

    from storage.database import Database

    database = Database(f"sqlite:///{tmp_path / 'digest.sqlite3'}")
    try:
        with database.session() as session:
            assert session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "digest")) == 0
        assert main(["digest", "--on", "2022-12-19"]) == 0
        assert capsys.readouterr().out == "Queued 3 digest messages for 2022-W51.\n"  # three coordinators, none in Teams yet
        assert main(["digest", "--on", "2022-12-20"]) == 0
        assert capsys.readouterr().out.startswith("Queued 0 digest messages for 2022-W51.")
        with database.session() as session:
            assert session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "digest")) == 3
    finally:
        database.dispose()


async def coordinators_and_others_ask_for_the_digest(database):
    running, connector_server = await start_assistant(database, now=DECEMBER)
    for user in (JO, HARRIET):
        running.connector.members[user["id"]] = roster_entry(user)
    try:
        async def say(user, text) -> dict:
            running.connector.sent.clear()
            response = await running.post(teams_message(running.service_url, text, user_id=user["id"], aad_object_id=user["aadObjectId"]))
            assert response.status in (200, 201)
            return running.connector.cards()[-1]

        card = await say(JO, "digest")
        texts = [block.get("text", "") for block in card["body"]]
        assert texts[0] == "Peer challenge digest: week of Mon 19 Dec 2022"
        assert "Inside the moderation window, no enquiry yet" in texts
        assert any(t.startswith("- Reading (Quartet 3, challenge day Thu 16 Feb 2023)") or "\n- Reading (Quartet 3" in t for t in texts)
        assert [a["data"]["command"] for a in card["actions"]] == ["enquiries", "directory", "panel", "deliveries"]

        refused = await say(HARRIET, "digest")
        assert "Only the programme coordinators receive the digest." in refused["body"][1]["text"]
        with database.session() as session:
            assert session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "digest")) == 0
    finally:
        await running.client.close()
        await connector_server.close()


async def test_a_coordinator_gets_the_digest_card_and_a_dcs_is_refused(database):
    await coordinators_and_others_ask_for_the_digest(database)
