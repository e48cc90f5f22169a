"""Cards with Universal Actions, by email: every button and every form works by replying.

A card sent by email cannot run its buttons, so before it is written as text each card with
`Action.Execute` buttons is held under a code (programme/held_codes.py), bound to the address it is
sent to, and the code goes in the subject. Inputs become `Label: value` lines to fill in, and the buttons become
words to reply with. A reply from the same address, keeping the code, runs the chosen button's
action with the filled-in values: the same handler, the same permission checks and the same
validation as the card in Teams. The email's sender alone is not proof enough; the code is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.cards.elements import long_date
from bot.reading.fields import Lines, read_lines
from programme import held_codes
from programme.forms import Choice, Field, Form, Kind, hint

EMAIL_BODY = "_email_body"  # in an emailed answer's data: the reply as written, for forms taking several items
_INPUT_KINDS = {
    "Input.Text": Kind.TEXT,
    "Input.Number": Kind.NUMBER,
    "Input.Date": Kind.DATE,
    "Input.Toggle": Kind.CONFIRM,
}
_WORDS = re.compile(r"[^a-z0-9]+")
_KEPT = ("id", "type", "label", "title", "isRequired", "isMultiSelect", "choices", "isMultiline", "style", "placeholder", "value")
SEVERAL = "several"  # in a form's action data: by email, the reply may hold several items, separated by ---
ITEMS = "items"  # in a form's action data: the items given by email, to show again when one has a problem


@dataclass(frozen=True)
class HeldAction:
    title: str
    verb: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Chosen:
    action: HeldAction | None  # None: the reply named no button of the card
    values: dict[str, str]
    titles: tuple[str, ...]
    body: str = ""  # what the person wrote, for a form that takes several items at once
    unknown: tuple[str, ...] = ()  # `Label:` lines that named none of the form's fields
    labels: tuple[str, ...] = ()  # the form's labels, to say which to use


def _walk(node: object, found: list[dict[str, Any]], inputs: list[dict[str, Any]]) -> None:
    if isinstance(node, dict):
        kind = node.get("type", "")
        if kind == "Action.Execute":
            found.append(node)
        elif kind.startswith("Input."):
            inputs.append(node)
        for child in node.values():
            _walk(child, found, inputs)
    elif isinstance(node, list):
        for child in node:
            _walk(child, found, inputs)


def _form_of(inputs: list[dict[str, Any]]) -> Form:
    fields = []
    for element in inputs:
        kind = _INPUT_KINDS.get(element["type"], Kind.TEXT)
        choices: tuple[Choice, ...] = ()
        if element["type"] == "Input.ChoiceSet":
            kind = Kind.MULTI_CHOICE if element.get("isMultiSelect") else Kind.CHOICE
            choices = tuple(Choice(c["value"], c["title"]) for c in element.get("choices", []))
        elif element.get("isMultiline"):
            kind = Kind.LONG_TEXT
        elif element.get("style") == "Email":
            kind = Kind.EMAIL
        label = element.get("label") or element.get("title") or element["id"]
        fields.append(Field(element["id"], label, kind, required=bool(element.get("isRequired")), choices=choices,
                            help=str(element.get("placeholder") or "")))
    return Form(name="card", title="", intro="", fields=tuple(fields))


def for_email(session: Session, card: dict[str, Any], address: str, now: datetime) -> tuple[dict[str, Any], str | None]:
    """The card as it should go by email, and the code for its subject (None: nothing to answer)."""
    actions: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []
    _walk(card, actions, inputs)
    if not actions:
        return card, None
    held = [{"title": title, "verb": a.get("verb", ""), "data": a.get("data") or {}} for title, a in zip(_distinct_titles(actions), actions, strict=True)]
    record = {
        "actions": held,
        "inputs": [{k: v for k, v in i.items() if k in _KEPT} for i in inputs],
    }
    code = held_codes.hold(session, address=address, purpose=held_codes.Purpose.CARD, record=record, now=now)
    return _as_text_card(card, inputs, [h["title"] for h in held]), code


def _distinct_titles(actions: list[dict[str, Any]]) -> list[str]:
    """The buttons' titles, each one its own: a list with "Withdraw" on every entry gets "Withdraw #12",
    "Withdraw #15" by email, so that a reply can never choose the wrong one."""
    titles = [str(a.get("title", "")) for a in actions]
    counts = {t: titles.count(t) for t in titles}
    distinct = []
    for number, (title, action) in enumerate(zip(titles, actions, strict=True), start=1):
        key = (action.get("data") or {}).get("id")
        distinct.append(title if counts[title] == 1 else f"{title} #{key}" if key is not None else f"{title} {number}")
    return distinct


def as_email_card(card: dict[str, Any]) -> dict[str, Any]:
    """The card as it reads by email (its inputs as lines to fill in), without holding a code: for previews and tests."""
    actions: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []
    _walk(card, actions, inputs)
    return _as_text_card(card, inputs, _distinct_titles(actions)) if actions else card


def _as_text_card(card: dict[str, Any], inputs: list[dict[str, Any]], titles: list[str]) -> dict[str, Any]:
    """The same card with its inputs as lines to fill in and its buttons as words to reply with.

    Each field is its own paragraph: the `Label: value` line, then a line in brackets saying whether
    it is needed and how to answer (the choices, a date's form, an example), never on the value's
    line. A form that takes several items shows one block per item given and a blank one to copy."""
    body = [element for element in card.get("body", []) if element.get("type") != "ActionSet" and not element.get("type", "").startswith("Input.")]
    if inputs:
        form = _form_of(inputs)
        data = next((a.get("data") or {} for a in _actions(card) if (a.get("data") or {}).get(SEVERAL)), None)
        body.append({"type": "TextBlock", "text": "Reply keeping the subject line. Copy these lines into your reply and write "
                     "your answer after each colon (or on the line below it):", "wrap": True, "weight": "Bolder"})
        if data is None:
            body += _field_blocks(form, {spec.name: _shown_value(element) for spec, element in zip(form.fields, inputs, strict=False)})
        else:
            items = [item for item in data.get(ITEMS) or [] if isinstance(item, dict)] or [
                {spec.name: _shown_value(element) for spec, element in zip(form.fields, inputs, strict=False)}]
            for number, item in enumerate(items, start=1):
                body.append({"type": "TextBlock", "text": f"Item {number}", "wrap": True, "weight": "Bolder"})
                body += _field_blocks(form, {k: _shown_choice(form, k, str(v or "")) for k, v in item.items()})
                body.append({"type": "TextBlock", "text": "---", "wrap": True})
            body.append({"type": "TextBlock", "text": "Another item (or leave these lines out)", "wrap": True, "weight": "Bolder"})
            body += _field_blocks(form, {spec.name: str(items[0].get(spec.name) or "") for spec in form.fields if spec.name == "authority"})
    if len(titles) > 1 or not inputs:
        words = ", ".join(f"**{t}**" for t in titles)
        body.append({"type": "TextBlock", "text": f"To act, reply keeping the subject line, starting with one of: {words}", "wrap": True})
    return {**card, "body": body, "actions": [a for a in card.get("actions", []) if a.get("type") != "Action.Execute"]}


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    _walk(card, found, [])
    return found


def _field_blocks(form: Form, values: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"type": "TextBlock", "text": f"{spec.label}: {values.get(spec.name, '')}".rstrip() + f"\n{hint(spec)}", "wrap": True, "x-field": True}
        for spec in form.fields
    ]


def _shown_choice(form: Form, name: str, value: str) -> str:
    spec = next((f for f in form.fields if f.name == name), None)
    if spec is None or not spec.choices:
        return value
    titles = {c.value: c.title for c in spec.choices}
    return "; ".join(titles.get(v, v) for v in value.split(",")) if value else ""


def _shown_value(element: dict[str, Any]) -> str:
    value = str(element.get("value") or "")
    if element["type"] == "Input.ChoiceSet" and value:
        titles = {c["value"]: c["title"] for c in element.get("choices", [])}
        return "; ".join(titles.get(v, v) for v in value.split(","))
    if element["type"] == "Input.Date" and value:
        try:
            return long_date(date.fromisoformat(value))  # one form of date everywhere: "Monday 22 March 2027"
        except ValueError:
            return value
    if element["type"] == "Input.Toggle":
        return "yes" if value == element.get("valueOn", "true") else ""
    return value


def answer(held: held_codes.Held, body: str) -> Chosen:
    """What a reply to a held card chose: a button, and the form's values."""
    actions = [HeldAction(a["title"], a["verb"], a["data"]) for a in held.record.get("actions", [])]
    inputs = held.record.get("inputs", [])
    form = _form_of(inputs)
    lines = read_lines(form, body) if inputs else Lines()
    first = next((line.strip() for line in body.splitlines() if line.strip()), "")
    chosen = _match(actions, first)
    if chosen is None and inputs and len(actions) == 1:
        chosen = actions[0]  # a form with one button: filling it in is the answer
    # A line left out keeps what the form showed filled in (the only authority, the answer given before).
    shown = {i["id"]: str(i["value"]) for i in inputs if i.get("value") and i["type"] != "Input.Toggle"}
    return Chosen(chosen, {**shown, **lines.values}, tuple(a.title for a in actions), body, tuple(lines.unknown), tuple(f.label for f in form.fields))


def _match(actions: list[HeldAction], line: str) -> HeldAction | None:
    wanted = _WORDS.sub(" ", line.lower()).strip()
    if not wanted:
        return None
    for action in actions:
        if _WORDS.sub(" ", action.title.lower()).strip() == wanted:
            return action
    # The reply's first words may be followed by more: "Accept, thank you".
    for action in sorted(actions, key=lambda a: -len(a.title)):
        title = _WORDS.sub(" ", action.title.lower()).strip()
        if title and wanted.startswith(title + " "):
            return action
    return None
