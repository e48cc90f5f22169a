"""A DCS agrees her authority's note of the session, each person in their own Microsoft 365 Agents
Playground, side by side against one running assistant, in headless Chromium:

1. Jo Carverley, coordinator, types `notes`, presses "Notes sent for Triad 1", gives the link to the
   notes and presses "Record the notes as sent".
2. Harriet Quillfeather, DCS of Wokingham (Triad 1), receives the dispatcher's notice "Please agree
   the note for Wokingham, Triad 1" and presses "Open the note": the note, waiting for her.
3. She presses "Agree the note": the card is replaced in place by the agreed note, which asks her to
   share it with her Lead Member; the dispatcher's "share it with your Lead Member" notice follows.
   She presses "Shared with our Lead Member": the card records it.
4. `notes` shows her the note as agreed, and the assistant's database holds the same story.

Built on the Playground helpers of tests/support/playground_browser.py (a person at their
Playground, pressing a card's button and waiting for the assistant's answer to the
adaptiveCard/action, letting the dispatcher's notices settle, screenshots, failure reports); see its
docstring for what they work around.

Needs what tests/playground/test_playground.py needs (Chromium at /usr/bin/chromium, Node.js, `npm ci`'s
node_modules); without them this test is skipped, or fails in CI (CI=true).
Run: `.venv/bin/python -m pytest -q tests/playground/test_playground_notes.py -s`.

Screenshots of each person's key steps go to the test's tmp dir and are copied to
test-results/playground-notes/ (gitignored), named <number>-<person>-<step>.png.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.support.playground import PROJECT_ROOT, running_playgrounds
from tests.support.playground_browser import Person, Screenshots, fact, labelled, long_date, people_at_their_playgrounds, step
from tests.support.playground_database import Database, the_day_has_come

pytestmark = pytest.mark.playground

NOTICE_TIMEOUT_MS = 30_000  # how long the dispatcher may take to post a notice in a chat
ARTIFACTS = PROJECT_ROOT / "test-results" / "playground-notes"

PEOPLE = {
    "harriet": {"email": "harriet.quillfeather@wokingham.example"},  # DCS of Wokingham, Triad 1
    "jo": {"email": "jo.carverley@seslip.example"},  # coordinator
}
AUTHORITY = "wokingham"
AUTHORITY_NAME = "Wokingham"
GROUP_KEY = "1"
GROUP_NAME = "Triad 1"
LINK = "https://sharepoint.example/sites/seslip/notes/triad-1.docx"

# The texts of bot/dialogs/notes.py, programme/notes/agreement.py and notify/templates/note_*.j2, lead_member_share.j2.
NOTE_HEADING = f"The note for {AUTHORITY_NAME}, {GROUP_NAME}"
ASKED_NOTICE = f"Please agree the note for {AUTHORITY_NAME}, {GROUP_NAME}"
SHARE_NOTICE = f"Please share the agreed note with your Lead Member: {AUTHORITY_NAME}"
RECORDED = f"The notes of {GROUP_NAME} recorded as sent. Each DCS has been asked to agree their authority's note."
AGREED = (f"Thank you: {AUTHORITY_NAME}'s note is agreed. Please share it with your Lead Member, "
          "and say here when that is done.")
SHARED = "Thank you: the note is recorded as shared with your Lead Member."


class NoteScreenshots(Screenshots):
    """Screenshots published to this test's own folder."""

    artifacts = ARTIFACTS


class NotesDatabase(Database):
    """The shared looks at the database (tests/support/playground_database.py), and the notes."""

    def notes(self, authority: str) -> list[dict]:
        from sqlalchemy import select

        from storage.calendar import Group, NoteAgreement
        from storage.people import Authority

        with self.engine.connect() as connection:
            rows = connection.execute(
                select(
                    Group.key.label("group_key"),
                    NoteAgreement.status,
                    NoteAgreement.version,
                    NoteAgreement.link,
                    NoteAgreement.sent_on,
                    NoteAgreement.sent_by_person_id,
                    NoteAgreement.agreed_on,
                    NoteAgreement.agreed_by_person_id,
                    NoteAgreement.shared_on,
                    NoteAgreement.amendments,
                )
                .join(Group, Group.id == NoteAgreement.group_id)
                .join(Authority, Authority.id == NoteAgreement.authority_id)
                .where(Authority.code == authority)
                .order_by(NoteAgreement.id)
            ).mappings()
            return [dict(row) for row in rows]

    def note(self, authority: str) -> dict:
        found = self.notes(authority)
        assert len(found) == 1, f"expected one note for {authority} in the assistant's database, found {found}"
        return found[0]


# --- the story, one person at a time ---------------------------------------------------------------


