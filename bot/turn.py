"""What a dialog gets for one turn: who is asking, a database session, the date, and a way to reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import email_cards
from bot.cards.as_text import card_as_html, card_as_text
from bot.cards.paging import fitted
from bot.export_links import ExportLinks
from bot.host import File, Inbound, Reply, TurnIO
from bot.identity import EMAIL_CHANNEL
from bot.private import NOT_SENT, SENT_PRIVATELY, PrivateReplies, is_shared
from bot.reading.subjects import bare_subject
from notify.render import Renderer
from programme import held_codes
from programme.links import ProgrammeLinks
from programme.people.profile import Profile, load_profile
from storage.people import Person


@dataclass
class Turn:
    activity: Inbound  # what arrived
    io: TurnIO  # how to answer, through the host
    session: Session
    person: Person | None
    profile: Profile | None  # roles only: enough for permission checks and help
    today: date  # in the programme's local time
    now: datetime
    zone: ZoneInfo  # the programme's local time, for the moments cards show
    moderation_mailbox: str = ""  # the moderation team's shared address, from the settings
    coordinators_email: str = ""  # the programme coordinators' address, from the settings
    programme_links: ProgrammeLinks = field(default_factory=ProgrammeLinks)  # the region's library and benchmarking pack, from the settings
    links: ExportLinks | None = None  # signed download links for exports
    renderer: Renderer | None = None  # the notifications' own templates, for a card that shows one (the digest)
    repeated: bool = False  # the activity arrived before and its effects are recorded: it changes nothing again
    private: PrivateReplies | None = None  # how an answer reaches the person alone, from a shared conversation

    def full_profile(self) -> Profile | None:
        """The profile with groups, Lead Reviewer pairs and key dates, for the cards that show them."""
        if self.person is None:
            return None
        return load_profile(self.session, self.person, self.today)

    def known(self) -> KnownTurn | None:
        """The same turn, if the programme knows who is asking."""
        return self if isinstance(self, KnownTurn) else None

    @property
    def channel(self) -> str:
        return self.activity.channel

    @property
    def subject(self) -> str:
        """An email's subject line (empty elsewhere): where the codes of answerable messages travel."""
        return str(self.activity.channel_data.get("subject") or "")

    @property
    def shared(self) -> bool:
        """A group chat or a channel: nothing personal is said here (bot/private.py)."""
        return is_shared(self.activity)

    @property
    def by_email(self) -> bool:
        return self.channel == EMAIL_CHANNEL

    @property
    def sender_address(self) -> str:
        """By email, the address the message came from (the only one its held codes may act for)."""
        return self.activity.sender_id if self.by_email else ""

    def _code_texts(self) -> tuple[str, str]:
        return self.subject, self.activity.text

    def held_code(self, *purposes: held_codes.Purpose) -> held_codes.Held | None:
        """By email, the code this message carries (in its subject, else its body) that was sent to
        its sender, for one of `purposes` (any, if none are named)."""
        if not self.by_email:
            return None
        return held_codes.find_in(self.session, self._code_texts(), self.sender_address, self.now, purposes=purposes or None)

    @property
    def mentions_a_code(self) -> bool:
        return self.by_email and held_codes.mentions_a_code(self._code_texts())

    @property
    def code_shaped_for(self) -> held_codes.Purpose | None:
        """By email, what a reference in this message that is not its sender's would be for."""
        return held_codes.shaped_for(self._code_texts()) if self.by_email else None

    async def reply_card(self, card: dict[str, Any], *, subject: str | None = None, public: bool = False) -> None:
        """Send a card in chat; by email the same content as an HTML body with a text alternative.
        In a shared conversation only a `public` card is posted there: any other goes to the person alone."""
        if self.shared and not public:
            sent = self.private is not None and await self.private.send(self, card, subject)
            await self.reply_text(SENT_PRIVATELY if sent else NOT_SENT)
            return
        if self.by_email:
            # Buttons and forms work by email too: the card is held under a code for the reply.
            card, code = email_cards.for_email(self.session, card, self.activity.sender_id, self.now)
            if code:
                subject = f"{subject or _title(card)} [{code}]"
            await self.reply_email(card_as_text(card), card_as_html(card), subject=subject)
            return
        await self.io.send(Reply(card=fitted(card)))

    async def reply_text(self, text: str) -> None:
        await self.io.send(Reply(text=text))

    async def reply_files(self, text: str, files: list[File], *, subject: str) -> None:
        """By email: an answer with files attached."""
        await self.io.send(Reply(text=text, channel_data={"subject": subject}, files=tuple(files)))

    async def reply_email(self, text: str, html: str, *, subject: str | None = None) -> None:
        channel_data = {"htmlBody": html}
        # One "RE:" at most: a reply to "RE: FW: Status" is "RE: Status", never "RE: RE: FW: Status".
        subject = bare_subject(subject) if subject else (f"RE: {incoming}" if (incoming := bare_subject(self.subject)) else None)
        if subject:
            channel_data["subject"] = subject
        await self.io.send(Reply(text=text, channel_data=channel_data))


@dataclass
class KnownTurn(Turn):
    """A turn from someone the programme knows: commands and card actions other than help get one,
    so no dialog asks again whether the person is registered."""

    person: Person
    profile: Profile

    def full_profile(self) -> Profile:
        return load_profile(self.session, self.person, self.today)


def _title(card: dict[str, Any]) -> str:
    first = next((e for e in card.get("body", []) if e.get("type") == "TextBlock"), None)
    return " ".join(str(first.get("text", "")).replace("*", "").split())[:120] if first else "Peer Challenge Assistant"
