"""An ask, an offer and a match between them pass between three people, each in their own
Microsoft 365 Agents Playground, side by side against one running assistant, in headless Chromium:

1. Harriet Quillfeather, DCS of Wokingham, records an ask (`asks`, the form, "Saved 1 ask for
   Wokingham.").
2. Priya Castellane, DCS of Surrey, records an offer on the same theme (`offers`, "Saved 1 offer for
   Surrey.").
3. Harriet sees Surrey's offer suggested under her ask (`my asks`), without Surrey's contact.
4. Jo Carverley, coordinator, sees the suggested match in the `directory` and presses
   "Confirm match <ask>-<offer>": the card says both DCSs have been told.
5. The assistant's dispatcher tells each DCS in Teams, with the other's contact: Harriet's chat gets
   "A match for your ask: ..." and Priya's "Your offer can help Wokingham: ...".
6. The assistant's database holds the two items, one match and the two notices, sent by Teams.

Needs what tests/playground/test_playground.py needs (Chromium at /usr/bin/chromium, Node.js, `npm ci`'s
node_modules); without them this test is skipped, or fails in CI (CI=true).
Run: `.venv/bin/python -m pytest -q tests/playground/test_playground_support.py -s`.

Screenshots of each person's key steps go to the test's tmp dir and are copied to
test-results/playground-support/ (gitignored), named <number>-<person>-<step>.png.

The people, their pages, card actions, settling and failure reports come from
tests/support/playground_browser.py (see its docstring for what the Playground does with cards).
Found while writing this test (Playground 0.2.28): a compact Input.ChoiceSet (more than three
choices: Theme, How it could be taken forward) is a Fluent UI combobox whose options open in a
listbox outside the card, so an option is chosen from the page, by its exact title.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.support.playground import PROJECT_ROOT, running_playgrounds
from tests.support.playground_browser import Person, Screenshots, fact, labelled, people_at_their_playgrounds, step
from tests.support.playground_database import Database, the_day_has_come

pytestmark = pytest.mark.playground

NOTICE_TIMEOUT = 60.0  # how long the dispatcher may take to bring a notice to a person's chat
ARTIFACTS = PROJECT_ROOT / "test-results" / "playground-support"

PEOPLE = {
    "harriet": {"email": "harriet.quillfeather@wokingham.example"},  # DCS of Wokingham
    "priya": {"email": "priya.castellane@surrey.example"},  # DCS of Surrey
    "jo": {"email": "jo.carverley@seslip.example"},  # coordinator
}
THEME, THEME_TITLE = "send", "SEND"
ROUTE, ROUTE_TITLE = "bilateral", "Bilateral: between two authorities"
ASK = {
    "authority": "wokingham",
    "authority_name": "Wokingham",
    "title": "Preparing for adulthood",
    "description": "Transitions for young people with SEND moving to adult social care: planning starts too late.",
}
OFFER = {
    "authority": "surrey",
    "authority_name": "Surrey",
    "title": "A joint transitions team",
    "description": "Our transitions team plans with young people with SEND from 14, with adult social care at the table.",
}


# --- what this test needs beyond the shared helpers ------------------------------------------------


class SupportScreenshots(Screenshots):
    """Screenshots published to this test's own folder."""

    artifacts = ARTIFACTS


class SupportDatabase(Database):
    """The shared looks at the database (tests/support/playground_database.py), and the asks,
    offers, matches and their notices."""

    def items(self) -> list[dict]:
        from sqlalchemy import select

        from storage.people import Authority
        from storage.support import SupportItem

        with self.engine.connect() as connection:
            rows = connection.execute(
                select(
                    SupportItem.id, SupportItem.kind, Authority.code.label("authority"), SupportItem.theme, SupportItem.title,
                    SupportItem.description, SupportItem.route, SupportItem.contact_name, SupportItem.contact_email,
                    SupportItem.status, SupportItem.submitted_by_person_id, SupportItem.on_behalf, SupportItem.cycle_id,
                )
                .join(Authority, Authority.id == SupportItem.authority_id)
                .order_by(SupportItem.id)
            ).mappings()
            return [dict(row) for row in rows]

    def matches(self) -> list[dict]:
        from sqlalchemy import select

        from storage.support import SupportMatch

        with self.engine.connect() as connection:
            rows = connection.execute(
                select(SupportMatch.ask_id, SupportMatch.offer_id, SupportMatch.confirmed_by_person_id, SupportMatch.channel)
                .order_by(SupportMatch.id)
            ).mappings()
            return [dict(row) for row in rows]

    def outbox(self, kind: str) -> list[dict]:
        from sqlalchemy import select

        from storage.outbox import OutboxMessage

        with self.engine.connect() as connection:
            rows = connection.execute(
                select(
                    OutboxMessage.recipient_person_id, OutboxMessage.channel, OutboxMessage.status, OutboxMessage.attempts,
                    OutboxMessage.delivered_channel, OutboxMessage.last_error, OutboxMessage.payload,
                    OutboxMessage.teams_activity_id,
                )
                .where(OutboxMessage.kind == kind)
                .order_by(OutboxMessage.id)
            ).mappings()
            return [dict(row) for row in rows]


