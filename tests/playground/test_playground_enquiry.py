"""A moderation enquiry passes between three people, each in their own Microsoft 365 Agents
Playground, side by side against one running assistant, in headless Chromium:

1. Harriet Quillfeather, DCS of Wokingham, asks for universal moderation (`enquiry`, the form,
   "Enquiry sent" with its number).
2. Robin Ashcombe, moderation coordinator, opens it from `enquiries`, marks the discussion arranged,
   records the agreed package, finds a practitioner and invites Nina Oseiwood.
3. Nina Oseiwood, panel member for Kent, opens the invitation from `my assignments`, records that
   they have talked, and accepts (Accept appears only after the discussion).
4. Robin sees "Practitioner accepted" (`enquiry N`), Harriet sees it in `my enquiries`, and the
   assistant's database holds the same story.

Needs what tests/playground/test_playground.py needs (Chromium at /usr/bin/chromium, Node.js, `npm ci`'s
node_modules); without them this test is skipped, or fails in CI (CI=true).
Run: `.venv/bin/python -m pytest -q tests/playground/test_playground_enquiry.py -s`.

Screenshots of each person's key steps go to the test's tmp dir and are copied to
test-results/playground-enquiry/ (gitignored), named <number>-<person>-<step>.png.

Things about the Playground (version 0.2.28) this test works with:

* Every button here is Action.Execute: the page posts `adaptiveCard/action` to its
  /_conversation/v1/invoke and puts the card in the answer in place of the one clicked. The test
  waits for that request and its answer after each click, and fails with the assistant's log when
  the answer is not 200.
* The assistant's dispatcher sends notices on its own (a new enquiry to Robin, stage changes to
  Harriet, the invitation to Nina). A message arriving makes the page render its cards again, which
  loses values typed into a form but not yet sent. So before a person starts, the test waits until
  the outbox holds nothing due for them and their chat has stopped changing; and a form whose click
  sent nothing (the renderer found a required field empty) is filled again and sent once more,
  which the test prints as a note.
* Input.Date is a date picker that also takes typed text: an ISO date typed in is read as
  midnight UTC, so the browser runs in Europe/London (never west of UTC) and the test checks the
  date that was sent. Input.Number is a spin button (it shows 0 when empty).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from tests.support.playground import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    PROJECT_ROOT,
    require_tools,
    running_playgrounds,
)

pytestmark = pytest.mark.playground

UI_TIMEOUT_MS = 20_000
INVOKE_TIMEOUT_MS = 8_000  # how long a click may take to send its adaptiveCard/action
SETTLE_TIMEOUT = 20.0  # how long to wait for the dispatcher to deliver what is due to a person
QUIET_SECONDS = 1.0  # a chat is settled when its cards have not changed for this long
ARTIFACTS = PROJECT_ROOT / "test-results" / "playground-enquiry"

# The Playground's page (version 0.2.28): every message card is an `.ac-adaptiveCard`, the compose
# box is a contenteditable Lexical editor, and Enter sends.
CARD = ".ac-adaptiveCard"
COMPOSE_BOX = '[role="textbox"][contenteditable="true"]'
INVOKE_PATH = "/_conversation/v1/invoke"

PEOPLE = {
    "harriet": {"email": "harriet.quillfeather@wokingham.example"},  # DCS of Wokingham, Triad 1
    "robin": {"email": "robin.ashcombe@hampshire.example"},  # moderation coordinator
    "nina": {"email": "nina.oseiwood@kent.example"},  # panel member for Kent
}
AUTHORITY = "wokingham"
AUTHORITY_NAME = "Wokingham"
PRACTITIONER = "Nina Oseiwood"
PRACTITIONER_AUTHORITY = "Kent"
UNIVERSAL = "Universal moderation (usually 2-4 days of one practitioner)"
CONCLUSION = "Our early help offer has reduced repeat referrals to children's social care."
WORK = ("Case file review", "Performance indicator validation")
EXPERTISE = ("Safeguarding",)
DAYS = "3"
SCOPE = "Audit of 20 early help case files and the re-referral indicators, with a short written report."
TIMES = "Tuesday or Thursday afternoon next week"


# --- what the cards say -----------------------------------------------------------------------------


def long_date(value: date) -> str:
    """A date as the cards write it: Monday 16 January 2023."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def fact(label: str, value: str) -> re.Pattern:
    """A FactSet row, as the card's visible text has it: the title, then the value."""
    return re.compile(rf"{re.escape(label)}\s+{re.escape(value)}")


