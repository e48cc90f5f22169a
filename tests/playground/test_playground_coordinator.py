"""A coordinator moves a group's date in the Microsoft 365 Agents Playground and sees the reminders
timeline follow it, in headless Chromium against the running assistant:

1. Jo Carverley, coordinator, types `timeline FROM TO` for a few days around the day Triad 2's
   moderation window opens (12 weeks before its challenge day, moved to a working day): Grace
   Albury (Kent) is reminded on that day, as are Kent's delegate and the DCSs and delegates of
   West Sussex and Portsmouth.
2. She types `group 2`: the form "Change the group's day", filled in with the group's date, format
   and venue. She moves the date two weeks later with the date picker and presses "Save the
   change": the card becomes "Group changed", saying the group's people have been told.
3. She types the same `timeline` again: nobody of Triad 2 is reminded on the old day any more; the
   timeline two weeks later shows them.
4. The assistant's database holds the new date, a "group_changed" notice for each of the group's
   people (the dispatcher delivers them, by email: only Jo has a Playground) and the audit entry of
   Jo's change, made in Teams.

Built on the Playground helpers of tests/support/playground_browser.py (a person at their
Playground, pressing a card's button and waiting for the assistant's answer to the
adaptiveCard/action, screenshots, failure reports); see its docstring for what they work around (the
date picker among them).

Needs what tests/playground/test_playground.py needs (Chromium at /usr/bin/chromium, Node.js, `npm ci`'s
node_modules); without them this test is skipped, or fails in CI (CI=true).
Run: `.venv/bin/python -m pytest -q tests/playground/test_playground_coordinator.py -s`.

Screenshots of Jo's key steps go to the test's tmp dir and are copied to
test-results/playground-coordinator/ (gitignored), named <number>-jo-<step>.png.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from tests.support.playground import PROJECT_ROOT, running_playgrounds
from tests.support.playground_browser import Person, Screenshots, labelled, long_date, people_at_their_playgrounds, step
from tests.support.playground_database import Database

pytestmark = pytest.mark.playground

DELIVERY_TIMEOUT = 30.0  # how long the dispatcher may take to send the group's notices
ARTIFACTS = PROJECT_ROOT / "test-results" / "playground-coordinator"

PEOPLE = {"jo": {"email": "jo.carverley@seslip.example"}}  # coordinator
GROUP_KEY = "2"
GROUP_NAME = "Triad 2"
KENT_DCS = "Grace Albury"
MOVED_BY = timedelta(weeks=2)
WINDOW = timedelta(days=2)  # the timeline asked for: this many days either side of the opening day
GROUP_ROLES = ("dcs", "delegate", "participant")  # programme/calendar/group_notices.py's AUTHORITY_ROLES, and the facilitator
LEAD_ROLES = ("dcs", "delegate")  # who is reminded that the moderation window opens

# The texts of bot/dialogs/timeline.py, bot/dialogs/calendar_changes.py, programme/calendar/changes.py
# and programme/reminders/plan.py.
FORM_HEADING = "Change the group's day"
SAVE = "Save the change"
CHANGED_HEADING = "Group changed"
OPENS = "the moderation window opens (12 weeks before the challenge date by default)"
_DAY_LINE = re.compile(r"^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} [A-Z][a-z]+ \d{4}$")


def short_day(value: date) -> str:
    """A date as the change's message writes it (programme/import_report.day): 16 Apr 2027."""
    return f"{value.day} {value:%b %Y}"


def picker_text(value: date) -> str:
    """A date as the Playground's date picker shows it (en-GB): 16 April 2027."""
    return f"{value.day} {value:%B %Y}"


def timeline_heading(start: date, end: date) -> str:
    return f"Reminders from {long_date(start)} to {long_date(end)}"


def opening_line(name: str, authority: str, challenge: date) -> str:
    """One reminder of the timeline, as the card shows it (without the list's bullet)."""
    return f"{name} ({authority}): {OPENS}; {GROUP_NAME} meets on {long_date(challenge)}: the moderation window opens"


