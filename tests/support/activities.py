"""Bot Framework activities as Teams and the email channel send them."""

from __future__ import annotations

import uuid

TENANT = "00000000-0000-4000-8000-000000000001"
BOT_ID = "28:peer-challenge-bot"


def teams_message(service_url: str, text: str, *, user_id: str, aad_object_id: str | None = None, name: str = "User") -> dict:
    return {
        "type": "message",
        "id": str(uuid.uuid4()),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": user_id, "name": name, "aadObjectId": aad_object_id},
        "recipient": {"id": BOT_ID, "name": "Peer Challenge"},
        "conversation": {"id": f"a:personal-{user_id}", "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
        "text": text,
        "locale": "en-GB",
    }


def teams_install(service_url: str, *, user_id: str, aad_object_id: str | None = None) -> dict:
    return {
        "type": "conversationUpdate",
        "id": str(uuid.uuid4()),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": user_id, "aadObjectId": aad_object_id},
        "recipient": {"id": BOT_ID, "name": "Peer Challenge"},
        "conversation": {"id": f"a:personal-{user_id}", "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
        "membersAdded": [{"id": BOT_ID}],
    }


def card_action(service_url: str, verb: str, data: dict, *, user_id: str, aad_object_id: str | None = None) -> dict:
    return {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "id": str(uuid.uuid4()),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": user_id, "aadObjectId": aad_object_id},
        "recipient": {"id": BOT_ID},
        "conversation": {"id": f"a:personal-{user_id}", "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
        "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
    }


def email_message(service_url: str, sender: str, text: str, *, subject: str = "") -> dict:
    return {
        "type": "message",
        "id": str(uuid.uuid4()),
        "channelId": "email",
        "serviceUrl": service_url,
        "from": {"id": sender, "name": sender},
        "recipient": {"id": "peer-challenge@assistant.example"},
        "conversation": {"id": f"email-{uuid.uuid4()}"},
        "channelData": {"subject": subject, "text": text},
        "text": text,
    }
