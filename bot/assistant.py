"""The Assistant: routes each turn to a dialog, in Teams, by email and in the Playground."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import email_cards
from bot.cards.commands import commands_for, suggestion_card
from bot.cards.elements import card, paragraph
from bot.cards.paging import fitted
from bot.cards.programme_cards import message_card, unknown_person_card
from bot.commands import Command, parse_command
from bot.dialogs import (
    answering,
    assignments,
    audit_trail,
    briefing,
    calendar_changes,
    calendar_upload,
    confirm,
    days,
    deliveries,
    digest,
    enquiry,
    exports,
    feedback,
    greeting,
    my,
    my_calendar,
    nominate,
    notes,
    panel,
    personal_data,
    self_assessments,
    support,
    team,
    timeline,
)
from bot.export_links import ExportLinks
from bot.host import Inbound, InvokeAnswer, TurnIO
from bot.identity import forget_conversation, identify
from bot.private import NOT_SENT, SENT_PRIVATELY, PrivateReplies
from bot.reading.intents import NO_ARGUMENTS, allowed_commands, understand
from bot.reading.quoted import unquoted
from bot.reading.subjects import subject_words
from bot.turn import KnownTurn, Turn
from notify.render import Renderer
from programme.errors import ProgrammeError
from programme.held_codes import Held, Purpose
from programme.links import ProgrammeLinks
from programme.unit_of_work import AlreadyHandled, for_activity
from programme.validation import MAX_ID
from storage.database import Database

log = logging.getLogger(__name__)
DIALOGS = (
    greeting,
    feedback,
    team,
    nominate,
    panel,
    enquiry,
    assignments,
    days,
    support,
    notes,
    self_assessments,
    digest,
    briefing,
    deliveries,
    timeline,
    calendar_changes,
    calendar_upload,
    exports,
    audit_trail,
    personal_data,
    my,
    my_calendar,
    confirm,
)

OpenCommandHandler = Callable[[Turn, Command], Awaitable[None]]
CommandHandler = Callable[[KnownTurn, Command], Awaitable[None]]
ActionHandler = Callable[[KnownTurn, dict[str, Any]], Awaitable[dict[str, Any]]]
EmailAnswer = Callable[[KnownTurn, Command, Held | None], Awaitable[bool]]


class Assistant:
    """Every turn, on either host: `on_activity` is the host's turn logic (bot/host.py)."""

    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        timezone: ZoneInfo,
        *,
        moderation_mailbox: str = "",
        coordinators_email: str = "",
        programme_links: ProgrammeLinks | None = None,
        links: ExportLinks | None = None,
        renderer: Renderer | None = None,
        private: PrivateReplies | None = None,
    ):
        self._database = database
        self._clock = clock
        self._timezone = timezone
        self._moderation_mailbox = moderation_mailbox
        self._coordinators_email = coordinators_email
        self._programme_links = programme_links or ProgrammeLinks()
        self._links = links
        self._renderer = renderer
        self._private = private
        self._open_commands: dict[str, OpenCommandHandler] = {}
        self._commands: dict[str, CommandHandler] = {}
        self._actions: dict[str, ActionHandler] = {}
        for dialog in DIALOGS:
            self._open_commands.update(getattr(dialog, "OPEN_COMMANDS", {}))
            self._commands.update(getattr(dialog, "COMMANDS", {}))
            self._actions.update(getattr(dialog, "ACTIONS", {}))
        # Replies to what we emailed, by what the code they carry is for.
        self._email_answers: dict[Purpose, EmailAnswer] = {
            Purpose.CARD: self._card_answer,
            Purpose.PANEL_INVITATION: nominate.answer_by_email,
            Purpose.ASSIGNMENT: assignments.answer_by_email,
            Purpose.NOTE: notes.answer_by_email,
            Purpose.CONFIRM: confirm.answer_by_email,
        }

    async def on_activity(self, activity: Inbound, io: TurnIO) -> InvokeAnswer | None:
        """One turn: what the activity is decides what answers it. Dialog state (a card held for an
        emailed reply, a confirmation waiting) is the programme's, in the database, on either host."""
        if activity.type == "message":
            await self.on_message_activity(activity, io)
        elif activity.type == "invoke" and activity.name == "adaptiveCard/action":
            return await self.on_adaptive_card_invoke(activity, io)
        elif activity.type == "invoke":
            return InvokeAnswer(501)  # no other invoke is offered by the app
        elif activity.type == "conversationUpdate":
            if activity.recipient_id and activity.recipient_id in activity.members_added:
                await self.on_bot_added(activity, io)
            if activity.recipient_id and activity.recipient_id in activity.members_removed:
                await self.on_bot_removed(activity)
        elif activity.type == "installationUpdate":
            if activity.action in ("add", "add-upgrade"):
                await self.on_installation_update_add(activity, io)
            elif activity.action in ("remove", "remove-upgrade"):
                await self.on_bot_removed(activity)
        return None

    async def _turn(self, activity: Inbound, io: TurnIO, session: Session) -> Turn:
        now = self._clock()
        today = now.astimezone(self._timezone).date()
        repeated = not for_activity(session, activity_key(activity))
        # Its own unit of work: the connection goes back to the pool before the dialog awaits the
        # network, so a slow reply never holds a connection others are waiting for.
        person, profile = await identify(activity, io, session, today)
        # Built as a Turn: a KnownTurn only when both are there, which is what it guarantees.
        kind: type[Turn] = KnownTurn if person is not None and profile is not None else Turn
        return kind(
            activity=activity, io=io, session=session, person=person, profile=profile, today=today, now=now, zone=self._timezone,
            moderation_mailbox=self._moderation_mailbox, coordinators_email=self._coordinators_email,
            programme_links=self._programme_links, links=self._links, renderer=self._renderer, repeated=repeated, private=self._private,
        )

    async def on_message_activity(self, activity: Inbound, io: TurnIO) -> None:
        text = activity.text
        if not text.strip() and isinstance(activity.value, dict) and isinstance(activity.value.get("command"), str):
            text = activity.value["command"]  # a command button (Action.Submit with the command in its data)
        command = parse_command(text)
        with self._database.session() as session:
            turn = await self._turn(activity, io, session)
            if turn.repeated:
                # Delivered again (a retry, a second web process): answered the first time, and nothing changes twice.
                log.info("activity %s: already handled", activity.id)
                return
            try:
                await self._message(turn, command)
            except AlreadyHandled:
                log.info("activity %s: handled meanwhile by another delivery; its changes were rolled back", activity.id)

    async def _message(self, turn: Turn, command: Command) -> None:
        if turn.by_email and not command.word:
            command = parse_command(subject_words(turn.subject))  # a command in the subject, the body left empty
        known = turn.known()
        if known is not None and known.by_email and await self._email_reply(known, command):
            return
        if known is not None and (attachment := calendar_upload.calendar_attachment(known)) is not None:
            await calendar_upload.received(known, attachment)
            return
        if command.word and ((command.word not in self._open_commands and command.word not in self._commands)
                             or (command.word in NO_ARGUMENTS and command.args)):
            meaning = understand(command, self._open_commands.keys() | self._commands.keys(), _allowed(turn))
            if meaning.command is None and known is None:
                await greeting.welcome(turn)  # someone the programme does not know: how to be registered
                return
            if meaning.command is None and known is not None and (held := known.held_code()) is not None \
                    and await answering.not_an_answer(known, held.purpose):
                return
            if meaning.command is None:
                # What was written is not logged: it may be anything.
                await turn.reply_card(suggestion_card(meaning.suggestions, by_email=turn.by_email), subject="Did you mean...?")
                return
            command = meaning.command
        handler = self._open_commands.get(command.word)
        known_handler = self._commands.get(command.word)
        if handler is None and known_handler is None:
            await greeting.welcome(turn)  # nothing written: the welcome
            return
        log.info("activity %s: command %s on %s", turn.activity.id, command.word, turn.channel)
        if handler is not None:
            await handler(turn, command)
        elif known is None:
            await turn.reply_card(unknown_person_card(turn.coordinators_email))
        else:
            assert known_handler is not None  # when neither was found, the turn was answered above
            await known_handler(known, command)

    async def on_adaptive_card_invoke(self, activity: Inbound, io: TurnIO) -> InvokeAnswer:
        action = activity.value.get("action") if isinstance(activity.value, dict) else None
        action = action if isinstance(action, dict) else {}
        verb = action.get("verb") if isinstance(action.get("verb"), str) else ""
        data = action.get("data") or {}
        with self._database.session() as session:
            turn = await self._turn(activity, io, session)
            log.info("activity %s: card action %s", activity.id, verb)
            if turn.repeated:
                content = message_card("Already done", "This press arrived twice: it was done the first time, and nothing was changed again.")
            else:
                content = await self._act(turn, verb or "", data if isinstance(data, dict) else {})
            if turn.shared:
                # The answer replaces the card for everyone in the chat: it goes to the person alone.
                sent = self._private is not None and await self._private.send(turn, content, None)
                content = card([paragraph(SENT_PRIVATELY if sent else NOT_SENT)])
        return InvokeAnswer.card(fitted(content))

    async def _act(self, turn: Turn, verb: str, data: dict[str, Any]) -> dict[str, Any]:
        """A card's action, from Teams or from an emailed reply: the card to show next."""
        handler = self._actions.get(verb)
        known = turn.known()
        if known is None:
            return unknown_person_card(turn.coordinators_email)
        if handler is None:
            return message_card("Sorry", "That button is no longer in use. Type `help` to see what I can do.", attention=True)
        if not _ids_in_range(data):
            return message_card("Sorry", "That button refers to something I can't find. Open the list again with its command.", attention=True)
        try:
            # What the action changes is audited where it is changed, in the programme's services.
            return await handler(known, data)
        except ProgrammeError as error:
            return message_card("Not done", str(error), attention=True)

    async def _email_reply(self, turn: KnownTurn, command: Command) -> bool:
        """An email answering one we sent (a card, an invitation, a note): True if it was one and was
        answered. What it answers is the one code it carries that was sent to its sender."""
        held = turn.held_code()
        purpose = held.purpose if held is not None else turn.code_shaped_for
        answer = self._email_answers.get(purpose) if purpose is not None else None
        return answer is not None and await answer(turn, command, held)

    async def _card_answer(self, turn: KnownTurn, command: Command, held: Held | None) -> bool:
        """A reply to a card we emailed: the button it names, with the form it fills in."""
        if held is None:
            return False  # a card sent to someone else: the email is read as a new message
        activity = turn.activity
        subject = turn.subject
        chosen = email_cards.answer(held, unquoted(activity.text))
        if chosen.action is None:
            if command.word in self._commands or command.word in self._open_commands:
                return False  # a new command, written in reply to a card
            choices = ", ".join(chosen.titles)
            await turn.reply_card(
                message_card("Which one?", f"Reply keeping the subject line, starting with one of: {choices}.", attention=True),
                subject=subject,
            )
            return True
        if chosen.unknown:
            # A line meant for a field that names none is never dropped in silence: nothing is done yet.
            unknown = ", ".join(f"'{label}:'" for label in chosen.unknown[:5])
            await turn.reply_card(message_card(
                "Please check your reply",
                f"I didn't recognise the line(s) starting {unknown}, so nothing has been saved yet. Reply again keeping the subject "
                f"line, using these labels: {'; '.join(chosen.labels)}.", attention=True), subject=subject)
            return True
        log.info("activity %s: emailed card action %s", activity.id, chosen.action.verb)
        content = await self._act(turn, chosen.action.verb, {**chosen.action.data, **chosen.values, email_cards.EMAIL_BODY: chosen.body})
        await turn.reply_card(content, subject=subject.replace(f"[{held.code}]", "").strip() or None)
        return True

    async def on_bot_added(self, activity: Inbound, io: TurnIO) -> None:
        # The bot joined a conversation: greet the person who installed it, once.
        with self._database.session() as session:
            turn = await self._turn(activity, io, session)
            await greeting.welcome(turn)

    async def on_installation_update_add(self, activity: Inbound, io: TurnIO) -> None:
        with self._database.session() as session:
            await identify(activity, io, session, self._clock().astimezone(self._timezone).date())

    async def on_bot_removed(self, activity: Inbound) -> None:
        """The app was removed, or the bot left the conversation."""
        with self._database.session() as session:
            forget_conversation(session, activity)