def moderation_opens(challenge: date) -> date:
    """The day the moderation window opens: 12 weeks before, on a working day or the next one."""
    from programme.reminders.working_days import on_or_after

    return on_or_after(challenge - timedelta(weeks=12))


# --- the demo calendar the stack wrote ---------------------------------------------------------------


class Calendar:
    """What the demo calendar says of Triad 2 and its people."""

    def __init__(self, path: Path):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.group = next(g for g in data["groups"] if str(g["key"]) == GROUP_KEY)
        assert self.group["name"] == GROUP_NAME, self.group
        raw = self.group["date"]
        self.challenge = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        names = {a["code"]: a["name"] for a in data["authorities"]}
        self.authorities = {m["authority"]: names[m["authority"]] for m in self.group["members"]}
        assert "kent" in self.authorities, f"Kent is no longer in {GROUP_NAME}: {self.authorities}"
        self.people = data["people"]

    def holding(self, roles: tuple[str, ...], *, facilitators: bool = False) -> dict[str, str]:
        """email -> name of the people holding one of `roles` for the group's authorities."""
        found = {}
        for person in self.people:
            for role in person.get("roles", []):
                for_authority = role["role"] in roles and role.get("authority") in self.authorities
                facilitates = facilitators and role["role"] == "facilitator" and str(role.get("group")) == GROUP_KEY
                if for_authority or facilitates:
                    found[person["email"].lower()] = person["name"]
        return found

    def leads(self) -> list[tuple[str, str]]:
        """(name, authority name) of each person reminded that the moderation window opens."""
        pairs = []
        for person in self.people:
            for role in person.get("roles", []):
                if role["role"] in LEAD_ROLES and role.get("authority") in self.authorities:
                    pairs.append((person["name"], self.authorities[role["authority"]]))
        return sorted(set(pairs))


# --- the assistant's database -------------------------------------------------------------------------


class CoordinatorDatabase(Database):
    """The shared looks at the database (tests/support/playground_database.py), and the group, its
    notices and the audit trail."""

    def challenge_date(self, key: str) -> date:
        from sqlalchemy import select

        from storage.calendar import Group

        with self.engine.connect() as connection:
            found = connection.execute(select(Group.challenge_date).where(Group.key == key)).scalars().all()
        assert len(found) == 1, f"expected one group '{key}' in the assistant's database, found {found}"
        return found[0]

    def group_changed(self) -> list[dict]:
        from sqlalchemy import select

        from storage.outbox import OutboxMessage
        from storage.people import Person as PersonRow

        with self.engine.connect() as connection:
            rows = connection.execute(
                select(PersonRow.email, OutboxMessage.status, OutboxMessage.delivered_channel, OutboxMessage.last_error,
                       OutboxMessage.payload, OutboxMessage.idempotency_key)
                .join(PersonRow, PersonRow.id == OutboxMessage.recipient_person_id)
                .where(OutboxMessage.kind == "group_changed")
                .order_by(OutboxMessage.id)
            ).mappings()
            return [dict(row) for row in rows]

    def audit(self, action: str) -> list[dict]:
        from sqlalchemy import select

        from storage.audit import AuditEntry

        with self.engine.connect() as connection:
            rows = connection.execute(
                select(AuditEntry.person_id, AuditEntry.channel, AuditEntry.action, AuditEntry.subject)
                .where(AuditEntry.action == action)
                .order_by(AuditEntry.id)
            ).mappings()
            return [dict(row) for row in rows]


class CoordinatorScreenshots(Screenshots):
    """Screenshots published to this test's own folder."""

    artifacts = ARTIFACTS


# --- what the timeline card shows ---------------------------------------------------------------------


def reminders_by_day(card) -> dict[str, list[str]]:
    """The timeline card's reminders under each day's heading ("Friday 22 January 2027"), bullets removed."""
    days: dict[str, list[str]] = {}
    current = None
    for raw in card.inner_text().splitlines():
        line = raw.strip().lstrip("-•·").strip()
        if not line:
            continue
        if _DAY_LINE.match(line):
            current = days.setdefault(line, [])
        elif current is not None:
            current.append(line)
    return days


