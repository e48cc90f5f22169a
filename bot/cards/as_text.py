"""The same card as plain text and as simple HTML, for email and other text channels.

Buttons that send a command become "reply with" lines. Inputs are left out here: bot/email_cards.py
first turns a card's inputs into `Label: value` lines to fill in and its buttons into words to
reply with, so that every card and form reaches email through this one rendering.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _commands(card: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            data = given if node.get("type") == "Action.Submit" and isinstance(given := node.get("data"), dict) else {}
            value = data.get("command") or (data.get("msteams") or {}).get("value")
            if value:
                found.append(value)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card.get("body", []))
    walk(card.get("actions", []))
    return list(dict.fromkeys(found))


def _blocks(elements: list[dict[str, Any]]) -> Iterator[tuple[str, Any]]:
    for element in elements:
        kind = element.get("type")
        if kind == "TextBlock" and element.get("x-field"):
            yield ("field", element.get("text", ""))  # an emailed form's field: its line to fill in, and its hint
        elif kind == "TextBlock":
            yield ("heading" if element.get("size") == "Large" else "strong" if element.get("weight") == "Bolder" else "text", element.get("text", ""))
        elif kind == "FactSet":
            yield ("facts", [(f["title"], f["value"]) for f in element.get("facts", [])])
        elif kind in ("Container", "Column"):
            yield from _blocks(element.get("items", []))
        elif kind == "ColumnSet":
            for column in element.get("columns", []):
                yield from _blocks(column.get("items", []))


def card_as_text(card: dict[str, Any]) -> str:
    lines: list[str] = []
    for kind, value in _blocks(card.get("body", [])):
        if kind == "facts":
            lines += [f"{title}: {_plain(v)}" for title, v in value]
        elif kind == "heading":
            title = _plain(value)
            lines += ["", title, "=" * len(title)]
        elif kind == "field":
            lines += [*value.splitlines(), ""]
        else:
            lines.append(_plain(value))
    commands = _commands(card)
    if commands:
        lines += ["", "Reply with: " + ", ".join(commands)]
    return "\n".join(lines).strip() + "\n"


def _plain(text: str) -> str:
    return _CODE.sub(r"\1", _BOLD.sub(r"\1", text))


def _inline_html(text: str) -> str:
    escaped = html.escape(text)
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return _CODE.sub(r"<code>\1</code>", escaped)


def card_as_html(card: dict[str, Any]) -> str:
    parts: list[str] = []
    for kind, value in _blocks(card.get("body", [])):
        if kind == "heading":
            parts.append(f'<h2 style="font-size:20px;margin:16px 0 8px">{_inline_html(value)}</h2>')
        elif kind == "strong":
            parts.append(f'<h3 style="font-size:16px;margin:14px 0 6px">{_inline_html(value)}</h3>')
        elif kind == "field":
            line, _, hint = value.partition("\n")
            label, _, given = line.partition(":")
            parts.append(
                f'<p style="margin:12px 0 4px"><strong>{html.escape(label)}:</strong> {html.escape(given.strip())}<br>\n'
                f'<span style="color:#555;font-size:13px">{html.escape(hint)}</span></p>'
            )
        elif kind == "facts":
            rows = "".join(
                f'<tr><th scope="row" style="text-align:left;padding:2px 12px 2px 0;vertical-align:top">{html.escape(t)}</th>'
                f'<td style="padding:2px 0">{_inline_html(v)}</td></tr>'
                for t, v in value
            )
            parts.append(f'<table role="presentation" style="border-collapse:collapse">{rows}</table>')
        elif value.lstrip().startswith("- "):
            items = "".join(f"<li>{_inline_html(line[2:])}</li>" for line in value.splitlines() if line.startswith("- "))
            parts.append(f"<ul>{items}</ul>")
        else:
            # Each line stays a line: an emailed form's `Label: value` lines must not run together in
            # the HTML view, which is what Outlook shows.
            lines = "<br>\n".join(_inline_html(line) for line in value.splitlines())
            parts.append(f'<p style="margin:6px 0">{lines}</p>')
    commands = _commands(card)
    if commands:
        parts.append(
            '<p style="margin:14px 0 6px;color:#444">Reply with: '
            + ", ".join(f"<strong>{html.escape(c)}</strong>" for c in commands)
            + "</p>"
        )
    body = "\n".join(parts)
    return (
        '<div style="font-family:Segoe UI,Arial,sans-serif;font-size:15px;line-height:1.4;color:#1b1b1b;max-width:640px">'
        f"{body}</div>"
    )
