"""The seam between the assistant and the SDK that hosts it.

Dialogs, cards and `programme/` never see an SDK type. They get an `Inbound` (the activity as it
arrived, read from its JSON once) and a `TurnIO` (how the turn answers: a reply, the roster), and
proactive messages go through `notify.teams.TeamsConnector`. Two hosts implement these: the Bot
Framework SDK's (`bot/hosts/botbuilder.py`, the default) and the Microsoft 365 Agents SDK's
(`bot/hosts/agents.py`); `BOT_HOST` chooses, and the composition root builds the one chosen.

A host authenticates a request, parses the activity with its SDK (what the SDK refuses is a 400),
runs the turn in its SDK's turn context (so replies carry its credentials) and turns our `Reply`
into its SDK's activity. Everything else, including the HTTP answer to an invoke, is ours.
"""

from __future__ import annotations

import base64
import html
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_RESPONSE = CARD_CONTENT_TYPE


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Inbound:
    """One activity, as plain data. Read defensively: any field may be missing or of the wrong type."""

    id: str
    type: str
    name: str  # an invoke's name (adaptiveCard/action)
    channel: str  # msteams, email, ...
    text: str  # with the mention of the assistant removed
    value: Any  # a card's data (a submit), an invoke's value
    action: str  # an installation update's: add, remove, add-upgrade, remove-upgrade
    service_url: str
    conversation: dict[str, Any]  # id, conversationType, tenantId, as sent
    sender: dict[str, Any]  # the `from` account: id, name, aadObjectId
    recipient: dict[str, Any]  # the assistant's account
    channel_data: dict[str, Any]
    attachments: tuple[dict[str, Any], ...]  # each as sent: contentType, name, contentUrl, content
    members_added: tuple[str, ...]  # account ids
    members_removed: tuple[str, ...]
    locale: str = ""

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Inbound:
        conversation = _object(body.get("conversation"))
        recipient = _object(body.get("recipient"))
        return cls(
            id=_text(body.get("id")),
            type=_text(body.get("type")),
            name=_text(body.get("name")),
            channel=_text(body.get("channelId")),
            text=_without_mention(_text(body.get("text")), body.get("entities"), _text(recipient.get("id"))),
            value=body.get("value"),
            action=_text(body.get("action")),
            service_url=_text(body.get("serviceUrl")),
            conversation=conversation,
            sender=_object(body.get("from")),
            recipient=recipient,
            channel_data=_object(body.get("channelData")),
            attachments=tuple(item for item in body.get("attachments") or [] if isinstance(item, dict))
            if isinstance(body.get("attachments"), list) else (),
            members_added=_ids(body.get("membersAdded")),
            members_removed=_ids(body.get("membersRemoved")),
            locale=_text(body.get("locale")),
        )

    @property
    def sender_id(self) -> str:
        return _text(self.sender.get("id"))

    @property
    def sender_aad_object_id(self) -> str | None:
        return _text(self.sender.get("aadObjectId")) or None

    @property
    def recipient_id(self) -> str:
        return _text(self.recipient.get("id"))

    @property
    def conversation_id(self) -> str:
        return _text(self.conversation.get("id"))

    @property
    def conversation_type(self) -> str:
        return _text(self.conversation.get("conversationType"))

    @property
    def tenant_id(self) -> str:
        """The Teams tenant: from the channel data, else the conversation."""
        tenant = _object(self.channel_data.get("tenant")).get("id")
        return _text(tenant) or _text(self.conversation.get("tenantId"))

    def reference(self) -> dict[str, Any]:
        """Where to write back to later: the conversation reference, in the Bot Framework's JSON shape."""
        reference: dict[str, Any] = {
            "activityId": self.id or None,
            "user": _only(self.sender, "id", "name", "aadObjectId", "role") or None,
            "bot": _only(self.recipient, "id", "name", "role") or None,
            "conversation": _only(self.conversation, "id", "name", "conversationType", "tenantId", "isGroup") or None,
            "channelId": self.channel,
            "locale": self.locale or None,
            "serviceUrl": self.service_url,
        }
        return {key: value for key, value in reference.items() if value is not None}