def labelled(label: str) -> re.Pattern:
    """An input's accessible name: its label, then what the renderer adds (" *", an error)."""
    return re.compile(rf"^{re.escape(label)}(\s|$)")


def choice_of(field_label: str, choice: str) -> re.Pattern:
    """A checkbox of an expanded multi-select: named "<field label> ... <choice>"."""
    return re.compile(rf"^{re.escape(field_label)}\b.*\s{re.escape(choice)}$")


def challenge_day(calendar: Path, authority: str) -> date:
    """The challenge day of `authority`'s group, from the demo calendar the stack wrote."""
    data = yaml.safe_load(calendar.read_text(encoding="utf-8"))
    group = next(g for g in data["groups"] if any(m["authority"] == authority for m in g["members"]))
    return group["date"] if isinstance(group["date"], date) else date.fromisoformat(str(group["date"]))


# --- the assistant's database -------------------------------------------------------------------------


class Database:
    """Read-only looks at the assistant's SQLite database while it runs."""

    def __init__(self, url: str):
        from sqlalchemy import create_engine

        self.engine = create_engine(url, connect_args={"timeout": 10})

    def close(self) -> None:
        self.engine.dispose()

    def person_id(self, email: str) -> int:
        from sqlalchemy import select

        from storage.people import Person

        with self.engine.connect() as connection:
            found = connection.execute(select(Person.id).where(Person.email == email)).scalar_one_or_none()
        assert found is not None, f"{email} is not in the assistant's database: has the demo calendar changed?"
        return found

    def notices_due(self, person_id: int) -> int:
        """Notices for this person that the dispatcher has still to send now."""
        from sqlalchemy import and_, func, or_, select

        from storage.base import utcnow
        from storage.outbox import OutboxMessage

        now = utcnow()
        due = and_(  # what notify/dispatcher.py claims, and what it is sending
            OutboxMessage.status == "pending",
            OutboxMessage.due_at <= now,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        with self.engine.connect() as connection:
            return connection.execute(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.recipient_person_id == person_id, or_(due, OutboxMessage.status == "sending")
                )
            ).scalar_one()

    def notices(self, person_id: int) -> list[dict]:
        from sqlalchemy import select

        from storage.outbox import OutboxMessage

        with self.engine.connect() as connection:
            rows = connection.execute(
                select(OutboxMessage.kind, OutboxMessage.status, OutboxMessage.delivered_channel, OutboxMessage.last_error)
                .where(OutboxMessage.recipient_person_id == person_id)
                .order_by(OutboxMessage.id)
            ).mappings()
            return [dict(row) for row in rows]

    def enquiry(self, enquiry_id: int) -> dict:
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from storage.moderation import Assignment, Enquiry, EnquiryEvent
        from storage.people import Authority

        with Session(self.engine) as session:
            enquiry = session.get(Enquiry, enquiry_id)
            assert enquiry is not None, f"there is no enquiry {enquiry_id} in the assistant's database"
            events = session.scalars(select(EnquiryEvent).where(EnquiryEvent.enquiry_id == enquiry_id).order_by(EnquiryEvent.id))
            assignments = session.scalars(select(Assignment).where(Assignment.enquiry_id == enquiry_id).order_by(Assignment.id))
            return {
                "authority": session.get(Authority, enquiry.authority_id).code,
                "stage": enquiry.stage,
                "support": enquiry.support,
                "conclusion": enquiry.conclusion,
                "work": list(enquiry.work),
                "expertise": list(enquiry.expertise),
                "estimated_days": enquiry.estimated_days,
                "agreed_days": enquiry.agreed_days,
                "agreed_scope": enquiry.agreed_scope,
                "report_needed_by": enquiry.report_needed_by,
                "report_due": enquiry.report_due,
                "submitted_by": enquiry.submitted_by_person_id,
                "events": [(e.to_stage, e.person_id, e.channel, e.reason) for e in events],
                "assignments": [
                    {"person_id": a.person_id, "status": a.status, "days_agreed": a.days_agreed,
                     "times_offered": a.times_offered, "discussed": a.discussed_at is not None}
                    for a in assignments
                ],
            }


