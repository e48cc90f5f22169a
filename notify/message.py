"""What the dispatcher hands to a sender, and how a sender says it failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Rendered:
    """One notification written once, in the three forms the channels need."""

    subject: str
    text: str
    html: str
    card: dict[str, Any]
    reference_code: str | None = None  # in the subject of a message that can be answered by email
    calendar: str = ""  # an iCalendar invitation (METHOD:REQUEST or CANCEL) the email carries, if any


@dataclass(frozen=True)
class EmailMessage:
    to: str
    rendered: Rendered
    message_id: int  # the outbox row's id, for log lines and the Message-ID header


@dataclass(frozen=True)
class TeamsMessage:
    reference: dict[str, Any]  # a serialized ConversationReference
    rendered: Rendered
    message_id: int
    tenant_id: str | None = None
    conversation_id: str = ""


class DeliveryFailure(Exception):
    """`reason` is safe to store and show coordinators: no addresses, names or message text."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(DeliveryFailure):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(DeliveryFailure):
    pass


class ConversationGone(PermanentFailure):
    """Teams answered 403 or 404: the app was removed or blocked; use email instead."""


class EmailSender(Protocol):
    async def send_email(self, message: EmailMessage) -> None: ...

    async def close(self) -> None: ...


class TeamsSender(Protocol):
    async def send_teams(self, message: TeamsMessage) -> str | None:
        """Post the message; return the id Teams gave it, if any."""
        ...

    async def update_teams(self, message: TeamsMessage, activity_id: str) -> None:
        """Replace a message posted earlier with this one."""
        ...

    async def create_personal_conversation(self, service_url: str, tenant_id: str, user_id: str) -> dict[str, Any]:
        """Open the one-to-one chat with someone we only know from a team or group chat."""
        ...

    def expected_wait(self, conversation_id: str, tenant_id: str | None) -> float:
        """Seconds a send to this conversation would wait for Teams' rate limits, as things stand."""
        ...