def choose(person: Person, form, field_label: str, option: str) -> None:
    """Pick `option` in a compact choice set: a combobox whose listbox opens outside the card."""
    from playwright.sync_api import expect

    combo = form.get_by_role("combobox", name=labelled(field_label))
    combo.click()
    person.page.get_by_role("option", name=option, exact=True).click()
    expect(combo).to_have_value(option)


def notice_arrives(person: Person, heading: str, stack, started: float):
    """Wait (bounded) for the dispatcher's notice with this heading in the person's chat.

    On a timeout, says what the outbox holds for the person (status, attempts, last error) and shows
    the end of the assistant's log: the first places to look when proactive delivery fails.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    notice = person.cards(heading)
    try:
        expect(notice).to_have_count(1, timeout=NOTICE_TIMEOUT * 1000)
    except (AssertionError, PlaywrightTimeout):
        raise AssertionError(
            f"{person.name}'s chat did not show '{heading}' within {NOTICE_TIMEOUT:.0f} s of the match.\n"
            f"The outbox for {person.name}: {person.database.notices(person.person_id)}\n"
            f"The match_confirmed rows: {person.database.outbox('match_confirmed')}\n"
            + stack.assistant.report(60)
        ) from None
    person.notes.append(f"{person.name}: '{heading}' shown {time.monotonic() - started:.1f} s after the match was confirmed.")
    return notice


# --- the story, one person at a time ---------------------------------------------------------------


def everyone_is_welcomed(people: dict[str, Person]) -> None:
    from playwright.sync_api import expect

    with step("Everyone opens their Playground: each is welcomed as who they are"):
        for person in people.values():
            person.open()
        expect(people["harriet"].welcome()).to_contain_text("Director of Children's Services, Wokingham")
        expect(people["priya"].welcome()).to_contain_text("Director of Children's Services, Surrey")
        expect(people["jo"].welcome()).to_contain_text("Coordinator")
        for person in people.values():
            person.shot(person.welcome(), "welcome")


def records_an_item(person: Person, database: SupportDatabase, command: str, kind: str, item: dict) -> int:
    """`asks` or `offers`: the form for their own authority, filled in and saved. Returns the item's id."""
    from playwright.sync_api import expect

    title = f"Record an {kind}"
    with step(f"{person.name} types `{command}`: '{title}', for {item['authority_name']}, their details filled in"):
        person.settle()
        person.send(command)
        form = person.cards(title)
        expect(form).to_have_count(1)
        expect(form.get_by_role("radio", name=item["authority_name"], exact=True)).to_be_checked()
        expect(form.get_by_role("textbox", name=labelled("Contact name"))).to_have_value(person.name)
        expect(form.get_by_role("textbox", name=labelled("Contact email"))).to_have_value(person.user["email"])
        person.shot(form, f"{kind}-form")

    def fill(form) -> None:
        choose(person, form, "Theme", THEME_TITLE)
        short_title = form.get_by_role("textbox", name=labelled("Short title"))
        description = form.get_by_role("textbox", name=labelled("Description"))
        short_title.fill(item["title"])
        description.fill(item["description"])
        choose(person, form, "How it could be taken forward", ROUTE_TITLE)
        expect(short_title).to_have_value(item["title"])
        expect(description).to_have_value(item["description"])
        person.shot(form, f"{kind}-filled")

    with step(f"{person.name} fills in the {kind} ('{item['title']}', {THEME_TITLE}) and presses 'Save'"):
        before = {row["id"] for row in database.items()}
        sent = person.press(form, "Save", fill=fill)
        expected = {
            "kind": kind, "authority": item["authority"], "theme": THEME, "title": item["title"],
            "description": item["description"], "route": ROUTE,
            "contact_name": person.name, "contact_email": person.user["email"],
        }
        assert {name: sent.get(name) for name in expected} == expected, f"the form sent {sent}"
        saved = person.cards("Saved")
        expect(saved).to_have_count(1)
        expect(saved).to_contain_text(f"Saved 1 {kind} for {item['authority_name']}.")
        expect(person.cards(title)).to_have_count(0)  # replaced in place
        person.shot(saved, f"{kind}-saved")
        new = [row for row in database.items() if row["id"] not in before]
        assert len(new) == 1 and new[0]["kind"] == kind and new[0]["title"] == item["title"], f"new items: {new}"
        return new[0]["id"]