# --- one person at their Playground ----------------------------------------------------------------


class Screenshots:
    """Numbered screenshots in the test's tmp dir, copied to test-results/ for a person to see."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.paths: list[Path] = []

    def take(self, target, name: str, **options) -> Path:
        path = self.directory / f"{len(self.paths) + 1:02d}-{name}.png"
        target.screenshot(path=str(path), **options)
        self.paths.append(path)
        return path

    def publish(self, *extra: Path) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob("*"):
            if old.is_file() and old.suffix in (".png", ".html", ".txt"):
                old.unlink()
        kept = [path for path in [*self.paths, *extra] if path.exists()]
        for path in kept:
            shutil.copy2(path, ARTIFACTS / path.name)
        print("\nScreenshots:\n" + "\n".join(f"  {p}" for p in kept) + f"\nCopied to {ARTIFACTS}")


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
        box = self.page.locator(COMPOSE_BOX)
        box.click()
        box.press_sequentially(text)
        box.press("Enter")

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


def report_date(calendar: Path, today: date) -> date:
    """A report date for universal moderation: before the challenge day (so no reason is needed)
    and not in the past."""
    challenge = challenge_day(calendar, AUTHORITY)
    report_by = max(challenge - timedelta(days=14), today + timedelta(days=1))
    assert report_by < challenge, f"the demo calendar's challenge day for {AUTHORITY} ({challenge}) is too close to test with"
    return report_by


# --- the story, one person at a time ---------------------------------------------------------------


def everyone_is_welcomed(people: dict[str, Person]) -> None:
    from playwright.sync_api import expect

    with step("Everyone opens their Playground: each is welcomed as who they are"):
        for person in people.values():
            person.open()
        expect(people["harriet"].welcome()).to_contain_text("Director of Children's Services, Wokingham")
        expect(people["robin"].welcome()).to_contain_text("Moderation coordinator")
        expect(people["nina"].welcome()).to_contain_text("Panel member, Kent")
        for person in people.values():
            person.shot(person.welcome(), "welcome")


def harriet_asks_for_moderation(harriet: Person, report_by: date) -> int:
    """Returns the enquiry's number, from the "Enquiry sent" card."""
    from playwright.sync_api import expect

    with step("Harriet (DCS) types `enquiry`: the form, for Wokingham, her details filled in"):
        harriet.settle()
        harriet.send("enquiry")
        form = harriet.cards("Ask for independent moderation")
        expect(form).to_have_count(1)
        expect(form.get_by_role("radio", name=AUTHORITY_NAME, exact=True)).to_be_checked()
        expect(form.get_by_role("textbox", name=labelled("Contact name"))).to_have_value(harriet.name)
        expect(form.get_by_role("textbox", name=labelled("Contact email"))).to_have_value(harriet.user["email"])
        harriet.shot(form, "enquiry-form")

    def fill(form) -> None:
        conclusion = form.get_by_role("textbox", name=labelled("Conclusion or area to verify"))
        days = form.get_by_role("spinbutton", name=labelled("Estimated days"))
        form.get_by_role("radio", name=UNIVERSAL, exact=True).check()
        conclusion.fill(CONCLUSION)
        for work in WORK:
            form.get_by_role("checkbox", name=choice_of("Kinds of work wanted", work)).check()
        for area in EXPERTISE:
            form.get_by_role("checkbox", name=choice_of("Expertise needed", area)).check()
        days.fill(DAYS)
        when = form.get_by_role("combobox", name=labelled("Report needed by"))
        when.fill(report_by.isoformat())
        when.press("Tab")
        harriet.page.keyboard.press("Escape")  # the picker's calendar may have opened
        expect(conclusion).to_have_value(CONCLUSION)
        expect(days).to_have_value(DAYS)
        harriet.shot(form, "enquiry-filled")

    with step(f"Harriet fills the form (universal, {DAYS} days, report by {report_by}) and presses 'Send the enquiry'"):
        sent = harriet.press(form, "Send the enquiry", fill=fill)
        assert sent.get("report_by") == report_by.isoformat(), f"the date picker sent {sent.get('report_by')!r}"
        assert sent.get("support") == "universal" and sent.get("authority") == AUTHORITY, sent
        done = harriet.cards("Enquiry sent")
        expect(done).to_have_count(1)
        expect(done).to_contain_text(re.compile(rf"Your enquiry for {AUTHORITY_NAME} \(number \d+\) has gone to the moderation team\."))
        expect(harriet.cards("Ask for independent moderation")).to_have_count(0)  # replaced in place
        harriet.shot(done, "enquiry-sent")
        return int(re.search(r"number (\d+)", done.inner_text()).group(1))


