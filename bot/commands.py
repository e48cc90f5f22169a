"""Reading a command out of what a person wrote, in chat or in an email."""

from __future__ import annotations

from dataclasses import dataclass

from bot.reading.quoted import unquoted


@dataclass(frozen=True)
class Command:
    word: str
    args: str  # the rest of the first line
    body: str  # everything the person wrote after the command word, quoted replies left out


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
