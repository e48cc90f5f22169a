"""Notifications written once, as Jinja2 templates, and rendered as an email (HTML and text) and a Teams card.

A kind's template, `templates/{kind}.j2`, says what to tell someone with the macros of
`templates/_blocks.j2` (subject, title, heading, paragraph, bullet, fact, reply_with, note).
Rendering it gives the intermediate form: one line per block, a nonce made afresh for each
render and then the block as JSON. JSON keeps any value (newlines, markup, quotes) inside its
line, and a value printed outside a block carries no nonce, so it is refused rather than taken
for content. Those lines become a `Content`, from which `layout.html.j2` (autoescaped) and
`layout.txt.j2` make the email and `card()` the Adaptive Card.

Commands inside text are marked with two private-use characters that only `command()` writes;
the markers are stripped from every other printed value, so data cannot forge one.
"""

from __future__ import annotations

import json
import re
import secrets
import textwrap
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import BaseLoader, Environment, PackageLoader, StrictUndefined, TemplateError, TemplateNotFound, select_autoescape
from markupsafe import Markup

from notify.ics import invitation
from notify.message import Rendered
from programme.dates import long_date, long_moment
from storage.base import utcnow

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
TEXT_WIDTH = 72

_KIND = re.compile(r"[a-z][a-z0-9_]*\Z")
_START, _END = "\ue000", "\ue001"
_COMMAND = re.compile(f"{_START}([^{_START}{_END}]*){_END}")
_MARKERS = re.compile(f"[{_START}{_END}]")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MARKDOWN = re.compile(r"([\\`*_\[\]])")
_MARKDOWN_BLOCK_START = re.compile(r"^(?:([-+#>])|(\d+)([.)]))")
_nonce: ContextVar[str] = ContextVar("notify_render_nonce")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\Z")


@dataclass(frozen=True)
class Run:
    """A stretch of text; `command` when it is a word the person can send to the assistant."""

    text: str
    command: bool = False


@dataclass(frozen=True)
class Block:
    kind: str  # heading, paragraph, note, bullets, facts, reply_with
    runs: tuple[Run, ...] = ()
    items: tuple[tuple[Run, ...], ...] = ()  # bullets
    rows: tuple[tuple[str, str], ...] = ()  # facts
    commands: tuple[str, ...] = ()  # reply_with
    title: str = ""  # action: a button in Teams (Universal Actions); email offers reply_with instead
    verb: str = ""
    data: tuple[tuple[str, str | int], ...] = ()
    only: str = ""  # "email" or "teams": words for one channel only ("reply to this email", "press the button")


@dataclass(frozen=True)
class Content:
    subject: str
    preheader: str
    title: str
    blocks: tuple[Block, ...]


INVITATION = "calendar_invitation"  # its email carries the .ics (notify/ics.py)


