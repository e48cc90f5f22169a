"""person export EMAIL: everything held about one person, for a subject access request (coordinators).
By email the two files come attached (JSON and HTML); in Teams, as signed links tied to the
coordinator that expire soon, as other exports do."""

from __future__ import annotations

from bot.cards.elements import card, heading, paragraph
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.dialogs.exports import email_with_files
from bot.export_links import LIFETIME
from bot.exports_person import file_names, html_bytes, json_bytes
from bot.turn import KnownTurn
from programme.errors import Invalid, ProgrammeError
from programme.people.subject_access import subject_access

TITLE = "Subject access"
USAGE = "Write `person export` and the person's email address, for example: person export sam.example@kent.example"


async def person_command(turn: KnownTurn, command: Command) -> None:
    words = command.args.split()
    try:
        if not words or words[0].lower() != "export":
            raise Invalid({"action": USAGE})
        found = subject_access(turn.session, turn.profile, " ".join(words[1:]), turn.now, channel=turn.channel)
    except ProgrammeError as error:
        await turn.reply_card(message_card(TITLE, str(error), attention=True), subject=TITLE)
        return
    json_name, html_name = file_names(found)
    if turn.by_email:
        await email_with_files(turn, f"{TITLE}: {found.name}", (
            f"Everything the programme holds about {found.name}: {found.count} records, as {json_name} (machine-readable) and "
            f"{html_name} (to read). It is personal data: keep it safe, and send it to them securely."),
            [(json_name, "application/json", json_bytes(found)), (html_name, "text/html", html_bytes(found))])
        return
    assert turn.links is not None  # set by the composition root
    minutes = int(LIFETIME.total_seconds() // 60)
    await turn.reply_card(card(
        [heading(f"{TITLE}: {found.name}"), paragraph(
            f"Everything the programme holds about {found.name}: {found.count} records. Anyone who has these links can download the "
            f"files for the next {minutes} minutes, so do not forward them. The files are personal data: keep them safe, and send "
            "them to the person securely.")],
        [{"type": "Action.OpenUrl", "title": f"Download {json_name}", "url": turn.links.url_for(f"person:{found.person_id}:json",
                                                                                                turn.profile.person_id, turn.now)},
         {"type": "Action.OpenUrl", "title": f"Download {html_name}", "url": turn.links.url_for(f"person:{found.person_id}:html",
                                                                                                turn.profile.person_id, turn.now)}],
    ), subject=TITLE)


COMMANDS = {"person": person_command}