def robin_agrees_a_package_and_invites_nina(robin: Person, harriet: Person, number: int, report_by: date) -> None:
    from playwright.sync_api import expect

    heading = f"Enquiry {number}: {AUTHORITY_NAME}"
    with step(f"Robin (coordinator) types `enquiries`: enquiry {number} is there, received"):
        robin.settle()  # the dispatcher's "new enquiry" notice, if it comes, comes first
        notice = robin.page.locator(CARD, has_text=f"Moderation enquiry {number} from {AUTHORITY_NAME}")
        if notice.count():
            robin.notes.append(f"Robin received the dispatcher's notice 'Moderation enquiry {number} from {AUTHORITY_NAME}'.")
            robin.shot(notice.first, "new-enquiry-notice")
        robin.send("enquiries")
        listing = robin.cards(re.compile(r"^Moderation enquiries: \d+$"))
        expect(listing).to_have_count(1)
        expect(listing).to_contain_text(f"{heading}, received")
        expect(listing).to_contain_text(CONCLUSION)
        robin.shot(listing, "enquiries")

    with step(f"Robin presses 'Open enquiry {number}': the enquiry, at Received, as Harriet sent it"):
        robin.press(listing, f"Open enquiry {number}")
        card = robin.cards(heading)
        expect(card).to_have_count(1)
        for label, value in (
            ("Stage", "Received"),
            ("Conclusion to verify", CONCLUSION),
            ("Estimated days", DAYS),
            ("Report needed by", long_date(report_by)),
            ("Contact", f"{harriet.name} ({harriet.user['email']})"),
        ):
            expect(card).to_contain_text(fact(label, value), use_inner_text=True)
        robin.shot(card, "enquiry-received")

    with step("Robin presses 'Discussion arranged': the card shows the new stage"):
        robin.press(card, "Discussion arranged")
        expect(card).to_contain_text(f"Enquiry {number} is now at 'Discussion arranged'.")
        expect(card).to_contain_text(fact("Stage", "Discussion arranged"), use_inner_text=True)
        robin.shot(card, "discussion-arranged")

    with step("Robin presses 'Record the agreed package': the package form, with the estimate"):
        robin.press(card, "Record the agreed package")
        package = robin.cards("The agreed package")
        expect(package).to_have_count(1)
        expect(package).to_contain_text(heading)
        expect(package.get_by_role("spinbutton", name=labelled("Days agreed"))).to_have_value(DAYS)
        robin.shot(package, "package-form")

    def fill_package(form) -> None:
        scope = form.get_by_role("textbox", name=labelled("Scope of the work"))
        form.get_by_role("spinbutton", name=labelled("Days agreed")).fill(DAYS)
        scope.fill(SCOPE)
        expect(scope).to_have_value(SCOPE)

    with step("Robin fills the scope and presses 'Record the package': Package agreed"):
        sent = robin.press(package, "Record the package", fill=fill_package)
        assert sent.get("report_due") == report_by.isoformat(), f"the package form sent report_due={sent.get('report_due')!r}"
        card = robin.cards(heading)
        expect(card).to_have_count(1)
        for label, value in (("Stage", "Package agreed"), ("Days agreed", DAYS), ("Scope", SCOPE), ("Report due by", long_date(report_by))):
            expect(card).to_contain_text(fact(label, value), use_inner_text=True)
        expect(robin.cards("The agreed package")).to_have_count(0)
        robin.shot(card, "package-agreed")

    with step(f"Robin presses 'Find a practitioner': {PRACTITIONER} is suggested, nobody from {AUTHORITY_NAME}"):
        robin.press(card, "Find a practitioner")
        suggestions = robin.cards(f"Practitioners for enquiry {number}: {AUTHORITY_NAME}")
        expect(suggestions).to_have_count(1)
        expect(suggestions).to_contain_text(f"{PRACTITIONER}, {PRACTITIONER_AUTHORITY}")
        # Each suggestion is "<name>, <their authority>" above its Invite button.
        text = suggestions.inner_text()
        for invite in suggestions.get_by_role("button", name=re.compile(r"^Invite ")).all():
            name = invite.inner_text().strip().removeprefix("Invite ")
            home = re.search(rf"^{re.escape(name)}, (.+)$", text, re.M)
            assert home and home.group(1).strip() != AUTHORITY_NAME, f"suggested: {name} ({home and home.group(1)})"
        robin.shot(suggestions, "suggestions")

    with step(f"Robin presses 'Invite {PRACTITIONER}': the invitation form"):
        robin.press(suggestions, f"Invite {PRACTITIONER}")
        invitation = robin.cards("Invite a practitioner")
        expect(invitation).to_have_count(1)
        expect(invitation).to_contain_text(heading)
        robin.shot(invitation, "invite-form")

    def fill_times(form) -> None:
        times = form.get_by_role("textbox", name=labelled("Times you can offer for the discussion"))
        times.fill(TIMES)
        expect(times).to_have_value(TIMES)

    with step("Robin offers times and presses 'Send the invitation': Practitioner invited"):
        robin.press(invitation, "Send the invitation", fill=fill_times)
        card = robin.cards(heading)
        expect(card).to_have_count(1)
        expect(card).to_contain_text(f"{PRACTITIONER} ({PRACTITIONER_AUTHORITY}) is invited to enquiry {number}.")
        expect(card).to_contain_text(fact("Stage", "Practitioner invited"), use_inner_text=True)
        expect(card).to_contain_text(f"{PRACTITIONER} ({PRACTITIONER_AUTHORITY}): invited; {DAYS} days agreed")
        robin.shot(card, "practitioner-invited")