def _only(account: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The named fields of an account, where they are plain values (what a reference keeps)."""
    return {key: account[key] for key in keys if isinstance(account.get(key), (str, bool))}


def _ids(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(_text(item.get("id")) for item in value if isinstance(item, dict))


_AT = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)


def _without_mention(text: str, entities: object, recipient_id: str) -> str:
    """The text without the @mention of the assistant (in a group chat or channel, Teams puts
    `<at>Peer Challenge</at>` before what was written)."""
    if not isinstance(entities, list) or not recipient_id or "<at" not in text.lower():
        return text
    for entity in entities:
        if not isinstance(entity, dict) or entity.get("type") != "mention":
            continue
        if _text(_object(entity.get("mentioned")).get("id")) != recipient_id:
            continue
        mention = _text(entity.get("text"))
        match = _AT.fullmatch(mention) or _AT.search(mention)
        name = match.group(1) if match else mention
        text = re.sub(rf"<at[^>]*>\s*{re.escape(name)}\s*</at>", "", text, flags=re.IGNORECASE)
        text = re.sub(rf"<at[^>]*>\s*{re.escape(html.escape(name))}\s*</at>", "", text, flags=re.IGNORECASE)
    return text


@dataclass(frozen=True)
class File:
    """A file attached to a reply (by email: an attachment)."""

    name: str
    content_type: str
    data: bytes

    def as_attachment(self) -> dict[str, Any]:
        return {"contentType": self.content_type, "name": self.name,
                "contentUrl": f"data:{self.content_type};base64," + base64.b64encode(self.data).decode("ascii")}


@dataclass(frozen=True)
class Reply:
    """What a turn sends: text, or a card, with channel data (an email's subject and HTML) and files."""

    text: str = ""
    card: dict[str, Any] | None = None
    channel_data: dict[str, Any] | None = None
    files: tuple[File, ...] = ()
    summary: str = ""

    def attachments(self) -> list[dict[str, Any]]:
        """The attachments in the Bot Framework's JSON shape."""
        found = [{"contentType": CARD_CONTENT_TYPE, "content": self.card}] if self.card is not None else []
        return found + [file.as_attachment() for file in self.files]


class TurnIO(Protocol):
    """How one turn answers, through its host."""

    @property
    def responded(self) -> bool: ...

    async def send(self, reply: Reply) -> None: ...

    async def roster_email(self) -> str | None:
        """In Teams, the sender's address from the roster; None if it cannot be had."""
        ...


@dataclass(frozen=True)
class InvokeAnswer:
    """The HTTP answer to an invoke: its status and JSON body."""

    status: int
    body: dict[str, Any] | None = None

    @classmethod
    def card(cls, content: dict[str, Any]) -> InvokeAnswer:
        return cls(200, {"statusCode": 200, "type": CARD_RESPONSE, "value": content})


TurnLogic = Callable[[Inbound, TurnIO], Awaitable[InvokeAnswer | None]]


class Host(Protocol):
    """What the web service needs of an SDK: to check a request, read its activity and run a turn."""

    name: str  # "botbuilder" or "agents", as BOT_HOST names it

    def parse(self, body: dict[str, Any]) -> object:
        """The SDK's own activity; raises ValueError (or TypeError) if the SDK cannot read it."""
        ...

    async def authenticate(self, activity: object, authorization: str | None) -> object:
        """Whatever the SDK needs to run the turn as the caller; raises on any failure to authenticate."""
        ...

    async def run(self, authenticated: object, activity: object, inbound: Inbound, logic: TurnLogic) -> InvokeAnswer | None:
        """Runs `logic` in the SDK's turn context; what it returns is the invoke's answer."""
        ...

    async def close(self) -> None: ...


class VerifiedTokens:
    """Requests already authenticated, by their token, channel and service URL: the channel sends the
    same token with every activity for an hour, and checking its RS256 signature and claims again is
    most of a turn's authentication. An entry lasts until the token's `exp` (with the clock skew the
    check allows), so nothing is accepted that the full check would refuse, except a token whose
    signing key the channel withdrew within its hour. Bounded: full, it starts again empty."""

    def __init__(self, *, skew: float = 300.0, size: int = 4096, clock: Callable[[], float] = time.time):
        self._skew = skew
        self._size = size
        self._clock = clock
        self._entries: dict[tuple[str, str, str], tuple[float, object]] = {}

    def get(self, token: str, channel: str, service_url: str) -> object | None:
        entry = self._entries.get((token, channel, service_url))
        if entry is None:
            return None
        if self._clock() > entry[0] + self._skew:
            self._entries.pop((token, channel, service_url), None)
            return None
        return entry[1]

    def put(self, token: str, channel: str, service_url: str, expires: object, value: object) -> None:
        if not isinstance(expires, (int, float)) or isinstance(expires, bool):
            return  # no lifetime to trust: checked in full every time
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[(token, channel, service_url)] = (float(expires), value)
