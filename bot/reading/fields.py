"""The `Label: value` lines of an emailed form, read back into the form's fields."""

from __future__ import annotations

import re

from programme.forms import Form

_LINE = re.compile(r"^\s*[*-]?\s*([A-Za-z][A-Za-z' ()-]{1,60}?)\s*:\s*(.*)$")


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
