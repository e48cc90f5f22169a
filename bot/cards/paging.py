"""Long lists in cards that fit: Teams refuses a card over 28 KB, so in Teams a list is shown a page at
a time with "Show more", and by email it is complete.

A list is given as its entries, each the card elements that show one item. Pages are cut by size
as well as by count, from the start each time, so the same list always pages the same way and
page 2 starts where page 1 ended. The command that showed the list, with `page=N`, shows page N.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.cards.elements import command_button, paragraph

TEAMS_LIMIT = 28 * 1024  # the largest card Teams accepts, in bytes of JSON
PAGE_BUDGET = 20 * 1024  # what one page's entries may take, leaving room for the heading, notes and buttons
PAGE_SIZE = 25  # entries on a page at most, however small
_PAGE = re.compile(r"(?:^|\s)page\s*[=:]?\s*(\d{1,6})\b", re.I)

Entry = Sequence[dict[str, Any]]


def size(element: object) -> int:
    return len(json.dumps(element, ensure_ascii=False).encode())


def page_asked(args: str) -> tuple[int, str]:
    """The page a command asks for (`panel area=send page=2`: 2), and its words without it."""
    match = _PAGE.search(args)
    if not match:
        return 1, args
    return max(1, int(match.group(1))), " ".join((args[: match.start()] + args[match.end():]).split())


def pages(entries: Sequence[Entry], *, budget: int = PAGE_BUDGET, per_page: int = PAGE_SIZE) -> list[tuple[int, int]]:
    """Where each page starts and ends (indexes into `entries`), cut by count and by size."""
    cut: list[tuple[int, int]] = []
    start, used = 0, 0
    for index, entry in enumerate(entries):
        weight = sum(size(e) for e in entry)
        if index > start and (index - start >= per_page or used + weight > budget):
            cut.append((start, index))
            start, used = index, 0
        used += weight
    if start < len(entries) or not cut:
        cut.append((start, len(entries)))
    return cut


@dataclass(frozen=True)
class Page:
    body: list[dict[str, Any]]  # the page's entries, then the line saying which these are
    actions: list[dict[str, Any]]  # "Show more", when there is more


LONG_BY_EMAIL = 50  # entries past which an email also says how to get the list as a spreadsheet


def paged(entries: Sequence[Entry], *, page: int, by_email: bool, command: str, noun: str, export: str = "") -> Page:
    """One page of `entries` for Teams, with "Show more" running `command page=N+1`; by email, all of
    them, and for a long list the `export` command that sends it as a CSV attachment."""
    if by_email:
        body = [e for entry in entries for e in entry]
        if export and len(entries) > LONG_BY_EMAIL:
            body.insert(0, paragraph(f"All {len(entries)} {noun} are below. For a spreadsheet, reply `{export}`: it comes as a CSV attachment."))
        return Page(body, [])
    cut = pages(entries)
    number = min(page, len(cut))
    start, end = cut[number - 1]
    body = [e for entry in entries[start:end] for e in entry]
    actions: list[dict[str, Any]] = []
    if len(cut) > 1:
        body.append(paragraph(f"Showing {start + 1}–{end} of {len(entries)} {noun}. By email you get the whole list.", subtle=True))
        if number < len(cut):
            actions.append(command_button("Show more", f"{command} page={number + 1}".strip()))
        if number > 1:
            actions.append(command_button("Back to the start", command))
    return Page(body, actions)


def fitted(card: dict[str, Any]) -> dict[str, Any]:
    """A card cut to Teams' limit if it is over it, saying so: a last guard for any list not paged,
    so that a reply is never refused. The cut is never silent."""
    if size(card) <= TEAMS_LIMIT:
        return card
    note = paragraph("This reply is too long for one Teams card, so its end is not shown. Narrow it with a filter, or send "
                     "the same command by email for all of it.", attention=True)
    body = list(card.get("body", []))
    while body and size({**card, "body": [*body, note]}) > TEAMS_LIMIT - 512:
        body.pop()
    return {**card, "body": [*body, note]}
