"""A form as plain text for email: `Label: value` lines to fill in, and reading them back."""

from __future__ import annotations

import re
from typing import Mapping

from programme.forms import Form, Kind

_LINE = re.compile(r"^\s*[*-]?\s*([A-Za-z][A-Za-z' ()-]{1,60}?)\s*:\s*(.*)$")


def text_template(form: Form, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> str:
    values = values or {}
    errors = errors or {}
    lines = [form.title, "", form.intro, ""] if form.intro else [form.title, ""]
    if errors:
        lines += ["Please correct these and send the form again:"] + [f"- {form.field(n).label}: {m}" for n, m in errors.items()] + [""]
    lines.append("Reply to this message keeping its subject, with each line filled in after the colon:")
    lines.append("")
    for spec in form.fields:
        lines.append(f"{spec.label}: {values.get(spec.name, '') or ''}".rstrip() + (" " if not values.get(spec.name) else ""))
        hint = _hint(spec)
        if hint:
            lines.append(f"  ({hint})")
    return "\n".join(lines).rstrip() + "\n"


def _hint(spec) -> str:
    if spec.kind == Kind.CHOICE:
        return "one of: " + "; ".join(c.title for c in spec.choices)
    if spec.kind == Kind.MULTI_CHOICE:
        return "one or more, separated by commas: " + "; ".join(c.title for c in spec.choices)
    if spec.kind == Kind.CONFIRM:
        return "write yes"
    if spec.kind == Kind.DATE:
        return "YYYY-MM-DD"
    return spec.help


def parse_reply(form: Form, body: str) -> dict[str, str]:
    """The `Label: value` lines of a reply, by field name. Lines that name no field are ignored;
    the first answer to a field wins, so a quoted copy of the form further down changes nothing."""
    names = {}
    for spec in form.fields:
        names[spec.label.lower()] = spec.name
        names[spec.name.lower().replace("_", " ")] = spec.name
    found: dict[str, str] = {}
    for line in (body or "").splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        name = names.get(" ".join(match.group(1).lower().split()))
        if name and name not in found:
            found[name] = match.group(2).strip()
    return found
