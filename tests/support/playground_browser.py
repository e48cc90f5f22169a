"""Driving the Microsoft 365 Agents Playground's web page in headless Chromium, as people do, for
the tests in tests/playground/ (tests/support/playground.py starts the assistant and the
Playgrounds; tests/support/playground_database.py looks at the assistant's database).

    with running_playgrounds(tmp_path / "run", PEOPLE) as stack:
        with people_at_their_playgrounds(stack, database, shots, notes, tmp_path) as people:
            people["harriet"].open()
            people["harriet"].send("enquiry")
            people["harriet"].press(people["harriet"].cards("Ask for independent moderation"), "Send the enquiry", fill=...)

Things about the Playground (version 0.2.28) the helpers work with:

* Every message card is an `.ac-adaptiveCard`; the compose box is a contenteditable Lexical
  editor, and Enter sends.
* Every button the tests press is Action.Execute: the page posts `adaptiveCard/action` to its
  /_conversation/v1/invoke and puts the card in the answer in place of the one clicked.
  `Person.press` waits for that request and its answer after each click, and fails with the
  assistant's answer when it is not 200.
* The assistant's dispatcher sends notices on its own. A message arriving makes the page render its
  cards again, which loses values typed into a form but not yet sent. So `Person.settle` waits
  until the outbox holds nothing due for the person and their chat has stopped changing; and a
  form whose click sent nothing (the renderer found a required field empty) is filled again and
  sent once more, which `press` records as a note.
* Input.Date is a date picker that also takes typed text: an ISO date typed in is read as
  midnight UTC, so the browser runs in Europe/London (never west of UTC) and the tests check the
  date that was sent. Input.Number is a spin button (it shows 0 when empty).

On a failure inside `people_at_their_playgrounds`: a screenshot and the page of each person, their
page errors and card actions, the notes so far and the end of every process's log.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from tests.support.playground import CHROMIUM, CHROMIUM_FLAGS, PROJECT_ROOT
from tests.support.playground_database import Database

UI_TIMEOUT_MS = 20_000
INVOKE_TIMEOUT_MS = 8_000  # how long a click may take to send its adaptiveCard/action
SETTLE_TIMEOUT = 20.0  # how long to wait for the dispatcher to deliver what is due to a person
QUIET_SECONDS = 1.0  # a chat is settled when its cards have not changed for this long

# The Playground's page (version 0.2.28): every message card is an `.ac-adaptiveCard`, the compose
# box is a contenteditable Lexical editor, and Enter sends.
CARD = ".ac-adaptiveCard"
COMPOSE_BOX = '[role="textbox"][contenteditable="true"]'
INVOKE_PATH = "/_conversation/v1/invoke"  # where the page sends Action.Execute (adaptiveCard/action)

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


# --- what the cards say -----------------------------------------------------------------------------


def long_date(value: date) -> str:
    """A date as the cards write it: Monday 16 January 2023."""
    return f"{_WEEKDAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def fact(label: str, value: str) -> re.Pattern:
    """A FactSet row, as the card's visible text has it: the title, then the value."""
    return re.compile(rf"{re.escape(label)}\s+{re.escape(value)}")


def labelled(label: str) -> re.Pattern:
    """An input's accessible name: its label, then what the renderer adds (" *", an error)."""
    return re.compile(rf"^{re.escape(label)}(\s|$)")


def choice_of(field_label: str, choice: str) -> re.Pattern:
    """A checkbox of an expanded multi-select: named "<field label> ... <choice>"."""
    return re.compile(rf"^{re.escape(field_label)}\b.*\s{re.escape(choice)}$")


# --- the page ---------------------------------------------------------------------------------------


def send(page, text: str) -> None:
    """Type `text` in the compose box and send it."""
    box = page.locator(COMPOSE_BOX)
    box.click()
    box.press_sequentially(text)
    box.press("Enter")


# --- one person at their Playground ----------------------------------------------------------------


class Screenshots:
    """Numbered screenshots in the test's tmp dir, copied to test-results/ for a person to see.

    Each test names its folder there in a subclass: `class EnquiryScreenshots(Screenshots): artifacts = ...`.
    """

    artifacts: Path = PROJECT_ROOT / "test-results" / "playground"

    def __init__(self, directory: Path):
        self.directory = directory
        self.paths: list[Path] = []

    def take(self, target, name: str, **options) -> Path:
        path = self.directory / f"{len(self.paths) + 1:02d}-{name}.png"
        target.screenshot(path=str(path), **options)
        self.paths.append(path)
        return path

    def publish(self, *extra: Path) -> None:
        """Copy the screenshots (and `extra` files: a failure's page) to the test's folder in
        test-results/, replacing what an earlier run left there."""
        artifacts = self.artifacts
        artifacts.mkdir(parents=True, exist_ok=True)
        for old in artifacts.glob("*"):
            if old.is_file() and old.suffix in (".png", ".html", ".txt"):
                old.unlink()
        kept = [path for path in [*self.paths, *extra] if path.exists()]
        for path in kept:
            shutil.copy2(path, artifacts / path.name)
        print("\nScreenshots:\n" + "\n".join(f"  {p}" for p in kept) + f"\nCopied to {artifacts}")