def harriet_sees_the_offer_suggested(harriet: Person, ask_id: int) -> None:
    from playwright.sync_api import expect

    with step("Harriet types `my asks`: Surrey's offer is suggested under her ask, without Surrey's contact"):
        harriet.settle()
        harriet.send("my asks")
        mine = harriet.cards("Your authority's asks and offers")
        expect(mine).to_have_count(1)
        expect(mine).to_contain_text(f"Ask {ask_id}: {ASK['title']}")
        expect(mine).to_contain_text("Offers that may help (a coordinator confirms a match before contacts are shared):")
        expect(mine).to_contain_text(f"{OFFER['title']} ({OFFER['authority_name']})")
        expect(mine).to_contain_text(fact("Contact", f"{harriet.name} ({harriet.user['email']})"), use_inner_text=True)
        expect(mine).not_to_contain_text(PEOPLE["priya"]["email"])
        harriet.shot(mine, "my-asks")


def jo_confirms_the_match(jo: Person, ask_id: int, offer_id: int) -> float:
    """Returns when the match was confirmed (time.monotonic())."""
    from playwright.sync_api import expect

    confirm = f"Confirm match {ask_id}-{offer_id}"
    with step(f"Jo (coordinator) types `directory`: the offer under {THEME_TITLE}, the ask, and one suggested match"):
        jo.settle()
        jo.send("directory")
        listing = jo.cards("Directory of support")
        expect(listing).to_have_count(1)
        expect(listing).to_contain_text(f"{THEME_TITLE}: 1")
        expect(listing).to_contain_text(f"{OFFER['title']} ({OFFER['authority_name']}): {OFFER['description']}")
        expect(listing).to_contain_text("For coordinators")
        expect(listing).to_contain_text(f"Asks, {THEME_TITLE}: 1")
        expect(listing).to_contain_text(f"{ASK['title']} ({ASK['authority_name']})")
        expect(listing).to_contain_text("Suggested matches: 1")
        expect(listing).to_contain_text(
            f"{ASK['authority_name']} asks '{ASK['title']}'; {OFFER['authority_name']} offers '{OFFER['title']}'."
        )
        expect(listing).to_contain_text("Confirmed matches: 0")
        expect(listing.get_by_role("button", name=re.compile(r"^Confirm match "))).to_have_count(1)
        expect(listing.get_by_role("button", name=confirm, exact=True)).to_be_visible()
        jo.shot(listing, "directory")

    with step(f"Jo presses '{confirm}': the directory again, the match confirmed and both DCSs told"):
        sent = jo.press(listing, confirm)
        confirmed_at = time.monotonic()
        assert sent == {"ask": ask_id, "offer": offer_id}, f"the button sent {sent}"
        expect(listing).to_have_count(1)  # replaced in place
        expect(listing).to_contain_text(
            f"Matched: {ASK['authority_name']}'s ask '{ASK['title']}' with {OFFER['authority_name']}'s offer "
            f"'{OFFER['title']}'. Both DCSs have been told, with each other's contact."
        )
        expect(listing).to_contain_text("Suggested matches: 0")
        expect(listing).to_contain_text("Confirmed matches: 1")
        expect(listing).to_contain_text(
            f"{ASK['title']} ({ASK['authority_name']}) with {OFFER['title']} ({OFFER['authority_name']}), by {jo.name}"
        )
        expect(listing.get_by_role("button", name=re.compile(r"^Confirm match "))).to_have_count(0)
        jo.shot(listing, "match-confirmed")
    return confirmed_at


