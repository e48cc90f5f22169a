"""Subject lines as people's mail programs leave them: "RE: RE: FW: [EXTERNAL] The note [G-ABCD2345]"."""

from __future__ import annotations

import re

# Reply and forward prefixes in the languages of the mail programs councils use, with Outlook's
# numbered form ("RE[2]:") and the tags mail gateways add ("[EXTERNAL]", "EXT:").
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|tr|antw|antwort|rif|r|réf|ref|odp|vb|ynt|res|enc)\s*(?:\[\d+\])?\s*[:：]|\[(?:external|ext|external email)\]|"
    r"(?:external|ext)\s*:)\s*",
    re.I,
)
_CODE = re.compile(r"\s*\[(?:[A-Z]-)?[A-Z0-9]{6,8}\]\s*")
MAX_SUBJECT = 500


def bare_subject(subject: str | None) -> str:
    """The subject without its reply and forward prefixes, however many are stacked."""
    text = " ".join((subject or "")[:MAX_SUBJECT].split())
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            return text
        text = stripped


def subject_words(subject: str | None) -> str:
    """What the person wrote in the subject: no prefixes and no reference codes."""
    return " ".join(_CODE.sub(" ", bare_subject(subject)).split())
