"""What the person wrote in an email or a chat message: markup removed, the quoted earlier message left out."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")
_LINE_BREAK = re.compile(r"(?i)<br\s*/?>|</(?:p|div|li|tr|h[1-6])>")
_QUOTE_START = re.compile(r"^(>|On .+ wrote:|From: |-----Original Message-----|________________)")


def unquoted(text: str | None) -> str:
    """What the person wrote: markup removed, the quoted earlier message left out."""
    cleaned = html.unescape(_TAG.sub(" ", _LINE_BREAK.sub("\n", text or ""))).replace("\r\n", "\n")
    lines: list[str] = []
    for line in cleaned.split("\n"):
        if _QUOTE_START.match(line.strip()):
            break
        lines.append(line.rstrip())
    return "\n".join(lines)