def nina_talks_it_over_and_accepts(nina: Person, number: int, report_by: date) -> None:
    from playwright.sync_api import expect

    with step(f"Nina (panel member) types `my assignments`: the invitation to enquiry {number}"):
        nina.settle()  # the dispatcher's invitation notice, if it comes, comes first
        notice = nina.page.locator(CARD, has_text=f"An invitation to a piece of moderation work for {AUTHORITY_NAME}")
        if notice.count():
            button = notice.first.get_by_role("button", name="Open the invitation", exact=True).count() > 0
            nina.notes.append(f"Nina received the dispatcher's invitation notice (with 'Open the invitation': {button}).")
            nina.shot(notice.first, "invitation-notice")
        nina.send("my assignments")
        assignments = nina.cards("Your panel assignments")
        expect(assignments).to_have_count(1)
        expect(assignments).to_contain_text(f"Enquiry {number}, {AUTHORITY_NAME}: invited: discussion to come")
        open_button = assignments.get_by_role("button", name=re.compile(r"^Open invitation \d+$"))
        expect(open_button).to_have_count(1)
        open_label = open_button.inner_text().strip()
        nina.shot(assignments, "my-assignments")

    with step(f"Nina presses '{open_label}': the work, the times offered, and no Accept before the discussion"):
        nina.press(assignments, open_label)
        invitation = nina.cards(f"Invitation: enquiry {number}, {AUTHORITY_NAME}")
        expect(invitation).to_have_count(1)
        for label, value in (
            ("Status", "Invited: discussion to come"),
            ("Scope", SCOPE),
            ("Days", DAYS),
            ("Report due by", long_date(report_by)),
            ("Times offered for the discussion", TIMES),
        ):
            expect(invitation).to_contain_text(fact(label, value), use_inner_text=True)
        for button in ("When I can talk", "We have talked", "Decline"):
            expect(invitation.get_by_role("button", name=button, exact=True)).to_be_visible()
        expect(invitation.get_by_role("button", name="Accept", exact=True)).to_have_count(0)
        nina.shot(invitation, "invitation")

    with step("Nina presses 'We have talked': the discussion is recorded and Accept appears"):
        nina.press(invitation, "We have talked")
        expect(invitation).to_contain_text(f"The discussion about enquiry {number} is recorded. You can now accept or decline.")
        expect(invitation).to_contain_text(fact("Status", "Discussed: waiting for your answer"), use_inner_text=True)
        expect(invitation.get_by_role("button", name="Accept", exact=True)).to_be_visible()
        expect(invitation.get_by_role("button", name="We have talked", exact=True)).to_have_count(0)
        nina.shot(invitation, "discussed")

    with step("Nina presses 'Accept': she has accepted"):
        nina.press(invitation, "Accept")
        expect(invitation).to_contain_text(f"Thank you: you have accepted the work on enquiry {number} for {AUTHORITY_NAME}.")
        expect(invitation).to_contain_text(fact("Status", "Accepted"), use_inner_text=True)
        expect(invitation.get_by_role("button", name="Accept", exact=True)).to_have_count(0)
        nina.shot(invitation, "accepted")


