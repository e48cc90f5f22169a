"""The calendar file sent to the assistant: an email attachment, or a file in the Teams chat.

The answer is the same report as `import-calendar --dry-run`: every problem with its place, or what
would change. Nothing changes until the coordinator presses *Apply these changes* (by email: replies
with those words). Applying re-checks: if the stored calendar changed since the preview, the
coordinator is shown the new preview and asked again, so what is applied is exactly what was seen.

A cycle that has already ended is refused with a question: *Preview it as a past cycle* (the
record of an earlier year, as `import-calendar --past-cycle`) previews it, and the preview applied
is imported as a past cycle.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

import aiohttp
from sqlalchemy.orm import Session, sessionmaker

from bot.cards.elements import card, execute, heading, paragraph
from bot.cards.programme_cards import message_card
from bot.turn import KnownTurn
from programme import held_codes
from programme.calendar.file import CalendarProblems, CalendarSpec, parse_calendar
from programme.calendar.importer import import_calendar, require_importer
from programme.calendar.spec import PastCycle
from programme.errors import ProgrammeError

log = logging.getLogger(__name__)
MAX_BYTES = 1_000_000
TEAMS_FILE = "application/vnd.microsoft.teams.file.download.info"
SUFFIXES = (".yaml", ".yml")


def calendar_attachment(turn: KnownTurn) -> dict[str, Any] | None:
    """The first attachment that looks like a calendar file, if any."""
    for item in turn.activity.attachments:
        name = str(item.get("name") or "")
        kind = str(item.get("contentType") or "")
        if name.lower().endswith(SUFFIXES) or kind in ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"):
            return item
    return None


async def _read(item: dict[str, Any]) -> str:
    content = item.get("content")
    if isinstance(content, str):
        data = content.encode("utf-8")
    else:
        url = (content or {}).get("downloadUrl") if item.get("contentType") == TEAMS_FILE and isinstance(content, dict) else item.get("contentUrl")
        if not url:
            raise ValueError("the attachment has no content I can read")
        timeout = aiohttp.ClientTimeout(total=20)
        async with aiohttp.ClientSession(timeout=timeout, trust_env=False) as session, session.get(url) as response:
            if response.status != 200:
                raise ValueError(f"the file could not be fetched (HTTP {response.status})")
            data = await response.content.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"the file is larger than {MAX_BYTES // 1000} kB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the file is not UTF-8 text; save it as UTF-8") from None
    if "\x00" in text:
        raise ValueError("the file holds a NUL character, so it is not a text file; save it again as plain UTF-8 text")
    return text


def _preview(turn: KnownTurn, text: str, source: str, parsed: CalendarSpec | CalendarProblems | None = None, *,
             past_cycle: bool = False) -> dict[str, Any]:
    try:
        if isinstance(parsed, CalendarProblems):
            raise parsed
        spec = parsed or parse_calendar(text, source=source)
    except CalendarProblems as problems:
        lines = "\n".join(f"- {p.place}: {p.message}" for p in problems.problems[:60])
        return card([heading("The calendar has problems"), paragraph(f"{source}: nothing was imported. Fix these and send it again:"),
                     paragraph(lines)])
    try:
        report = import_calendar(_sessions(turn), spec, dry_run=True, today=turn.today, past_cycle=past_cycle).format()
    except PastCycle as past:
        # Held as the preview is: only this coordinator can go on, once.
        code = held_codes.hold(turn.session, address=turn.profile.email, purpose=held_codes.Purpose.CALENDAR_PREVIEW,
                               record={"text": text, "source": source, "report": "", "ask": "past_cycle"}, now=turn.now)
        return card([heading("A cycle already ended"), paragraph(f"{source}: {past.problems[0].message}.", attention=True),
                     {"type": "ActionSet", "actions": [execute("Preview it as a past cycle", "calendar.past", {"preview": code})]}])
    # Held for the coordinator who saw it: only they can apply it, once, and only while it is what they saw.
    code = held_codes.hold(turn.session, address=turn.profile.email, purpose=held_codes.Purpose.CALENDAR_PREVIEW,
                           record={"text": text, "source": source, "report": _digest(report), "past_cycle": past_cycle}, now=turn.now)
    return card([heading("What the calendar would change" + (", as a past cycle" if past_cycle else "")), paragraph(report),
                 paragraph("Nothing has changed yet. Apply exactly these changes?", subtle=True),
                 {"type": "ActionSet", "actions": [execute("Apply these changes", "calendar.apply", {"preview": code}, style="positive")]}])


def _sessions(turn: KnownTurn) -> sessionmaker[Session]:
    """The import runs in its own transaction, on the turn's database."""
    return sessionmaker(bind=turn.session.get_bind(), expire_on_commit=False)


