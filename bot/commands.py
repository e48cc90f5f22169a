"""Reading a command out of what a person wrote, in chat or in an email."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TAG = re.compile(r"<[^>]+>")
_LINE_BREAK = re.compile(r"(?i)<br\s*/?>|</(?:p|div|li|tr|h[1-6])>")
_QUOTE_START = re.compile(r"^(>|On .+ wrote:|From: |-----Original Message-----|________________)")


@dataclass(frozen=True)
class Command:
    word: str
    args: str  # the rest of the first line
    body: str  # everything the person wrote after the command word, quoted replies left out


def unquoted(text: str | None) -> str:
    """What the person wrote: markup removed, the quoted earlier message left out."""
    cleaned = html.unescape(_TAG.sub(" ", _LINE_BREAK.sub("\n", text or ""))).replace("\r\n", "\n")
    lines: list[str] = []
    for line in cleaned.split("\n"):
        if _QUOTE_START.match(line.strip()):
            break
        lines.append(line.rstrip())
    return "\n".join(lines)


def parse_command(text: str | None) -> Command:
    lines = unquoted(text).split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return Command("", "", "")
    first = lines[0].strip()
    word, _, args = first.partition(" ")
    word = word.strip().lower().rstrip(".,!?:")
    rest = "\n".join(lines[1:]).strip()
    body = (args.strip() + ("\n" + rest if rest else "")).strip()
    return Command(word, " ".join(args.split()), body)