def robin_and_harriet_see_it_accepted(robin: Person, harriet: Person, number: int) -> None:
    from playwright.sync_api import expect

    heading = f"Enquiry {number}: {AUTHORITY_NAME}"
    with step(f"Robin types `enquiry {number}`: Practitioner accepted"):
        robin.settle()
        before = robin.cards(heading).count()  # the one he worked on
        robin.send(f"enquiry {number}")
        expect(robin.cards(heading)).to_have_count(before + 1)
        latest = robin.cards(heading).last
        expect(latest).to_contain_text(fact("Stage", "Practitioner accepted"), use_inner_text=True)
        expect(latest).to_contain_text(f"{PRACTITIONER} ({PRACTITIONER_AUTHORITY}): accepted; {DAYS} days agreed")
        expect(latest.get_by_role("button", name="Work has started", exact=True)).to_be_visible()
        robin.shot(latest, "practitioner-accepted")
        # The dispatcher replaces Robin's "new enquiry" notice in place when someone else moves the
        # enquiry on (Nina's acceptance): for the record, what it shows now.
        notice = robin.page.locator(CARD, has_text=f"Moderation enquiry {number} from {AUTHORITY_NAME}")
        if notice.count():
            stage_now = re.search(r"Stage\s+(.+)", notice.first.inner_text())
            robin.notes.append(f"Robin's new-enquiry notice now shows the stage: {stage_now.group(1) if stage_now else '?'}")
            robin.shot(notice.first, "notice-updated")

    with step("Harriet types `my enquiries`: her enquiry, practitioner accepted"):
        harriet.settle()
        harriet.send("my enquiries")
        mine = harriet.cards("Your authority's enquiries")
        expect(mine).to_have_count(1)
        expect(mine).to_contain_text(f"{heading}, practitioner accepted")
        harriet.shot(mine, "my-enquiries")