class Person:
    """One person's browser tab on their own Playground, and what happened in it."""

    def __init__(self, key: str, playground, page, shots: Screenshots, database: Database, notes: list[str]):
        self.key = key
        self.user = playground.user
        self.name = playground.user["name"]
        self.url = playground.url
        self.page = page
        self.shots = shots
        self.database = database
        self.notes = notes
        self.person_id = database.person_id(playground.user["email"])
        self.page_errors: list[str] = []
        self.invokes: list[dict] = []  # each adaptiveCard/action the page sent: its data and the answer's status
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def open(self) -> None:
        """Opening the Playground installs the app in a personal chat: the welcome card."""
        from playwright.sync_api import expect

        self.page.goto(self.url)
        expect(self.welcome()).to_be_visible(timeout=UI_TIMEOUT_MS)

    def welcome(self):
        return self.page.locator(CARD, has_text=f"Welcome, {self.name.split()[0]}")

    def cards(self, heading: str | re.Pattern):
        """The cards whose heading is `heading` (exactly, or matching the pattern), oldest first."""
        exact = isinstance(heading, str)
        return self.page.locator(CARD).filter(has=self.page.get_by_role("heading", name=heading, exact=exact or None))

    def send(self, text: str) -> None:
        send(self.page, text)

    def shot(self, target, step: str) -> None:
        self.shots.take(target, f"{self.key}-{step}")

    def settle(self) -> None:
        """Wait until the dispatcher has sent what is due to this person and their chat is still.

        Not a condition of the test (notices are the dispatcher's business): when it takes too long
        the test says so and carries on; a form that loses its values is then filled again.
        """
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while self.database.notices_due(self.person_id):
            if time.monotonic() >= deadline:
                self.notes.append(
                    f"{self.name}: notices were still waiting to be sent after {SETTLE_TIMEOUT:.0f} s: "
                    f"{self.database.notices(self.person_id)}"
                )
                break
            self.page.wait_for_timeout(200)
        quiet_since, last = time.monotonic(), None
        while time.monotonic() < deadline:
            now = self.page.locator(CARD).evaluate_all("cards => cards.map(c => c.innerText).join('\\n---\\n')")
            if now != last:
                quiet_since, last = time.monotonic(), now
            elif time.monotonic() - quiet_since >= QUIET_SECONDS:
                return
            self.page.wait_for_timeout(200)
        self.notes.append(f"{self.name}: the chat was still changing after {SETTLE_TIMEOUT:.0f} s; carried on.")

    def press(self, card, button: str, *, fill=None) -> dict:
        """Click `button` on `card` (after `fill(card)`, for a form); returns the action's data.

        Waits for the page to send the adaptiveCard/action and for the assistant's answer. A form
        whose click sent nothing lost its values to a re-render (see the module docstring): it is
        filled again and sent once more.
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import expect

        target = card.get_by_role("button", name=button, exact=True)
        for attempt in (1, 2):
            if fill is not None:
                fill(card)
            expect(target).to_be_visible()
            try:
                with self.page.expect_request(lambda r: INVOKE_PATH in r.url, timeout=INVOKE_TIMEOUT_MS) as sent:
                    target.click()
            except PlaywrightTimeout:
                if attempt == 2 or fill is None:
                    raise AssertionError(
                        f"{self.name} clicked '{button}' and the page sent nothing within "
                        f"{INVOKE_TIMEOUT_MS / 1000:.0f} s. Page errors: {self.page_errors or 'none'}"
                    ) from None
                self.notes.append(f"{self.name}: '{button}' sent nothing (the form had lost its values): filled again, sent again.")
                continue
            request = sent.value
            response = request.response()
            status = response.status if response else None
            action = json.loads(request.post_data or "{}").get("value", {}).get("action", {})
            self.invokes.append({"verb": action.get("verb"), "data": action.get("data"), "status": status})
            if status != 200:
                answer = response.text()[:2000] if response else f"(no answer: {request.failure})"
                raise AssertionError(
                    f"{self.name} clicked '{button}' (verb {action.get('verb')!r}); the assistant answered {status}: {answer}"
                )
            return action.get("data") or {}
        raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def step(description: str):
    """Name the step a failure happened in, so the report says whose view and which action broke."""
    print(f"\n-- {description}")
    try:
        yield
    except Exception as error:
        raise AssertionError(f"FAILED at step: {description}\n{error}") from error


@contextmanager
def people_at_their_playgrounds(stack, database: Database, shots: Screenshots, notes: list[str], failures: Path):
    """Each person in their own browser context at their own Playground, in one headless Chromium.

    On a failure: a screenshot and the page of each person, their page errors and card actions, the
    notes so far and the end of every process's log.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        people: dict[str, Person] = {}
        try:
            for key, playground in stack.people.items():
                # Tall enough for the whole enquiry form without scrolling the chat; see the module
                # docstring for the time zone.
                context = browser.new_context(viewport={"width": 1400, "height": 2600}, locale="en-GB", timezone_id="Europe/London")
                context.set_default_timeout(UI_TIMEOUT_MS)
                people[key] = Person(key, playground, context.new_page(), shots, database, notes)
            yield people
        except BaseException:
            extra = []
            for key, person in people.items():
                image, html = failures / f"failure-{key}.png", failures / f"failure-{key}.html"
                try:
                    person.page.screenshot(path=str(image))
                    html.write_text(person.page.content(), encoding="utf-8")
                    extra += [image, html]
                except Exception as screenshot_error:  # noqa: BLE001 - the first error matters more
                    print(f"\n(no failure screenshot for {key}: {screenshot_error})")
                print(f"\n{person.name}: page errors {person.page_errors or 'none'}; card actions {person.invokes}")
            shots.publish(*extra)
            print("\nNotes:\n" + "\n".join(f"  {note}" for note in notes) if notes else "")
            print(stack.report(60))
            raise
        finally:
            browser.close()