def both_are_welcomed(people: dict[str, Person]) -> None:
    from playwright.sync_api import expect

    with step("Harriet and Jo open their Playgrounds: each is welcomed as who they are"):
        for person in people.values():
            person.open()
        expect(people["harriet"].welcome()).to_contain_text("Director of Children's Services, Wokingham")
        expect(people["jo"].welcome()).to_contain_text("Coordinator")
        for person in people.values():
            person.shot(person.welcome(), "welcome")


def jo_records_the_notes_as_sent(jo: Person) -> None:
    from playwright.sync_api import expect

    with step(f"Jo (coordinator) types `notes`: {GROUP_NAME}, notes not yet recorded as sent"):
        jo.settle()
        jo.send("notes")
        overview = jo.cards("Notes of the sessions")
        expect(overview).to_have_count(1)
        expect(overview).to_contain_text(re.compile(rf"{re.escape(GROUP_NAME)}, \w+ \d+ \w+ \d{{4}}\s+Notes not yet recorded as sent\."),
                                         use_inner_text=True)
        expect(overview.get_by_role("button", name=f"Notes sent for {GROUP_NAME}", exact=True)).to_be_visible()
        jo.shot(overview, "notes-overview")

    with step(f"Jo presses 'Notes sent for {GROUP_NAME}': the form asks for the link"):
        jo.press(overview, f"Notes sent for {GROUP_NAME}")
        form = jo.cards("The notes were sent")
        expect(form).to_have_count(1)
        expect(jo.cards("Notes of the sessions")).to_have_count(0)  # replaced in place
        expect(form.get_by_role("textbox", name=labelled("Link to the notes"))).to_be_visible()
        jo.shot(form, "notes-sent-form")

    def fill(card) -> None:
        link = card.get_by_role("textbox", name=labelled("Link to the notes"))
        link.fill(LINK)
        expect(link).to_have_value(LINK)

    with step("Jo gives the link and presses 'Record the notes as sent': the overview, each DCS asked"):
        sent = jo.press(form, "Record the notes as sent", fill=fill)
        assert sent.get("link") == LINK and sent.get("group") == GROUP_KEY, sent
        overview = jo.cards("Notes of the sessions")
        expect(overview).to_have_count(1)
        expect(jo.cards("The notes were sent")).to_have_count(0)
        expect(overview).to_contain_text(RECORDED)
        expect(overview).to_contain_text(f"{AUTHORITY_NAME}: waiting for the DCS (version 1)")
        jo.shot(overview, "notes-recorded")


def harriet_opens_the_note_from_the_notice(harriet: Person):
    from playwright.sync_api import expect

    with step(f"Harriet (DCS) receives the dispatcher's notice '{ASKED_NOTICE}', with 'Open the note'"):
        notice = harriet.cards(ASKED_NOTICE)
        expect(notice).to_have_count(1, timeout=NOTICE_TIMEOUT_MS)
        expect(notice).to_contain_text(fact("The note", LINK), use_inner_text=True)
        expect(notice.get_by_role("button", name="Open the note", exact=True)).to_be_visible()
        harriet.settle()  # nothing else is on its way before she presses
        harriet.shot(notice, "agree-notice")

    with step("Harriet presses 'Open the note': the notice becomes the note, waiting for her"):
        harriet.press(notice, "Open the note")
        note = harriet.cards(NOTE_HEADING)
        expect(note).to_have_count(1)
        expect(harriet.cards(ASKED_NOTICE)).to_have_count(0)  # replaced in place
        for label, value in (("Status", "waiting for the DCS"), ("Version", "1"), ("Link", LINK)):
            expect(note).to_contain_text(fact(label, value), use_inner_text=True)
        for button in ("Agree the note", "Ask for amendments"):
            expect(note.get_by_role("button", name=button, exact=True)).to_be_visible()
        expect(note.get_by_role("button", name="Shared with our Lead Member", exact=True)).to_have_count(0)
        harriet.shot(note, "note-waiting")
    return note


