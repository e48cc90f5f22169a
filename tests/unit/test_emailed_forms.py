"""Every emailed form, as Outlook shows it (the HTML part) and as text: one field per line, its hint
on its own line, required fields marked; and a reply written from it is read back whole."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot.cards.as_text import card_as_html, card_as_text
from bot.email_cards import as_email_card
from bot.reading.fields import read_lines
from programme.forms import Kind, hint
from tests.support.forms import FORMS, card_of


class _Lines(HTMLParser):
    """The lines a mail program shows for an HTML body: a new line at each <p>, <br>, <h2>, <li>..."""

    BREAKS = frozenset({"p", "br", "h1", "h2", "h3", "li", "tr", "div", "ul", "table"})

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = [""]

    def handle_starttag(self, tag, attrs):
        if tag in self.BREAKS:
            self.lines.append("")

    def handle_endtag(self, tag):
        if tag in self.BREAKS:
            self.lines.append("")

    def handle_data(self, data):
        self.lines[-1] += data


def shown_lines(html: str) -> list[str]:
    parser = _Lines()
    parser.feed(html)
    return [" ".join(line.split()) for line in parser.lines if line.strip()]


@pytest.mark.parametrize("name", FORMS)
def test_each_field_is_on_its_own_line_with_its_hint_below_in_html_and_text(name):
    form = FORMS[name]
    emailed = as_email_card(card_of(form))
    for lines in (shown_lines(card_as_html(emailed)), [line.strip() for line in card_as_text(emailed).splitlines()]):
        for spec in form.fields:
            label_lines = [i for i, line in enumerate(lines) if line.startswith(f"{spec.label}:")]
            assert len(label_lines) == 1, (name, spec.label, lines)
            at = label_lines[0]
            assert not any(f"{other.label}:" in lines[at] for other in form.fields if other is not spec and other.label not in spec.label)
            assert lines[at + 1] == " ".join(hint(spec).split())  # the hint: its own line, never on the value's
            assert lines[at + 1].startswith("(Required" if spec.required else "(Optional")


@pytest.mark.parametrize("name", FORMS)
def test_a_reply_copied_from_the_emailed_form_reads_back_every_field(name):
    form = FORMS[name]
    text = card_as_text(as_email_card(card_of(form)))
    filled = []
    for line in text.splitlines():
        spec = next((f for f in form.fields if line.startswith(f"{f.label}:")), None)
        filled.append(f"{line.rstrip()} {_answer(spec)}" if spec else line)
    values = read_lines(form, "\n".join(filled)).values
    assert set(values) == {f.name for f in form.fields}
    for spec in form.fields:
        assert values[spec.name].endswith(_answer(spec)), spec.label


def _answer(spec) -> str:
    return {Kind.DATE: "14/02/2027", Kind.NUMBER: "3", Kind.EMAIL: "sam.example@wokingham.example", Kind.CONFIRM: "yes"}.get(
        spec.kind, spec.choices[0].title if spec.choices else "Some words"
    )


def test_a_form_taking_several_items_shows_a_template_for_each():
    emailed = as_email_card(card_of(FORMS["ask"], several=True))
    text = card_as_text(emailed)
    assert "Item 1" in text and "Another item" in text and "\n---\n" in text
    assert len(re.findall(r"^Short title:", text, re.M)) == 2


@pytest.mark.parametrize("name", FORMS)
def test_a_required_field_left_empty_says_so_in_words_that_read_well(name):
    from programme.forms import check, needed

    form = FORMS[name]
    checked = check(form, {})
    for spec in form.fields:
        if spec.required:
            assert checked.errors[spec.name] == needed(spec)
            assert f"'{spec.label}'" in needed(spec) and "is needed" not in needed(spec)