def ask_for_timeline(jo: Person, start: date, end: date):
    """Jo types `timeline START END`: the newest card headed with that period."""
    from playwright.sync_api import expect

    heading = timeline_heading(start, end)
    before = jo.cards(heading).count()
    jo.send(f"timeline {start.isoformat()} {end.isoformat()}")
    expect(jo.cards(heading)).to_have_count(before + 1)
    card = jo.cards(heading).last
    expect(card).to_contain_text(re.compile(r"\d+ reminders, if nothing changes meanwhile"))
    return card


def triad_2_lines(days: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each day's moderation-opening reminders for Triad 2 (whatever its date)."""
    found = {}
    for day, lines in days.items():
        mine = [line for line in lines if OPENS in line and f"{GROUP_NAME} meets on" in line]
        if mine:
            found[day] = mine
    return found


# --- the story -----------------------------------------------------------------------------------------


def jo_is_welcomed(jo: Person) -> None:
    from playwright.sync_api import expect

    with step("Jo opens her Playground: she is welcomed as a coordinator"):
        jo.open()
        expect(jo.welcome()).to_contain_text("Coordinator")
        jo.shot(jo.welcome(), "welcome")


def jo_sees_the_opening_on_the_timeline(jo: Person, calendar: Calendar, opens: date) -> None:
    from playwright.sync_api import expect

    start, end = opens - WINDOW, opens + WINDOW
    with step(f"Jo types `timeline {start} {end}`: Kent's moderation window opens on {long_date(opens)}"):
        jo.settle()
        card = ask_for_timeline(jo, start, end)
        days = reminders_by_day(card)
        assert long_date(opens) in days, f"the timeline has no heading for {long_date(opens)}: {list(days)}"
        expected = {opening_line(name, authority, calendar.challenge) for name, authority in calendar.leads()}
        assert opening_line(KENT_DCS, "Kent", calendar.challenge) in expected, calendar.leads()
        shown = set(days[long_date(opens)])
        missing = expected - shown
        assert not missing, f"on {long_date(opens)} the timeline lacks: {sorted(missing)}\nIt shows: {sorted(shown)}"
        elsewhere = {day: lines for day, lines in triad_2_lines(days).items() if day != long_date(opens)}
        assert not elsewhere, f"{GROUP_NAME}'s window opening is also shown on other days: {elsewhere}"
        expect(card).to_contain_text(opening_line(KENT_DCS, "Kent", calendar.challenge))
        jo.shot(card, "timeline-before")


def jo_moves_the_group(jo: Person, calendar: Calendar, moved_to: date) -> str:
    """Returns the "Group changed" card's message."""
    from playwright.sync_api import expect

    old = calendar.challenge
    with step(f"Jo types `group {GROUP_KEY}`: the form '{FORM_HEADING}', with {GROUP_NAME}'s date, format and venue"):
        jo.settle()
        jo.send(f"group {GROUP_KEY}")
        form = jo.cards(FORM_HEADING)
        expect(form).to_have_count(1)
        expect(form).to_contain_text(GROUP_NAME)
        when = form.get_by_role("combobox", name=labelled("Challenge date"))
        expect(when).to_be_visible()
        jo.notes.append(f"The date picker shows the pre-filled challenge date as {when.input_value()!r}.")
        expect(when).to_have_value(picker_text(old))
        expect(form.get_by_role("radio", name="face to face", exact=True)).to_be_checked()
        expect(form.get_by_role("textbox", name=labelled("Venue"))).to_have_value(str(calendar.group.get("location") or ""))
        jo.shot(form, "group-form")

    def fill(card) -> None:
        picker = card.get_by_role("combobox", name=labelled("Challenge date"))
        picker.fill(moved_to.isoformat())
        picker.press("Tab")
        jo.page.keyboard.press("Escape")  # the picker's calendar may have opened
        expect(picker).to_have_value(picker_text(moved_to))

    with step(f"Jo moves the date from {old} to {moved_to} and presses '{SAVE}': '{CHANGED_HEADING}'"):
        sent = jo.press(form, SAVE, fill=fill)
        jo.notes.append(f"'{SAVE}' sent {sent}.")
        assert sent.get("date") == moved_to.isoformat(), f"the date picker sent {sent.get('date')!r}, not {moved_to}"
        assert sent.get("group") == GROUP_KEY, sent
        assert sent.get("format") == calendar.group["format"], f"the format sent is {sent.get('format')!r}"
        assert sent.get("location", "") == str(calendar.group.get("location") or ""), f"the venue sent is {sent.get('location')!r}"
        done = jo.cards(CHANGED_HEADING)
        expect(done).to_have_count(1)
        expect(jo.cards(FORM_HEADING)).to_have_count(0)  # replaced in place
        told = len(calendar.holding(GROUP_ROLES, facilitators=True))
        expect(done).to_contain_text(
            f"{GROUP_NAME} is changed: The challenge day moved from {short_day(old)} to {short_day(moved_to)}. "
            f"Its {told} people have been told; the reminders follow the new date."
        )
        jo.shot(done, "group-changed")
        return done.inner_text()


def jo_sees_the_timeline_follow(jo: Person, calendar: Calendar, old_opens: date, moved_to: date, new_opens: date) -> None:
    from playwright.sync_api import expect

    start, end = old_opens - WINDOW, old_opens + WINDOW
    with step(f"Jo types `timeline {start} {end}` again: Kent's opening is no longer on {long_date(old_opens)}"):
        jo.settle()
        card = ask_for_timeline(jo, start, end)
        days = reminders_by_day(card)
        still = triad_2_lines(days)
        assert not still, f"{GROUP_NAME}'s window opening is still on the timeline for {start}..{end}: {still}"
        expect(card).not_to_contain_text(f"{KENT_DCS} (Kent): {OPENS}")
        jo.shot(card, "timeline-old-days")

    start, end = new_opens - WINDOW, new_opens + WINDOW
    with step(f"Jo types `timeline {start} {end}`: Kent's opening is now on {long_date(new_opens)}"):
        card = ask_for_timeline(jo, start, end)
        days = reminders_by_day(card)
        assert long_date(new_opens) in days, f"the timeline has no heading for {long_date(new_opens)}: {list(days)}"
        expected = {opening_line(name, authority, moved_to) for name, authority in calendar.leads()}
        shown = set(days[long_date(new_opens)])
        missing = expected - shown
        assert not missing, f"on {long_date(new_opens)} the timeline lacks: {sorted(missing)}\nIt shows: {sorted(shown)}"
        elsewhere = {day: lines for day, lines in triad_2_lines(days).items() if day != long_date(new_opens)}
        assert not elsewhere, f"{GROUP_NAME}'s window opening is also shown on other days: {elsewhere}"
        expect(card).to_contain_text(opening_line(KENT_DCS, "Kent", moved_to))
        jo.shot(card, "timeline-new-days")


def wait_for_deliveries(database: CoordinatorDatabase, count: int) -> list[dict]:
    """The group's notices, once the dispatcher has dealt with all of them (or the time is up)."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while True:
        rows = database.group_changed()
        if len(rows) >= count and all(row["status"] not in ("pending", "sending") for row in rows):
            return rows
        if time.monotonic() >= deadline:
            return rows
        time.sleep(0.3)


def mail_sent(mail_dir: Path) -> dict[str, list[str]]:
    """Recipient -> subjects of the emails the file mail backend wrote."""
    found: dict[str, list[str]] = {}
    for path in sorted(mail_dir.glob("*.eml")) if mail_dir.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for address in message.get_all("To", []):
            for _, addr in email.utils.getaddresses([str(address)]):
                found.setdefault(addr.lower(), []).append(str(message["Subject"]))
    return found


def the_database_tells_the_same_story(database: CoordinatorDatabase, jo: Person, calendar: Calendar, moved_to: date,
                                      mail_dir: Path) -> None:
    with step("The assistant's database holds the new date, the group's notices and Jo's audit entry"):
        assert database.challenge_date(GROUP_KEY) == moved_to, f"group {GROUP_KEY} is on {database.challenge_date(GROUP_KEY)}"

        told = calendar.holding(GROUP_ROLES, facilitators=True)
        rows = wait_for_deliveries(database, len(told))
        recipients = [row["email"].lower() for row in rows]
        assert sorted(recipients) == sorted(told), (
            f"group_changed notices went to {sorted(recipients)}; the group's people are {sorted(told)}"
        )
        assert jo.user["email"].lower() not in recipients, "Jo, who made the change, is not one of the group's people"
        for row in rows:
            payload = row["payload"]
            assert payload["group_name"] == GROUP_NAME and payload["challenge_date"] == moved_to.isoformat(), row
            assert any(f"to {short_day(moved_to)}" in change for change in payload["changes"]), row
            assert row["idempotency_key"].startswith("group-changed/") and f"/{GROUP_KEY}/" in row["idempotency_key"], row
        undelivered = [row for row in rows if row["status"] != "sent"]
        assert not undelivered, f"the dispatcher did not deliver these within {DELIVERY_TIMEOUT:.0f} s: {undelivered}"
        channels = {row["delivered_channel"] for row in rows}
        jo.notes.append(f"The {len(rows)} group_changed notices were delivered by: {sorted(channels)}")

        mails = mail_sent(mail_dir)
        for row in rows:  # what went by email is in the file mail backend's folder
            if row["delivered_channel"] == "email":
                subjects = mails.get(row["email"].lower(), [])
                assert any(f"{GROUP_NAME} has changed" in s for s in subjects), (
                    f"no email '{GROUP_NAME} has changed' to {row['email']} in {mail_dir}: {subjects}"
                )

        entries = database.audit("group.save")
        assert len(entries) == 1, f"expected one audit entry group.save, found {entries}"
        entry = entries[0]
        assert entry["person_id"] == jo.person_id and entry["channel"] == "msteams", entry
        assert f"group={GROUP_KEY}" in entry["subject"].split(), entry
        assert not jo.page_errors, f"Jo's page had errors: {jo.page_errors}"


def test_a_coordinator_moves_a_group_and_the_timeline_follows(tools, tmp_path):
    shots, notes = CoordinatorScreenshots(tmp_path), []
    started = time.monotonic()
    with running_playgrounds(tmp_path / "run", PEOPLE) as stack:
        print(f"\nThe assistant and Jo's Playground started in {time.monotonic() - started:.1f} s")
        database = CoordinatorDatabase(stack.database_url)
        try:
            with people_at_their_playgrounds(stack, database, shots, notes, tmp_path) as people:
                jo = people["jo"]
                calendar = Calendar(stack.calendar)
                old_opens = moderation_opens(calendar.challenge)
                moved_to = calendar.challenge + MOVED_BY
                new_opens = moderation_opens(moved_to)
                assert new_opens - old_opens > 2 * WINDOW, (old_opens, new_opens)
                assert database.challenge_date(GROUP_KEY) == calendar.challenge, "the database and the demo calendar differ"
                assert not database.group_changed(), "the demo calendar already told someone that a group changed"
                notes.append(f"{GROUP_NAME}: {calendar.challenge} -> {moved_to}; window opens {old_opens} -> {new_opens}")

                jo_is_welcomed(jo)
                jo_sees_the_opening_on_the_timeline(jo, calendar, old_opens)
                jo_moves_the_group(jo, calendar, moved_to)
                jo_sees_the_timeline_follow(jo, calendar, old_opens, moved_to, new_opens)
                the_database_tells_the_same_story(database, jo, calendar, moved_to, stack.workdir / "mail")
                jo.shot(jo.page, "chat")
                print("Card actions sent: " + ", ".join(f"{i['verb']} ({i['status']})" for i in jo.invokes))
        finally:
            database.close()
    shots.publish()
    print("\nNotes:\n" + "\n".join(f"  {note}" for note in notes))