def harriet_agrees_and_shares(harriet: Person, note, database: NotesDatabase) -> None:
    from playwright.sync_api import expect

    with step("Harriet presses 'Agree the note': agreed, in place, and asked to share it with her Lead Member"):
        sent = harriet.press(note, "Agree the note")
        assert sent.get("version") == 1, f"'Agree the note' sent {sent}"
        expect(note).to_contain_text(AGREED)
        agreed_on = database.note(AUTHORITY)["agreed_on"]
        assert agreed_on is not None, "the card says agreed but the database has no agreed_on"
        for label, value in (("Status", "agreed"), ("Agreed", long_date(agreed_on)), ("Shared with the Lead Member", "Not yet")):
            expect(note).to_contain_text(fact(label, value), use_inner_text=True)
        expect(note.get_by_role("button", name="Shared with our Lead Member", exact=True)).to_be_visible()
        for gone in ("Agree the note", "Ask for amendments"):
            expect(note.get_by_role("button", name=gone, exact=True)).to_have_count(0)
        harriet.shot(note, "note-agreed")

    with step(f"The dispatcher's notice '{SHARE_NOTICE}' follows; the agreed note stays as it is"):
        share = harriet.cards(SHARE_NOTICE)
        expect(share).to_have_count(1, timeout=NOTICE_TIMEOUT_MS)
        expect(share).to_contain_text(fact("Link", LINK), use_inner_text=True)
        harriet.settle()
        # A message arriving re-renders the chat: the card she answered must still be the agreed note.
        expect(harriet.cards(NOTE_HEADING)).to_have_count(1)
        expect(note).to_contain_text(AGREED)
        expect(note.get_by_role("button", name="Shared with our Lead Member", exact=True)).to_be_visible()
        harriet.shot(share, "share-notice")

    with step("Harriet presses 'Shared with our Lead Member': the note records it"):
        harriet.press(note, "Shared with our Lead Member")
        expect(note).to_contain_text(SHARED)
        shared_on = database.note(AUTHORITY)["shared_on"]
        assert shared_on is not None, "the card says shared but the database has no shared_on"
        for label, value in (("Status", "agreed"), ("Shared with the Lead Member", long_date(shared_on))):
            expect(note).to_contain_text(fact(label, value), use_inner_text=True)
        expect(note.get_by_role("button")).to_have_count(0)  # nothing left to answer
        harriet.shot(note, "note-shared")

    with step("Harriet types `notes`: her note is agreed"):
        harriet.settle()
        harriet.send("notes")
        overview = harriet.cards("Notes of the sessions")
        expect(overview).to_have_count(1)
        expect(overview).to_contain_text(f"{AUTHORITY_NAME}, {GROUP_NAME}: agreed")
        expect(overview.get_by_role("button", name=f"Open the note for {AUTHORITY_NAME}", exact=True)).to_be_visible()
        harriet.shot(overview, "notes-overview")


def the_database_tells_the_same_story(database: NotesDatabase, people: dict[str, Person]) -> None:
    harriet, jo = people["harriet"], people["jo"]
    with step("The assistant's database holds the same story"):
        note = database.note(AUTHORITY)
        assert note["group_key"] == GROUP_KEY, note
        assert note["status"] == "agreed", note
        assert note["version"] == 1 and note["link"] == LINK, note
        assert note["sent_by_person_id"] == jo.person_id, note
        assert note["agreed_by_person_id"] == harriet.person_id, note
        assert note["agreed_on"] is not None and note["shared_on"] is not None, note
        assert note["sent_on"] <= note["agreed_on"] <= note["shared_on"], note
        assert note["amendments"] == "", note
        kinds = {n["kind"]: n for n in database.notices(harriet.person_id)}
        assert "note_agreement" in kinds, f"no note_agreement notice for Harriet: {list(kinds)}"
        assert "lead_member_share" in kinds, f"no lead_member_share notice for Harriet: {list(kinds)}"
        for kind in ("note_agreement", "lead_member_share"):  # both reached her in Teams, as she saw
            assert kinds[kind]["status"] == "sent" and kinds[kind]["delivered_channel"] == "teams", kinds[kind]
        for person in people.values():
            assert not person.page_errors, f"{person.name}'s page had errors: {person.page_errors}"


def test_a_dcs_agrees_her_note_from_the_card(tools, tmp_path):
    shots, notes = NoteScreenshots(tmp_path), []
    started = time.monotonic()
    with running_playgrounds(tmp_path / "run", PEOPLE) as stack:
        print(f"\nOne assistant and {len(stack.people)} Playgrounds started in {time.monotonic() - started:.1f} s")
        the_day_has_come(stack.database_url, "1")  # Triad 1 meets today: its notes and asks open
        database = NotesDatabase(stack.database_url)
        try:
            with people_at_their_playgrounds(stack, database, shots, notes, tmp_path) as people:
                both_are_welcomed(people)
                assert not database.notes(AUTHORITY), "the demo calendar already holds a note for Wokingham"
                jo_records_the_notes_as_sent(people["jo"])
                note = harriet_opens_the_note_from_the_notice(people["harriet"])
                harriet_agrees_and_shares(people["harriet"], note, database)
                the_database_tells_the_same_story(database, people)
                for person in people.values():
                    person.shot(person.page, "chat")
                    sent = [f"{n['kind']} ({n['status']}, {n['delivered_channel'] or '-'})" for n in database.notices(person.person_id)]
                    notes.append(f"Notices to {person.name}: {', '.join(sent) or 'none'}")  # for the record
                print("Card actions sent: " + ", ".join(i["verb"] for p in people.values() for i in p.invokes))
        finally:
            database.close()
    shots.publish()
    print("\nNotes:\n" + "\n".join(f"  {note}" for note in notes))
