"""calendar: your coming programme dates as a calendar file, the same events (and UIDs) as the
invitations sent to you by email, so opening it adds or updates them. In Teams a download link that
expires soon; by email the file attached. `status` and the change notice offer it."""

from __future__ import annotations

from bot.cards.elements import card, heading, paragraph
from bot.commands import Command
from bot.dialogs.exports import email_with_files
from bot.export_links import LIFETIME
from bot.turn import KnownTurn
from notify.ics import calendar_file
from programme.calendar.invitations import events_of

TITLE = "Your programme dates"


async def calendar_command(turn: KnownTurn, _command: Command) -> None:
    found = events_of(turn.session, turn.profile.person_id, turn.now, turn.zone)
    if not found:
        await turn.reply_card(card([heading(TITLE), paragraph("You have no coming programme dates: nothing to add to your calendar.")]),
                              subject=TITLE)
        return
    listed = "\n".join(f"- {e['summary']}" for e in found)
    if turn.by_email:
        await email_with_files(turn, TITLE, f"Your coming programme dates, attached as a calendar file (peer-challenge.ics):\n{listed}",
                               [("peer-challenge.ics", "text/calendar", calendar_file(found, turn.zone, turn.now).encode("utf-8"))])
        return
    assert turn.links is not None  # set by the composition root
    minutes = int(LIFETIME.total_seconds() // 60)
    await turn.reply_card(card(
        [heading(TITLE), paragraph(listed), paragraph(
            f"Open the file to add them to your calendar; the invitations by email update them when a date changes. Anyone who has "
            f"this link can download the file for the next {minutes} minutes.", subtle=True)],
        [{"type": "Action.OpenUrl", "title": "Add to my calendar",
          "url": turn.links.url_for(f"ics:{turn.profile.person_id}", turn.profile.person_id, turn.now)}],
    ), subject=TITLE)


COMMANDS = {"calendar": calendar_command}
