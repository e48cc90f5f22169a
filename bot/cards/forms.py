"""A form as an Adaptive Card: labelled inputs with client hints, and the server's errors beside
their fields with the values kept. Submitted with Universal Actions (Action.Execute)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.cards.elements import card, execute, heading, paragraph
from programme.forms import Field, Form, Kind, needed


def form_card(
    form: Form,
    *,
    verb: str,
    data: dict[str, Any],
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    values = values or {}
    errors = errors or {}
    body: list[dict[str, Any]] = [heading(form.title)]
    if form.intro:
        body.append(paragraph(form.intro, subtle=True))
    if message:
        body.append(paragraph(message, attention=bool(errors)))
    for spec in form.fields:
        body.append(_input(spec, values.get(spec.name, "")))
        if spec.name in errors:
            body.append({**paragraph(errors[spec.name], attention=True), "id": f"{spec.name}-error", "spacing": "Small"})
    return card(body, [execute(form.submit_label, verb, data, style="positive")])


def _input(spec: Field, value: object) -> dict[str, Any]:
    value = "" if value is None else str(value)
    base = {"id": spec.name, "label": spec.label, "isRequired": spec.required}
    if spec.required:
        base["errorMessage"] = needed(spec)
    if spec.kind in (Kind.CHOICE, Kind.MULTI_CHOICE):
        element = {
            **base,
            "type": "Input.ChoiceSet",
            "choices": [{"title": c.title, "value": c.value} for c in spec.choices],
            "value": value,
        }
        if spec.kind == Kind.MULTI_CHOICE:
            element.update(isMultiSelect=True, style="expanded")
        else:
            element["style"] = "compact" if len(spec.choices) > 3 else "expanded"
        return _with_help(element, spec)
    if spec.kind == Kind.CONFIRM:
        return {**base, "type": "Input.Toggle", "title": spec.label, "valueOn": "true", "valueOff": "false",
                "value": "true" if value.lower() == "true" else "false"}
    if spec.kind == Kind.DATE:
        return _with_help({**base, "type": "Input.Date", "value": value}, spec)
    if spec.kind == Kind.NUMBER:
        element = {**base, "type": "Input.Number", "value": value}
        if spec.minimum is not None:
            element["min"] = spec.minimum
        if spec.maximum is not None:
            element["max"] = spec.maximum
        return _with_help(element, spec)
    element = {**base, "type": "Input.Text", "value": value, "maxLength": spec.max_length}
    if spec.kind == Kind.EMAIL:
        element["style"] = "Email"
    if spec.kind == Kind.LONG_TEXT:
        element["isMultiline"] = True
    return _with_help(element, spec)


def _with_help(element: dict[str, Any], spec: Field) -> dict[str, Any]:
    if spec.help and element["type"] in ("Input.Text", "Input.Number", "Input.Date"):
        element["placeholder"] = spec.help
    return element
