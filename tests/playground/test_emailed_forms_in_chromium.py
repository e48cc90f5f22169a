"""Every emailed form's HTML part, as a mail program draws it, in headless Chromium: each field's
`Label:` line has a line of its own with its hint on the line below, never run into the next field.
The screenshots are kept (set FORM_SCREENSHOTS=dir to keep them somewhere you can look at them)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from bot.cards.as_text import card_as_html
from bot.email_cards import as_email_card
from tests.support.forms import FORMS, card_of
from tests.support.playground import CHROMIUM, CHROMIUM_FLAGS, require_tools

# Outlook's reading pane at its narrowest usual width, and a phone's.
WIDTHS = {"outlook": 640, "phone": 380}


@pytest.fixture(scope="module")
def browser():
    require_tools()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    where = Path(os.environ["FORM_SCREENSHOTS"]) if os.environ.get("FORM_SCREENSHOTS") else tmp_path_factory.mktemp("forms")
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.mark.parametrize("width", WIDTHS)
def test_every_emailed_form_shows_one_field_per_line(browser, shots, width):
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})
    try:
        for name, form in FORMS.items():
            html = card_as_html(as_email_card(card_of(form, several=name in ("ask", "offer", "plenary suggestion"))))
            page.set_content(f"<!doctype html><html><body style='margin:12px'>{html}</body></html>")
            page.screenshot(path=str(shots / f"{name.replace(' ', '-')}-{width}.png"), full_page=True)
            labels = page.locator("p > strong").all()
            tops = [box["y"] for box in (label.bounding_box() for label in labels) if box]
            assert len(tops) >= len(form.fields), name
            assert all(later > earlier for earlier, later in itertools.pairwise(tops)), name  # each on a line of its own
            for label in labels:
                hint = label.locator("xpath=following-sibling::span[1]")
                assert hint.bounding_box()["y"] > label.bounding_box()["y"], name  # the hint below, never on the value's line
    finally:
        page.close()
