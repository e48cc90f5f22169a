"""Reading a command out of what a person wrote, in chat or in an email."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.reading.quoted import unquoted

# A line that only greets ("Hi,", "Dear Peer Challenge Assistant,", "Good morning all"), or the
# greeting that opens a line ("Hi, status please"): skipped, so the command after it is read.
_GREETING = r"(?:hi|hello|hey|hiya|dear|good (?:morning|afternoon|evening)|morning|afternoon|greetings|bore da|prynhawn da|helo|shwmae)"
_GREETING_LINE = re.compile(rf"^{_GREETING}\b[^\n]{{0,60}}$", re.I)
_GREETING_START = re.compile(rf"^{_GREETING}\b(?:\s+(?:there|all|team|assistant|peer challenge assistant))?\s*[,!.;:-]+\s*(?=\S)", re.I)


@dataclass(frozen=True)
class Command:
    word: str
    args: str  # the rest of the first line
    body: str  # everything the person wrote after the command word, quoted replies left out
    text: str = ""  # everything the person wrote, from the command word on (greetings left out)


def parse_command(text: str | None) -> Command:
    lines = list(unquoted(text).split("\n"))
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return Command("", "", "")
    # Greeting lines are skipped while something follows them; a message that only greets is a greeting.
    while len(lines) > 1 and _GREETING_LINE.match(lines[0].strip()) and len(lines[0].split()) <= 7:
        lines.pop(0)
        while len(lines) > 1 and not lines[0].strip():
            lines.pop(0)
    first = _GREETING_START.sub("", lines[0].strip(), count=1)
    word, _, args = first.partition(" ")
    word = word.strip().lower()
    word = word.rstrip(".,!?:;") or word  # "Status." is status; "?" alone asks for help
    rest = "\n".join(lines[1:]).strip()
    body = (args.strip() + ("\n" + rest if rest else "")).strip()
    return Command(word, " ".join(args.split()), body, (first + ("\n" + rest if rest else "")).strip())
