"""The `Label: value` lines of an emailed form, read back into the form's fields, generously.

People fill emailed forms in every way their mail program allows: labels in any case, with curly
apostrophes (as Outlook and iPhones type them), bullets (`•`, `-`, `*`), numbering (`1.`, `a)`), bold
markers, the "(required)" kept; the value on the label's line or on the next; a long value over
several lines; the form's own hint lines copied back. All of that is read. What is not silently
dropped: a line shaped like `Label: value` whose label names no field is reported (`unknown`),
unless it continues a long text, where a colon is just part of what was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from programme.forms import Form, Kind, hint
from programme.text import STRAIGHT

MAX_LINE = 20_000  # characters of a line looked at for its label and value
MAX_LINES = 2_000  # a form's reply is short; the rest of a long email is not read as fields
# A list marker or number before a label: "•", "-", "*", "1.", "2)", "a)", "(3)".
_MARKER = r"(?:[•·▪◦*>\-–—]+|\(?\d{1,2}[.)]|\(?[a-h][.)])?"
_LINE = re.compile(rf"^\s*{_MARKER}\s*\**\s*([^\W\d_][^:\n]{{0,80}}?)\s*\**\s*[:：]\s*\**\s*(.*)$")
_LIST_ITEM = re.compile(rf"^\s*{_MARKER}\s+")
_MARKS = re.compile(r"\((?:required|optional|compulsory|mandatory)\)|\*", re.I)
_NOT_WORDS = re.compile(r"[^a-z0-9 ]+")
_HINT_START = re.compile(r"^[>\s]*\((?:required|optional)[.)]")
_SEPARATOR = re.compile(r"^\s*(?:-{3,}|_{3,}|={3,})\s*$")
# Labels of signatures and quoted headers, never a form's: not reported as unknown.
SIGNATURE_LABELS = frozenset({
    "t", "m", "e", "w", "p", "f", "tel", "telephone", "phone", "mobile", "mob", "cell", "email", "e mail", "web", "website", "fax",
    "address", "direct line", "direct dial", "dd", "ext", "extension", "pronouns", "twitter", "linkedin", "teams", "office", "from",
    "sent", "to", "cc", "bcc", "subject", "date", "importance", "reply to", "working days", "my working days", "work mobile", "switchboard",
})
LABEL_SIMILARITY = 88  # a label this close to one field's, and to no other, is that field's (typos)


@dataclass
class Lines:
    """What a reply's lines gave: each field's value as written, and the `Label:` lines that named no field."""

    values: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


def _normal_label(text: str) -> str:
    text = _MARKS.sub(" ", text.translate(STRAIGHT).lower())
    return " ".join(_NOT_WORDS.sub(" ", text.replace("'", "")).split())


def _labels(form: Form) -> dict[str, str]:
    names: dict[str, str] = {}
    for spec in form.fields:
        names[_normal_label(spec.label)] = spec.name
        names.setdefault(_normal_label(spec.name.replace("_", " ")), spec.name)
    return names


def _field_named(labels: dict[str, str], written: str) -> str | None:
    label = _normal_label(written)
    if not label:
        return None
    if label in labels:
        return labels[label]
    scored = sorted(((fuzz.ratio(label, known), name) for known, name in labels.items()), reverse=True)
    if scored and scored[0][0] >= LABEL_SIMILARITY and (len(scored) == 1 or scored[1][0] < LABEL_SIMILARITY or scored[1][1] == scored[0][1]):
        return scored[0][1]
    return None


def _hint_lines(form: Form) -> set[str]:
    return {" ".join(hint(spec).translate(STRAIGHT).lower().split()) for spec in form.fields}


def read_lines(form: Form, body: str) -> Lines:
    """The fields' values in a reply. The first answer to a field wins, so a quoted copy of the form
    further down changes nothing."""
    labels = _labels(form)
    hints = _hint_lines(form)
    kinds = {spec.name: spec.kind for spec in form.fields}
    found = Lines()
    current: str | None = None  # the field whose value may go on over the next lines
    lines: list[str] = []
    pending: list[str] = []  # lines after a short value, kept if the next line is a field's
    in_hint = False  # inside a hint a mail program wrapped over several lines
    for raw in (body or "").splitlines()[:MAX_LINES]:
        line = raw.translate(STRAIGHT).rstrip()
        said = " ".join(line.lower().split())
        if in_hint or said in hints or _HINT_START.match(said):
            in_hint = not said.endswith(")")
            continue  # the form's own hint, copied back
        if _SEPARATOR.match(line):
            continue
        # Whitespace runs made single first: the label's pattern then does bounded work on any line.
        match = _LINE.match(" ".join(line[:MAX_LINE].split()))
        name = _field_named(labels, match.group(1)) if match else None
        if name is not None and match is not None:
            if current is not None and pending:
                # A short value wrapped onto the next line, between two fields: kept whole, never cut.
                found.values[current] = " ".join([found.values[current], *pending]).strip()
            pending = []
            if name in found.values:
                current = None  # a second copy of the field (the quoted form): the first answer stands
                continue
            found.values[name] = match.group(2).strip()
            current, lines = name, [match.group(2).strip()] if match.group(2).strip() else []
            continue
        if current is None:
            _unknown(found, match)
            continue
        text = line.strip()
        if kinds[current] == Kind.LONG_TEXT:
            lines.append(text)  # a long text runs on, blank lines and colons included, to the next label
            found.values[current] = "\n".join(lines).strip()
        elif text and not lines:
            lines = [_LIST_ITEM.sub("", text)]  # the value on the line after its label
            found.values[current] = lines[0]
        elif text and kinds[current] == Kind.MULTI_CHOICE and not match:
            lines.append(_LIST_ITEM.sub("", text))  # the choices as a list, one per line
            found.values[current] = "\n".join(lines)
        elif text and not match:
            pending.append(text)  # the value's second line if a field follows; else a signature, left out
        elif text:
            _unknown(found, match)
            current, pending = None, []
        else:
            pending = []
    return found


def _unknown(found: Lines, match: re.Match[str] | None) -> None:
    """A `Label:` line naming no field is noted, unless it is a signature's or a quoted header's."""
    if match is None:
        return
    label = _normal_label(match.group(1))
    # Shaped like a field: a short label without a comma, and a value after it ("Hi, here it is:" is not).
    shaped = match.group(2).strip() and "," not in match.group(1) and len(label.split()) <= 6
    if shaped and label not in SIGNATURE_LABELS and not label.startswith(("http", "mailto")):
        found.unknown.append(match.group(1).strip()[:60])


def parse_reply(form: Form, body: str) -> dict[str, str]:
    """The `Label: value` lines of a reply, by field name (see read_lines)."""
    return read_lines(form, body).values
