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

Things about the Playground (version 0.2.28) this test works with (the helpers of
tests/support/playground_browser.py do the waiting and the filling again described here):

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

import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from tests.support.playground import PROJECT_ROOT, running_playgrounds
from tests.support.playground_browser import CARD, Person, Screenshots, choice_of, fact, labelled, long_date, people_at_their_playgrounds, step
from tests.support.playground_database import Database

pytestmark = pytest.mark.playground

ARTIFACTS = PROJECT_ROOT / "test-results" / "playground-enquiry"

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


def challenge_day(calendar: Path, authority: str) -> date:
    """The challenge day of `authority`'s group, from the demo calendar the stack wrote."""
    data = yaml.safe_load(calendar.read_text(encoding="utf-8"))
    group = next(g for g in data["groups"] if any(m["authority"] == authority for m in g["members"]))
    return group["date"] if isinstance(group["date"], date) else date.fromisoformat(str(group["date"]))


class EnquiryScreenshots(Screenshots):
    """Screenshots published to this test's own folder."""

    artifacts = ARTIFACTS


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
        expect(invitation).to_contain_text(fact("Status", "Discussed: waiting for the practitioner's answer"), use_inner_text=True)
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


def test_an_enquiry_goes_from_the_dcs_to_the_coordinator_to_the_panel_member(tools, tmp_path):
    shots, notes = EnquiryScreenshots(tmp_path), []
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