def both_dcss_are_told(people: dict[str, Person], stack, confirmed_at: float) -> None:
    from playwright.sync_api import expect

    harriet, priya = people["harriet"], people["priya"]

    both = (
        (harriet, f"A match for your ask: {ASK['title']}", priya, OFFER["authority_name"]),
        (priya, f"Your offer can help {ASK['authority_name']}: {OFFER['title']}", harriet, ASK["authority_name"]),
    )
    for person, heading, other, other_authority in both:
        with step(f"{person.name}'s chat shows the dispatcher's notice '{heading}', with {other.name}'s contact"):
            notice = notice_arrives(person, heading, stack, confirmed_at)
            for label, value in (
                ("Theme", THEME_TITLE),
                ("Ask", f"{ASK['title']} ({ASK['authority_name']})"),
                ("What is asked", ASK["description"]),
                ("Offer", f"{OFFER['title']} ({OFFER['authority_name']})"),
                ("What is offered", OFFER["description"]),
                ("Contact", f"{other.name} ({other.user['email']})"),
            ):
                expect(notice).to_contain_text(fact(label, value), use_inner_text=True)
            expect(notice).to_contain_text(f"Contact at {other_authority}")
            person.shot(notice, "match-notice")


def the_database_tells_the_same_story(database: SupportDatabase, people: dict[str, Person], ask_id: int, offer_id: int) -> None:
    harriet, priya, jo = people["harriet"], people["priya"], people["jo"]
    with step("The assistant's database holds the ask, the offer, one match and the two notices, sent by Teams"):
        items = database.items()
        assert [row["id"] for row in items] == [ask_id, offer_id], items
        for row, kind, item, person in ((items[0], "ask", ASK, harriet), (items[1], "offer", OFFER, priya)):
            assert row["cycle_id"] is not None, row
            assert {k: row[k] for k in ("kind", "authority", "theme", "title", "description", "route", "status")} == {
                "kind": kind, "authority": item["authority"], "theme": THEME, "title": item["title"],
                "description": item["description"], "route": ROUTE, "status": "active",
            }, row
            assert (row["contact_name"], row["contact_email"]) == (person.name, person.user["email"]), row
            assert row["submitted_by_person_id"] == person.person_id and row["on_behalf"] is False, row
        assert database.matches() == [
            {"ask_id": ask_id, "offer_id": offer_id, "confirmed_by_person_id": jo.person_id, "channel": "msteams"}
        ], database.matches()
        told = database.outbox("match_confirmed")
        assert len(told) == 2, told
        assert {row["recipient_person_id"]: row["payload"]["side"] for row in told} == {
            harriet.person_id: "asking", priya.person_id: "offering"
        }, told
        for row in told:
            assert (row["status"], row["delivered_channel"], row["last_error"]) == ("sent", "teams", None), row
            assert row["teams_activity_id"], row
        contacts = {row["recipient_person_id"]: row["payload"]["other_contact"] for row in told}
        assert contacts == {
            harriet.person_id: f"{priya.name} ({priya.user['email']})",
            priya.person_id: f"{harriet.name} ({harriet.user['email']})",
        }, contacts
        for person in people.values():
            assert not person.page_errors, f"{person.name}'s page had errors: {person.page_errors}"


def test_an_ask_and_an_offer_are_matched_by_a_coordinator_and_both_dcss_are_told(tools, tmp_path):
    shots, notes = SupportScreenshots(tmp_path), []
    started = time.monotonic()
    with running_playgrounds(tmp_path / "run", PEOPLE) as stack:
        print(f"\nOne assistant and {len(stack.people)} Playgrounds started in {time.monotonic() - started:.1f} s")
        the_day_has_come(stack.database_url, "1")  # Triad 1 meets today: its notes and asks open
        database = SupportDatabase(stack.database_url)
        try:
            with people_at_their_playgrounds(stack, database, shots, notes, tmp_path) as people:
                everyone_is_welcomed(people)
                ask_id = records_an_item(people["harriet"], database, "asks", "ask", ASK)
                offer_id = records_an_item(people["priya"], database, "offers", "offer", OFFER)
                harriet_sees_the_offer_suggested(people["harriet"], ask_id)
                confirmed_at = jo_confirms_the_match(people["jo"], ask_id, offer_id)
                both_dcss_are_told(people, stack, confirmed_at)
                the_database_tells_the_same_story(database, people, ask_id, offer_id)
                for person in people.values():
                    person.shot(person.page, "chat")
                    sent = [f"{n['kind']} ({n['status']}, {n['delivered_channel'] or '-'})" for n in database.notices(person.person_id)]
                    notes.append(f"Notices to {person.name}: {', '.join(sent) or 'none'}")  # for the record
                print("Card actions sent: " + ", ".join(i["verb"] for p in people.values() for i in p.invokes))
        finally:
            database.close()
    shots.publish()
    print("\nNotes:\n" + "\n".join(f"  {note}" for note in notes))