class Renderer:
    """Renders `notify/templates/{kind}.j2` with `data`; built once by the composition root."""

    def __init__(self, loader: BaseLoader | None = None, *, zone: ZoneInfo | None = None, library_url: str = "",
                 benchmarking_url: str = ""):
        self._zone = zone or ZoneInfo("Europe/London")
        self._env = Environment(
            loader=loader or PackageLoader("notify", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True, default=False),
            undefined=StrictUndefined,
            finalize=self._finalize,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters.update(block=_block, plain=plain, wrap=_wrap)
        self._env.globals["command"] = command
        # The region's links (PEER_CHALLENGE_LIBRARY_URL, BENCHMARKING_PACK_URL); a payload's own (its cycle's) win.
        self._env.globals.update(library_url=library_url, benchmarking_url=benchmarking_url)

    def kinds(self) -> list[str]:
        return sorted(name.removesuffix(".j2") for name in self._env.list_templates(filter_func=_is_kind_template))

    def render(self, kind: str, data: Mapping[str, Any], *, reference_code: str | None = None) -> Rendered:
        content = self.content(kind, data)
        reference = _tidy(reference_code) if reference_code else None
        context = {"content": content, "reference_code": reference}
        text = self._env.get_template("layout.txt.j2").render(context)
        # The subject stays without the code: notify.email_build adds " [CODE]" where the mail needs it.
        return Rendered(
            subject=content.subject,
            text=re.sub(r"\n{3,}", "\n\n", text).strip() + "\n",
            html=self._env.get_template("layout.html.j2").render(context),
            card=card(content),
            reference_code=reference,
            calendar=invitation(dict(data), self._zone, utcnow()) if kind == INVITATION else "",
        )

    def content(self, kind: str, data: Mapping[str, Any]) -> Content:
        """The kind's blocks, before any layout: for tests and previews."""
        if not _KIND.match(kind):
            raise KeyError(f"{kind!r} is not a notification kind; known kinds: {', '.join(self.kinds())}")
        try:
            template = self._env.get_template(f"{kind}.j2")
        except TemplateNotFound:
            known = ", ".join(self.kinds())
            raise KeyError(f"no template notify/templates/{kind}.j2 for notification kind {kind!r}; known kinds: {known}") from None
        nonce = secrets.token_hex(16)
        token = _nonce.set(nonce)
        try:
            output = template.render(dict(data))
        finally:
            _nonce.reset(token)
        return _parse(output, nonce, kind, self._readable)


    def _finalize(self, value: Any) -> Any:
        """Every printed value: None refused, command markers stripped from data, and dates and
        moments in one readable form, in the programme's time zone ("Monday 22 March 2027",
        "Monday 22 March 2027 at 14:05"), whether the payload holds them as values or ISO text."""
        if value is None:
            raise TemplateError("a template printed None: pass the value, or leave it out with {% if %}")
        value = self._readable(value)
        if isinstance(value, str) and not isinstance(value, (_Command, Markup)):
            return _MARKERS.sub("", value)
        return value

    def _readable(self, value: Any) -> Any:
        try:
            if isinstance(value, datetime) or (isinstance(value, str) and _ISO_MOMENT.match(value)):
                moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
                return long_moment(moment if moment.tzinfo else moment.replace(tzinfo=UTC), self._zone)
            if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
                return long_date(value if isinstance(value, date) else date.fromisoformat(value))
        except ValueError:
            pass  # shaped like a date, but none: shown as it is
        return value


def command(word: str) -> str:
    """Mark `word` in a template's text as something to send to the assistant."""
    return _Command(f"{_START}{_plain_text(str(word))}{_END}")


class _Command(str):
    pass


def _is_kind_template(name: str) -> bool:
    return name.endswith(".j2") and bool(_KIND.match(name.removesuffix(".j2")))  # not _blocks.j2 nor layout.*.j2


def _block(kind: str, **fields: Any) -> str:
    # default=str makes a StrictUndefined passed as a macro argument raise, as it should.
    return f"\n{_nonce.get()} {json.dumps({'block': kind, **fields}, ensure_ascii=True, default=str)}\n"


def _tidy(text: str) -> str:
    """One line: whitespace runs become one space, control characters go."""
    return _CONTROL.sub("", _SPACE.sub(" ", text)).strip()


def _runs(text: str) -> tuple[Run, ...]:
    text = _tidy(text)
    runs: list[Run] = []
    position = 0
    for match in _COMMAND.finditer(text):
        runs.append(Run(_MARKERS.sub("", text[position : match.start()])))
        runs.append(Run(match.group(1), command=True))
        position = match.end()
    runs.append(Run(_MARKERS.sub("", text[position:])))
    return tuple(run for run in runs if run.text)


def _plain_text(text: str) -> str:
    return _MARKERS.sub("", _tidy(text))


def _parse(output: str, nonce: str, kind: str, readable: Callable[[Any], Any]) -> Content:
    singles: dict[str, str] = {}
    blocks: list[Block] = []
    for raw in output.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not line.startswith(nonce + " "):
            raise TemplateError(f"{kind}.j2 printed text outside a block: every line must come from a macro of _blocks.j2")
        fields = json.loads(line[len(nonce) + 1 :])
        name = fields["block"]
        if name in ("subject", "preheader", "title"):
            if name in singles:
                raise TemplateError(f"{kind}.j2 has more than one {name}")
            singles[name] = _plain_text(fields["text"])
        elif name in ("heading", "paragraph", "note"):
            if runs := _runs(fields["text"]):
                blocks.append(Block(name, runs=runs, only=_only(fields, kind)))
        elif name == "bullet":
            if runs := _runs(fields["text"]):
                only = _only(fields, kind)
                if blocks and blocks[-1].kind == "bullets" and blocks[-1].only == only:
                    blocks[-1] = Block("bullets", items=blocks[-1].items + (runs,), only=only)
                else:
                    blocks.append(Block("bullets", items=(runs,), only=only))
        elif name == "fact":
            row = (_plain_text(str(fields["label"])), _plain_text(str(readable(fields["value"]))))
            if blocks and blocks[-1].kind == "facts":
                blocks[-1] = Block("facts", rows=blocks[-1].rows + (row,))
            else:
                blocks.append(Block("facts", rows=(row,)))
        elif name == "reply_with":
            blocks.append(Block("reply_with", commands=tuple(_plain_text(str(c)) for c in fields["commands"])))
        elif name == "action":
            data = tuple((str(k), v if isinstance(v, int) else _plain_text(str(v))) for k, v in dict(fields["data"]).items())
            blocks.append(Block("action", title=_plain_text(str(fields["title"])), verb=_plain_text(str(fields["verb"])), data=data))
        else:
            raise TemplateError(f"{kind}.j2 uses an unknown block {name!r}")
    if not singles.get("subject"):
        raise TemplateError(f"{kind}.j2 has no subject")
    first_paragraph = next((plain(b.runs) for b in blocks if b.kind == "paragraph" and b.only != "teams"), "")
    return Content(
        subject=singles["subject"],
        preheader=singles.get("preheader") or first_paragraph,
        title=singles.get("title") or singles["subject"],
        blocks=tuple(blocks),
    )


def _only(fields: Mapping[str, Any], kind: str) -> str:
    only = str(fields.get("only") or "")
    if only not in ("", "email", "teams"):
        raise TemplateError(f"{kind}.j2: only= must be 'email' or 'teams', not {only!r}")
    return only


def plain(runs: tuple[Run, ...]) -> str:
    """Runs as plain text, commands in quotes."""
    return "".join(f'"{run.text}"' if run.command else run.text for run in runs)


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    return textwrap.fill(
        text, TEXT_WIDTH, initial_indent=first, subsequent_indent=rest, break_long_words=False, break_on_hyphens=False
    )


def _markdown(text: str) -> str:
    """Plain text that Teams' markdown shows as it is: no emphasis, links or lists from data."""
    return _block_start_escaped(_MARKDOWN.sub(r"\\\1", text))


def _markdown_runs(runs: tuple[Run, ...]) -> str:
    text = "".join(f"**{_MARKDOWN.sub('', run.text)}**" if run.command else _MARKDOWN.sub(r"\\\1", run.text) for run in runs)
    return _block_start_escaped(text)


def _block_start_escaped(text: str) -> str:
    return _MARKDOWN_BLOCK_START.sub(lambda m: "\\" + m[1] if m[1] else f"{m[2]}\\{m[3]}", text)


def _text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def card(content: Content) -> dict[str, Any]:
    """The Adaptive Card (schema 1.5) for Teams: the same blocks, commands as buttons too."""
    body = [_text_block(_markdown(content.title), size="Large", weight="Bolder", style="heading")]
    actions: list[dict[str, Any]] = []
    for block in content.blocks:
        if block.only == "email":
            continue  # words about replying to an email
        if block.kind == "heading":
            body.append(_text_block(_markdown_runs(block.runs), size="Medium", weight="Bolder", style="heading", spacing="Medium"))
        elif block.kind == "paragraph":
            body.append(_text_block(_markdown_runs(block.runs)))
        elif block.kind == "note":
            body.append(_text_block(_markdown_runs(block.runs), isSubtle=True, spacing="Medium"))
        elif block.kind == "bullets":
            body.append(_text_block("\n".join(f"- {_markdown_runs(item)}" for item in block.items)))
        elif block.kind == "facts":
            body.append({"type": "FactSet", "facts": [{"title": _markdown(t), "value": _markdown(v)} for t, v in block.rows]})
        elif block.kind == "reply_with":
            actions += [  # in Teams the commands are buttons; "Reply with" is for email
                {"type": "Action.Submit", "title": c, "data": {"command": c}} for c in block.commands
            ]
        elif block.kind == "action":
            actions.append({"type": "Action.Execute", "title": block.title, "verb": block.verb, "data": dict(block.data)})
    result: dict[str, Any] = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}
    if actions:
        result["actions"] = list({a["title"]: a for a in actions}.values())
    return result