ID_KEYS = frozenset({"id", "person_id", "person", "ask", "offer", "assignment", "nomination", "note", "version", "group"})
_WHOLE = re.compile(r"-?[0-9]{1,30}")  # ASCII digits only: "¹" and "٣" are digits to str.isdigit, not to int()


def _ids_in_range(data: dict[str, Any]) -> bool:
    """Whether the ids a card's data carries could be ids at all: a forged 1e308 or 2**63 is refused
    here with a clear answer, not sent to the database to fail there."""
    for key, value in data.items():
        if key not in ID_KEYS or value is None or isinstance(value, bool):
            continue
        text = str(value).strip()
        if isinstance(value, float) or (_WHOLE.fullmatch(text) and abs(int(text[:20])) > MAX_ID) or len(text) > 64:
            return False
    return True


def activity_key(activity: Inbound) -> str | None:
    """What names one activity across its deliveries, hashed: its channel, conversation and id."""
    if not activity.id:
        return None
    return hashlib.sha256(f"{activity.channel}\n{activity.conversation_id}\n{activity.id}".encode()).hexdigest()


def _allowed(turn: Turn) -> list[str]:
    """The commands this person may use, as typed: what a reading of free text may suggest."""
    return allowed_commands(usage for usage, _ in commands_for(turn.profile)) + ["feedback"]

