"""Shared conversations are public: in a group chat or a Teams channel the assistant says nothing
personal. Its answers there go to the person alone (a one-to-one chat in Teams, opened if it does
not exist yet, or else an email to their address), and the shared conversation is told only that.

What may be said in a shared conversation, per command: `hi`, `hello`, `help` and the greeting
when the app is added get the group card (what the assistant is, nothing about anyone); every
other command, and every card press, is answered privately. Notifications never go to a shared
conversation: the dispatcher opens the person's one-to-one chat (notify/dispatcher.py).
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from bot.cards.as_text import card_as_html, card_as_text
from bot.cards.elements import card, paragraph
from bot.cards.paging import fitted
from bot.host import Inbound
from notify.message import DeliveryFailure, EmailMessage, EmailSender, Rendered, TeamsMessage, TeamsSender

if TYPE_CHECKING:
    from bot.turn import Turn

log = logging.getLogger(__name__)
SHARED_TYPES = frozenset({"groupChat", "channel"})
SENT_PRIVATELY = "I've sent you this privately: this chat is shared, so I answer you in our one-to-one chat or by email."
NOT_SENT = "This chat is shared, so I answer only in a one-to-one chat: open one with me (search for the Peer Challenge Assistant) and ask there."


def is_shared(activity: Inbound) -> bool:
    """A group chat or a channel: everyone in it reads what is posted there."""
    return activity.conversation_type in SHARED_TYPES


def group_card() -> dict[str, Any]:
    """What the assistant says in a shared conversation: what it is, and that it answers privately."""
    return card([
        paragraph("**Peer Challenge Assistant**"),
        paragraph("I help the region's Directors of Children's Services, their teams, panel members and the programme coordinators "
                  "with the peer challenge programme: nominations to the regional panel, moderation enquiries, asks and offers, "
                  "self-assessments and the notes of each day."),
        paragraph("This chat is shared, so I say nothing here about anyone: whatever you ask me here, I answer you privately, in our "
                  "one-to-one chat or by email."),
    ])


class PrivateReplies:
    """Sends one person an answer meant for them alone: in Teams if it can, else by email."""

    def __init__(self, teams: TeamsSender | None, email: EmailSender | None):
        self._teams = teams
        self._email = email

    async def send(self, turn: Turn, content: dict[str, Any], subject: str | None) -> bool:
        """True when it reached them (in Teams, or handed to the mail server)."""
        if await self._in_teams(turn, content, subject):
            return True
        return await self._by_email(turn, content, subject)

    async def _in_teams(self, turn: Turn, content: dict[str, Any], subject: str | None) -> bool:
        activity = turn.activity
        tenant = activity.tenant_id
        if self._teams is None or not tenant or not activity.sender_id:
            return False
        try:
            reference = await self._teams.create_personal_conversation(activity.service_url, tenant, activity.sender_id)
            await self._teams.send_teams(TeamsMessage(
                reference=reference, rendered=Rendered(subject or "", card_as_text(content), card_as_html(content), fitted(content)),
                message_id=0, tenant_id=tenant, conversation_id=str((reference.get("conversation") or {}).get("id") or ""),
            ))
        except (DeliveryFailure, OSError) as error:
            log.info("activity %s: the private answer could not go in Teams (%s)", activity.id, type(error).__name__)
            return False
        return True

    async def _by_email(self, turn: Turn, content: dict[str, Any], subject: str | None) -> bool:
        from bot import email_cards  # the card held for the reply, as every emailed card is

        if self._email is None or turn.person is None or not turn.person.email:
            return False
        address = turn.person.email
        emailed, code = email_cards.for_email(turn.session, content, address, turn.now)
        title = subject or "Peer Challenge Assistant"
        rendered = Rendered(f"{title} [{code}]" if code else title, card_as_text(emailed), card_as_html(emailed), emailed)
        try:
            await self._email.send_email(EmailMessage(to=address, rendered=rendered, message_id=secrets.randbits(48)))
        except (DeliveryFailure, OSError) as error:
            log.info("activity %s: the private answer could not go by email (%s)", turn.activity.id, type(error).__name__)
            return False
        return True