def _digest(report: str) -> str:
    # The report's wording of what would change, without its dry-run prefix, is what the coordinator saw.
    return hashlib.sha256(report.encode("utf-8")).hexdigest()


async def received(turn: KnownTurn, item: dict[str, Any]) -> None:
    try:
        require_importer(turn.profile)
    except ProgrammeError as error:
        await turn.reply_card(message_card("The calendar", str(error), attention=True))
        return
    source = str(item.get("name") or "calendar.yaml")[:120]
    try:
        text = await _read(item)
    except (ValueError, aiohttp.ClientError, TimeoutError) as error:
        await turn.reply_card(message_card("The calendar", f"I could not read {source}: {error}.", attention=True))
        return
    # Read off the event loop: a file is parsed within limits, but a large one still takes a moment.
    parsed = await asyncio.to_thread(_parse, text, source)
    await turn.reply_card(_preview(turn, text, source, parsed), subject="The calendar: preview")


def _parse(text: str, source: str) -> CalendarSpec | CalendarProblems:
    try:
        return parse_calendar(text, source=source)
    except CalendarProblems as problems:
        return problems


def _held(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any] | None:
    """The preview's held document, used up; None if it was already used, or is unknown or not this coordinator's."""
    held = held_codes.find(turn.session, str(data.get("preview") or "")[:20], turn.profile.email, turn.now,
                           purposes=[held_codes.Purpose.CALENDAR_PREVIEW])
    if held is None or not held_codes.use(turn.session, held, turn.now):
        return None
    return dict(held.record)


async def past_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    """The coordinator says the ended cycle is the record of an earlier year: preview it as one."""
    require_importer(turn.profile)
    document = _held(turn, data)
    if document is None or document.get("ask") != "past_cycle":
        return message_card("The calendar", "This question was already answered, or is unknown: send the file again.", attention=True)
    return _preview(turn, document["text"], document["source"], past_cycle=True)


async def apply_from_card(turn: KnownTurn, data: dict[str, Any]) -> dict[str, Any]:
    require_importer(turn.profile)  # refused: the router shows why
    document = _held(turn, data)
    if document is None or document.get("ask"):
        return message_card("The calendar", "This preview was already applied, or is unknown: send the file again.", attention=True)
    past_cycle = bool(document.get("past_cycle"))
    spec = parse_calendar(document["text"], source=document["source"])
    try:
        now_report = import_calendar(_sessions(turn), spec, dry_run=True, today=turn.today, past_cycle=past_cycle).format()
    except PastCycle:
        now_report = ""  # the cycle ended since the preview: ask again
    if _digest(now_report) != document["report"]:
        fresh = _preview(turn, document["text"], document["source"], past_cycle=past_cycle)
        fresh["body"].insert(1, paragraph("The stored calendar changed since your preview: here is what the file would change now.", attention=True))
        return fresh
    report = import_calendar(_sessions(turn), spec, dry_run=False, today=turn.today, past_cycle=past_cycle,
                             person_id=turn.profile.person_id, channel=turn.channel)
    log.info("calendar imported from the assistant by person %s", turn.profile.person_id)
    return card([heading("The calendar is imported"), paragraph(report.format())])


ACTIONS = {"calendar.apply": apply_from_card, "calendar.past": past_from_card}
COMMANDS: dict[str, Any] = {}
