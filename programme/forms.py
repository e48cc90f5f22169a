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
from programme.text import STRAIGHT
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


_SPLIT = re.compile(r"\s*(?:[,;\n]|\band\b|&|\+)\s*", re.I)
_TRUE = {"true", "yes", "y", "on", "1", "agreed", "i agree", "confirmed", "yes i agree", "yes agreed", "yes confirmed", "yes they have",
         "yes she has", "yes he has", "yes they agreed", "ticked", "x", "✓", "✔"}
_STOP = {"a", "an", "the", "of", "and", "or", "for", "to", "in", "on", "with", "please", "i", "we", "our", "my"}
MAX_FIELD_INPUT = 10_000


def needed(spec: Field) -> str:
    """What a required field left empty says, on the card (before sending) and from the server alike:
    its label quoted, so that any label reads well ("Fill in 'The nomination covers'" would not)."""
    if spec.kind == Kind.CONFIRM:
        return f"Tick '{spec.label}' to go on."
    if spec.kind in (Kind.CHOICE, Kind.MULTI_CHOICE):
        return f"Choose an answer for '{spec.label}'."
    return f"Fill in '{spec.label}'."


def hint(spec: Field) -> str:
    """The line an emailed form shows under a field: whether it is needed, and how to answer it.
    Never on the value's line, so keeping the line or typing after the colon both work."""
    needed = "Required" if spec.required else "Optional"
    if spec.kind == Kind.CHOICE:
        how = "choose one: " + " · ".join(c.title for c in spec.choices)
    elif spec.kind == Kind.MULTI_CHOICE:
        how = "choose one or more, separated by semicolons or one per line: " + " · ".join(c.title for c in spec.choices)
    elif spec.kind == Kind.DATE:
        how = f"a date, for example {spec.example or '14/02/2027'}"
    elif spec.kind == Kind.NUMBER:
        how = f"a number, for example {spec.example or '3'}"
    elif spec.kind == Kind.EMAIL:
        how = f"an email address, for example {spec.example or 'sam.example@council.example'}"
    elif spec.kind == Kind.CONFIRM:
        how = "write yes to confirm"
    elif spec.kind == Kind.LONG_TEXT:
        how = "as long as you need, over several lines if you like" + (f"; for example: {spec.example}" if spec.example else "")
    else:
        how = f"for example {spec.example}" if spec.example else spec.help
    return f"({needed}{'. ' + how[0].upper() + how[1:] if how else ''})"


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
        if spec.required:
            return None, needed(spec)
        return ([] if spec.kind == Kind.MULTI_CHOICE else None), None
    if spec.kind in (Kind.TEXT, Kind.LONG_TEXT):
        cleaned = text if spec.kind == Kind.LONG_TEXT else " ".join(text.split())
        if len(cleaned) > spec.max_length:
            return None, f"Shorten {spec.label.lower()} to {spec.max_length} characters or fewer (it has {len(cleaned)})."
        if any(ord(c) < 32 and c not in "\n\t" for c in cleaned):
            return None, f"Remove the control characters from {spec.label.lower()}."
        return cleaned, None
    if spec.kind == Kind.EMAIL:
        address = _address(text)
        problem = email_problem(address)
        return (None, f"{spec.label}: {problem}.") if problem else (normalise_email(address), None)
    if spec.kind == Kind.CHOICE:
        chosen, could_be = _match_choice(spec, text)
        if chosen is None:
            return None, _choice_problem(spec, text, could_be)
        return chosen, None
    if spec.kind == Kind.MULTI_CHOICE:
        picked, rest = _whole_titles(spec, text)
        for part in filter(None, (p.strip(" .") for p in _SPLIT.split(rest))):
            chosen, could_be = _match_choice(spec, part)
            if chosen is None:
                return None, _choice_problem(spec, part, could_be)
            picked.append(chosen)
        if not picked:
            return None, needed(spec)
        return list(dict.fromkeys(picked)), None
    if spec.kind == Kind.DATE:
        day = read_date(text)
        if day is None:
            return None, f"Write {spec.label.lower()} as a date, for example 14/02/2027 or 14 February 2027."
        return day, None
    if spec.kind == Kind.NUMBER:
        number = read_number(text)
        if number is None:
            return None, f"Write {spec.label.lower()} as a number, for example 3 or 2.5."
        if (spec.minimum is not None and number < spec.minimum) or (spec.maximum is not None and number > spec.maximum):
            return None, f"{spec.label} must be between {spec.minimum:g} and {spec.maximum:g}."
        return (int(number) if number.is_integer() else number), None
    if spec.kind == Kind.CONFIRM:
        said = " ".join(_words(text))
        if said in _TRUE or (said.startswith(("yes ", "agreed ", "i agree ", "confirmed ")) and " not " not in f" {said} "):
            return True, None
        return None, f"Tick '{spec.label}' to go on (by email, write yes)."
    raise AssertionError(f"unknown field kind {spec.kind}")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9✓✔]+", text.translate(STRAIGHT).lower().replace("'", ""))


