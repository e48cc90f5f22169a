"""The few Adaptive Card elements every card is made of."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from programme.dates import long_date, long_moment

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        result["actions"] = actions
    return result


def heading(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "size": "Large", "weight": "Bolder", "wrap": True, "style": "heading"}


def subheading(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "weight": "Bolder", "wrap": True, "spacing": "Medium"}


def paragraph(text: str, *, subtle: bool = False, attention: bool = False) -> dict[str, Any]:
    block = {"type": "TextBlock", "text": text, "wrap": True}
    if subtle:
        block["isSubtle"] = True
    if attention:
        block["color"] = "Attention"
    return block


def bullets(items: list[str]) -> dict[str, Any]:
    return paragraph("\n".join(f"- {item}" for item in items))


def facts(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": title, "value": value} for title, value in pairs]}


def command_button(title: str, command: str) -> dict[str, Any]:
    """A button that runs `command` as if the person had typed it. The command travels in the
    submit's data rather than as an imBack: the Agents Playground cannot send imBack buttons."""
    return {"type": "Action.Submit", "title": title, "data": {"command": command}}


def execute(title: str, verb: str, data: dict[str, Any] | None = None, *, style: str | None = None) -> dict[str, Any]:
    action = {"type": "Action.Execute", "title": title, "verb": verb, "data": dict(data or {})}
    if style:
        action["style"] = style
    return action


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as people in the programme read it: in its local time."""
    return long_moment(moment, zone)


__all__ = ["long_date"]  # cards take dates in the programme's one form
