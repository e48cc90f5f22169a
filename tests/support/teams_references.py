"""The bot's app id, its tenant, and the conversation references stored for proactive Teams
messages, as the Teams connector stand-in (tests/support/teams_connector.py) is spoken to."""

from __future__ import annotations

from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

APP_ID = "3c9d8e7f-6a5b-4c4d-8e2f-1a0b9c8d7e6f"
TENANT = "72f988bf-0000-4000-8000-00000000a11e"


def reference(service_url: str, conversation_id: str, *, tenant_id: str = TENANT) -> dict:
    return ConversationReference(
        activity_id="1700000000000",
        user=ChannelAccount(id=f"29:user-{conversation_id}", aad_object_id="00000000-0000-4000-a000-000000000001"),
        bot=ChannelAccount(id=f"28:{APP_ID}", name="Peer Challenge Assistant"),
        conversation=ConversationAccount(id=conversation_id, tenant_id=tenant_id, conversation_type="personal"),
        channel_id="msteams",
        service_url=service_url,
    ).serialize()
