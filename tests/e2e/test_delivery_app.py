"""Delivery end to end through the running app: a team change made in Teams reaches the new
participant's inbox on a real SMTP server, once, however often Teams retries the card action."""

from __future__ import annotations

import asyncio

from tests.support.activities import card_action
from tests.support.assistant import start_assistant
from tests.support.people import DCS, roster_entry
from tests.support.smtp import SmtpServer

ASSISTANT = "peer-challenge@assistant.example"


async def test_a_participant_added_in_teams_hears_of_it_by_email(database):
    with SmtpServer() as server:
        extra = {
            "DISPATCHER": "on",
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": server.host,
            "SMTP_PORT": str(server.port),
            "SMTP_SECURITY": "none",
            "ASSISTANT_MAILBOX": ASSISTANT,
        }
        running, connector_server = await start_assistant(database, settings=extra)
        try:
            dcs = DCS
            running.connector.members[dcs["id"]] = roster_entry(dcs)
            activity = card_action(
                running.service_url,
                "team.add",
                {"authority": "wokingham", "name": "Sam Example", "email": "sam.example@wokingham.example", "role": "participant"},
                user_id=dcs["id"],
                aad_object_id=dcs["aadObjectId"],
            )
            assert (await running.post(activity)).status == 200
            assert (await running.post(activity)).status == 200  # Teams retries the same activity
            for _ in range(100):
                if server.messages:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
            messages = server.messages
        finally:
            await running.client.close()
            await connector_server.close()
    assert len(messages) == 1
    mail = messages[0].message
    assert mail["To"] == "sam.example@wokingham.example" and mail["Reply-To"] == ASSISTANT
    assert "Wokingham" in mail.get_body(("plain",)).get_content()
