"""Small checks shared by the calendar import and the forms.

Each `*_problem` function returns a message that says what is wrong and how to fix it, or None.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

EMAIL_MAX_LENGTH = 320
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def normalise_email(value: str) -> str:
    """The form we store and compare: addresses are matched case-insensitively."""
    return value.strip().lower()


def email_problem(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "an email address is needed, e.g. name@council.example"
    email = value.strip()
    if any(character.isspace() for character in email):
        return f"'{email}' contains a space; an email address has none"
    if "@" not in email:
        return f"'{email}' has no '@'; write it as name@domain, e.g. name@council.example"
    if email.count("@") > 1:
        return f"'{email}' has more than one '@'; an email address has exactly one"
    if len(email) > EMAIL_MAX_LENGTH:
        return f"'{email[:40]}...' is longer than {EMAIL_MAX_LENGTH} characters; check the address"
    local, domain = email.split("@")
    if not local:
        return f"'{email}' has nothing before the '@'"
    if not domain:
        return f"'{email}' has nothing after the '@'; add the domain, e.g. @council.example"
    if not _EMAIL_LOCAL.match(local):
        return f"'{email}': the part before the '@' is not valid (check for stray dots or punctuation)"
    labels = domain.split(".")
    if len(labels) < 2:
        return f"'{email}': the domain '{domain}' has no dot; a domain looks like council.example"
    if not all(_DOMAIN_LABEL.match(label) for label in labels):
        return f"'{email}': the domain '{domain}' is not valid (check for stray dots or punctuation)"
    return None


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def slug_problem(field: str, value: object) -> str | None:
    if isinstance(value, str) and _SLUG.match(value):
        return None
    suggestion = slugify(str(value)) if value is not None else ""
    hint = f", e.g. '{suggestion}'" if suggestion else ""
    return f"{field} '{value}' is not a lower-case code; use letters, digits and hyphens{hint}"


def join_choices(choices: Sequence[str], last: str = "or") -> str:
    """'a', 'a or b', 'a, b or c'."""
    if len(choices) <= 1:
        return "".join(choices)
    return f"{', '.join(choices[:-1])} {last} {choices[-1]}"


def closest(value: object, options: Iterable[str]) -> str | None:
    """The option a typing slip most likely meant, if any is close enough."""
    text = str(value).lower()
    lowered = {option.lower(): option for option in options}
    matches = difflib.get_close_matches(text, list(lowered), n=1, cutoff=0.6)
    return lowered[matches[0]] if matches else None


def choice_problem(field: str, value: object, choices: Sequence[str]) -> str | None:
    """E.g. "format is 'Virtua'; use face_to_face or virtual"."""
    if isinstance(value, str) and value in choices:
        return None
    return f"{field} is '{value}'; use {join_choices(list(choices))}"


MAX_ID = 2**31 - 1  # the largest id any table holds, on SQLite and PostgreSQL alike
_WHOLE = re.compile(r"\s*#?\s*([0-9]{1,10})\s*")  # ASCII digits: "¹" and "٣" are digits to str.isdigit, not ids


def record_id(value: object) -> int | None:
    """A record's id from whatever a card, an email or a command line gave (12, "12", "#12"), or None
    for anything that cannot be one (a bool, a float, text, 0, 2**63): the one reading of ids."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    if isinstance(value, str):
        found = _WHOLE.fullmatch(value)
        if found is None:
            return None
        value = int(found.group(1))
    return value if 0 < value <= MAX_ID else None