def the_database_tells_the_same_story(database: Database, people: dict[str, Person], number: int, report_by: date) -> None:
    harriet, robin, nina = people["harriet"], people["robin"], people["nina"]
    with step("The assistant's database holds the same story"):
        story = database.enquiry(number)
        assert story["authority"] == AUTHORITY
        assert story["stage"] == "practitioner_accepted"
        assert story["support"] == "universal"
        assert story["conclusion"] == CONCLUSION
        assert sorted(story["work"]) == ["case_files", "indicators"], story["work"]
        assert story["expertise"] == ["safeguarding"]
        assert story["estimated_days"] == float(DAYS) and story["agreed_days"] == float(DAYS)
        assert story["agreed_scope"] == SCOPE
        assert story["report_needed_by"] == report_by and story["report_due"] == report_by
        assert story["submitted_by"] == harriet.person_id
        # Nina's acceptance moves the enquiry on, recorded as hers.
        assert [(stage, by, reason) for stage, by, _, reason in story["events"]] == [
            ("received", harriet.person_id, ""),
            ("discussion_arranged", robin.person_id, ""),
            ("package_agreed", robin.person_id, ""),
            ("practitioner_invited", robin.person_id, ""),
            ("practitioner_accepted", nina.person_id, ""),
        ], story["events"]
        assert {channel for _, _, channel, _ in story["events"]} == {"msteams"}, story["events"]
        assert story["assignments"] == [
            {"person_id": nina.person_id, "status": "accepted", "days_agreed": float(DAYS), "times_offered": TIMES, "discussed": True}
        ], story["assignments"]
        for person in people.values():
            assert not person.page_errors, f"{person.name}'s page had errors: {person.page_errors}"


@pytest.fixture
def tools():
    require_tools()


def test_an_enquiry_goes_from_the_dcs_to_the_coordinator_to_the_panel_member(tools, tmp_path):
    shots, notes = Screenshots(tmp_path), []
    started = time.monotonic()
    with running_playgrounds(tmp_path / "run", PEOPLE) as stack:
        print(f"\nOne assistant and {len(stack.people)} Playgrounds started in {time.monotonic() - started:.1f} s")
        database = Database(stack.database_url)
        try:
            with people_at_their_playgrounds(stack, database, shots, notes, tmp_path) as people:
                report_by = report_date(stack.calendar, date.today())
                everyone_is_welcomed(people)
                number = harriet_asks_for_moderation(people["harriet"], report_by)
                robin_agrees_a_package_and_invites_nina(people["robin"], people["harriet"], number, report_by)
                nina_talks_it_over_and_accepts(people["nina"], number, report_by)
                robin_and_harriet_see_it_accepted(people["robin"], people["harriet"], number)
                the_database_tells_the_same_story(database, people, number, report_by)
                for person in people.values():
                    person.shot(person.page, "chat")
                    sent = [f"{n['kind']} ({n['status']}, {n['delivered_channel'] or '-'})" for n in database.notices(person.person_id)]
                    notes.append(f"Notices to {person.name}: {', '.join(sent) or 'none'}")  # for the record
                print("Card actions sent: " + ", ".join(i["verb"] for p in people.values() for i in p.invokes))
        finally:
            database.close()
    shots.publish()
    print("\nNotes:\n" + "\n".join(f"  {note}" for note in notes))
