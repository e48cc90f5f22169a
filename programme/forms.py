"""Forms declared once: fields, labels, kinds, limits and help.

From one declaration come the Adaptive Card (bot/cards/forms.py), the plain-text template for
email with its parser (bot/email_cards.py), and the server-side validation here, which is the only
validation that counts. Validation never raises on bad input: it returns every problem, each
beside its field, and the values as the person gave them so the form can be shown again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from programme.errors import NotAllowed
from programme.validation import email_problem, normalise_email


class Kind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    EMAIL = "email"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    DATE = "date"
    NUMBER = "number"
    CONFIRM = "confirm"  # a box that must be ticked


@dataclass(frozen=True)
class Choice:
    value: str
    title: str


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind = Kind.TEXT
    required: bool = True
    help: str = ""
    example: str = ""  # a filled-in value, shown in emailed forms where it helps
    max_length: int = 200
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def choice_title(self, value: str) -> str:
        return next((c.title for c in self.choices if c.value == value), value)


@dataclass(frozen=True)
class Form:
    name: str
    title: str
    intro: str
    fields: tuple[Field, ...]
    submit_label: str = "Submit"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


@dataclass(frozen=True)
class FormFor:
    """A form as one person gets it: its fields for the authorities they may act for, and what is
    filled in (their own authority, when there is only one)."""

    form: Form
    defaults: dict[str, str]
    authorities: list[tuple[str, str]]


def form_for(build: Callable[[list[tuple[str, str]]], Form], authorities: list[tuple[str, str]], refusal: str,
             defaults: Mapping[str, str] | None = None) -> FormFor:
    """The form `build` makes for these authorities (code, name), or NotAllowed with `refusal` if there are none."""
    if not authorities:
        raise NotAllowed(refusal)
    filled = dict(defaults or {})
    if len(authorities) == 1:
        filled["authority"] = authorities[0][0]
    return FormFor(build(authorities), filled, authorities)


@dataclass(frozen=True)
class Checked:
    """The outcome of validation: the cleaned value of every field that passed, the problem with
    every field that did not, and `raw`, everything as given, to show the form again."""

    values: dict[str, Any]
    errors: dict[str, str]
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


_SPLIT = re.compile(r"\s*[,;\n]\s*")
_TRUE = {"true", "yes", "y", "on", "1", "agreed", "i agree", "confirmed"}
MAX_FIELD_INPUT = 10_000


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    return str(value)[:MAX_FIELD_INPUT]


def check(form: Form, submitted: Mapping[str, Any] | None) -> Checked:
    submitted = submitted if isinstance(submitted, Mapping) else {}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    raw = {f.name: _text(submitted.get(f.name)) for f in form.fields}
    for spec in form.fields:
        value, problem = _check_field(spec, raw[spec.name])
        if problem:
            errors[spec.name] = problem
        else:
            values[spec.name] = value
    return Checked(values=values, errors=errors, raw=raw)


def _check_field(spec: Field, text: str) -> tuple[Any, str | None]:
    text = text.strip()
    if not text:
        if spec.kind == Kind.CONFIRM and spec.required:
            return None, f"Tick '{spec.label}' to go on."
        if spec.required:
            return None, f"Enter {spec.label.lower()}." if spec.kind not in (Kind.CHOICE, Kind.MULTI_CHOICE) else f"Choose {spec.label.lower()}."
        return ([] if spec.kind == Kind.MULTI_CHOICE else None), None
    if spec.kind in (Kind.TEXT, Kind.LONG_TEXT):
        cleaned = text if spec.kind == Kind.LONG_TEXT else " ".join(text.split())
        if len(cleaned) > spec.max_length:
            return None, f"Shorten {spec.label.lower()} to {spec.max_length} characters or fewer (it has {len(cleaned)})."
        if any(ord(c) < 32 and c not in "\n\t" for c in cleaned):
            return None, f"Remove the control characters from {spec.label.lower()}."
        return cleaned, None
    if spec.kind == Kind.EMAIL:
        problem = email_problem(text)
        return (None, f"{spec.label}: {problem}.") if problem else (normalise_email(text), None)
    if spec.kind == Kind.CHOICE:
        chosen = _match_choice(spec, text)
        if chosen is None:
            return None, f"Choose {spec.label.lower()} from: {', '.join(c.title for c in spec.choices)}."
        return chosen, None
    if spec.kind == Kind.MULTI_CHOICE:
        picked: list[str] = []
        unknown: list[str] = []
        for part in filter(None, _SPLIT.split(text)):
            chosen = _match_choice(spec, part)
            (picked if chosen else unknown).append(chosen or part)
        if unknown:
            return None, f"{spec.label}: '{unknown[0][:40]}' is not one of the options; choose from: {', '.join(c.title for c in spec.choices)}."
        return list(dict.fromkeys(picked)), None
    if spec.kind == Kind.DATE:
        try:
            return date.fromisoformat(text), None
        except ValueError:
            return None, f"Write {spec.label.lower()} as a date: YYYY-MM-DD, for example 2027-01-31."
    if spec.kind == Kind.NUMBER:
        try:
            number = float(text)
        except ValueError:
            return None, f"Write {spec.label.lower()} as a number."
        if number != number or (spec.minimum is not None and number < spec.minimum) or (spec.maximum is not None and number > spec.maximum):
            return None, f"{spec.label} must be between {spec.minimum:g} and {spec.maximum:g}."
        return (int(number) if number.is_integer() else number), None
    if spec.kind == Kind.CONFIRM:
        if text.lower() in _TRUE:
            return True, None
        return None, f"Tick '{spec.label}' to go on (by email, write yes)."
    raise AssertionError(f"unknown field kind {spec.kind}")


def _match_choice(spec: Field, text: str) -> str | None:
    wanted = " ".join(text.split()).lower()
    for choice in spec.choices:
        if wanted in (choice.value.lower(), choice.title.lower()):
            return choice.value
    return None