def _address(text: str) -> str:
    """The address in "Sam Example <sam@council.example>", "mailto:sam@...", or Outlook's "sam@...<mailto:sam@...>"."""
    text = text.strip().rstrip(".;,")
    if "<" in text and ">" in text:
        inside = text[text.rindex("<") + 1: text.rindex(">")]
        text = inside if "@" in inside else text
    text = re.sub(r"^mailto:", "", text.strip(), flags=re.I)
    return text.strip().strip("<>[]()\"'")


def _match_choice(spec: Field, text: str) -> tuple[str | None, list[Choice]]:
    """The choice meant by its value, its title, or an unambiguous word or start of one; else None
    with the choices it could be (several: ambiguous; none: unknown)."""
    wanted = " ".join(_words(text))
    if not wanted:
        return None, []
    for choice in spec.choices:
        if wanted in (" ".join(_words(choice.value)), " ".join(_words(choice.title))):
            return choice.value, [choice]
    said = [w for w in wanted.split() if w not in _STOP] or wanted.split()
    could_be = []
    for choice in spec.choices:
        words = _words(choice.title) + _words(choice.value)
        if all(any(w.startswith(part) for w in words) for part in said if len(part) >= 3 or part.isdigit()) and any(
            len(part) >= 3 or part.isdigit() for part in said
        ):
            could_be.append(choice)
    if len(could_be) == 1:
        return could_be[0].value, could_be
    return None, could_be


def _whole_titles(spec: Field, text: str) -> tuple[list[str], str]:
    """The choices named by their whole titles, commas and all, and what is left of the text."""
    picked: list[tuple[int, str]] = []
    rest = text.translate(STRAIGHT)
    for choice in sorted(spec.choices, key=lambda c: -len(c.title)):
        pattern = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in choice.title.translate(STRAIGHT).split()) + r"(?!\w)", re.I)
        if match := pattern.search(rest):
            picked.append((match.start(), choice.value))
            rest = rest[: match.start()] + ";" + rest[match.end():]
    return [value for _, value in sorted(picked)], rest


def _choice_problem(spec: Field, text: str, could_be: list[Choice]) -> str:
    if len(could_be) > 1:
        options = " or ".join(f"'{c.title}'" for c in could_be[:4])
        return f"{spec.label}: '{text.strip()[:40]}' could be {options}; write more of the one you mean."
    return f"{spec.label}: '{text.strip()[:40]}' is not one of the options; choose from: {'; '.join(c.title for c in spec.choices)}."


_MONTHS = {m: i for i, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"), ("july", "jul"),
     ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"), ("december", "dec")], start=1) for m in names}
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDED_DATE = re.compile(r"^(?:[a-z]+,?\s+)?(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+([a-z]+)\.?,?\s+(\d{4})$")
_US_WORDED_DATE = re.compile(r"^(?:[a-z]+,?\s+)?([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")


def read_date(text: str) -> date | None:
    """A date as people in the UK write it: 14/02/2027, 14.2.27, 14-02-2027, 2027-02-14, 14 February
    2027, 14th Feb 2027, Monday 14 February 2027. Day first: 03/04/2027 is the 3rd of April."""
    text = " ".join(text.strip().rstrip(".").lower().split())[:60]
    parts: tuple[int, int, int] | None = None
    if match := _ISO_DATE.match(text):
        parts = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    elif match := _NUMERIC_DATE.match(text):
        year = int(match.group(3))
        parts = (year + 2000 if year < 100 else year, int(match.group(2)), int(match.group(1)))
    elif (match := _WORDED_DATE.match(text)) and match.group(2) in _MONTHS:
        parts = (int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    elif (match := _US_WORDED_DATE.match(text)) and match.group(1) in _MONTHS:
        parts = (int(match.group(3)), _MONTHS[match.group(1)], int(match.group(2)))
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


_NUMBER_WORDS = {"half": 0.5, "a half": 0.5, "half a": 0.5, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "one and a half": 1.5, "two and a half": 2.5, "zero": 0, "none": 0}
_NUMBER = re.compile(r"^(?:about |around |approx\.? |approximately |c\. ?)?(\d+(?:[.,]\d+)?|\d*½|[a-z]+(?: and a half| a)?)"
                     r"(?:\s*(?:days?|d|working days?|hours?|hrs?|weeks?))?\.?$")


def read_number(text: str) -> float | None:
    """A number, with its unit if written: "3", "2.5", "2,5", "3 days", "1½", "three days", "half a day"."""
    text = " ".join(text.strip().lower().split())[:40]
    match = _NUMBER.match(text)
    if not match:
        return None
    said = match.group(1)
    if said in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[said])
    if said.endswith("½"):
        return float(said[:-1] or 0) + 0.5
    try:
        number = float(said.replace(",", "."))
    except ValueError:
        return None
    return number if number == number and number not in (float("inf"), float("-inf")) else None
