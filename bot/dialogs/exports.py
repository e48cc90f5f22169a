"""export panel|enquiries|asks-offers|matches|days: CSV for coordinators. By email, the file comes
attached; in Teams, as a signed download link that is tied to the coordinator and expires soon."""

from __future__ import annotations

from bot.cards.elements import card, heading, paragraph
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.export_links import LIFETIME
from bot.exports_csv import csv_bytes
from bot.host import File
from bot.turn import KnownTurn
from programme.coordination.exports import export, exportable
from programme.errors import ProgrammeError


async def export_command(turn: KnownTurn, command: Command) -> None:
    try:
        what = exportable(turn.profile, (command.args.split() or [""])[0])
        if turn.by_email:
            name, header, rows = export(turn.session, turn.profile, what, turn.today, person_id=turn.profile.person_id, channel=turn.channel)
            await _email_with_file(turn, name, csv_bytes(header, rows), len(rows))
            return
    except ProgrammeError as error:
        await turn.reply_card(message_card("Export", str(error), attention=True), subject="Export")
        return
    assert turn.links is not None  # set by the composition root
    url = turn.links.url_for(what, turn.profile.person_id, turn.now)
    minutes = int(LIFETIME.total_seconds() // 60)
    await turn.reply_card(card(
        [heading(f"Export: {what}"), paragraph(f"Anyone who has this link can download the file for the next {minutes} minutes, so do not forward it. "
                                                 "It holds personal data: keep the file safe.")],
        [{"type": "Action.OpenUrl", "title": f"Download {what}.csv", "url": url}],
    ), subject="Export")


async def _email_with_file(turn: KnownTurn, name: str, data: bytes, count: int) -> None:
    await email_with_files(turn, f"Export: {name}", f"The export you asked for is attached: {name}, {count} rows. It holds personal data: keep it safe.",
                           [(name, "text/csv", data)])


async def email_with_files(turn: KnownTurn, subject: str, text: str, files: list[tuple[str, str, bytes]]) -> None:
    """An emailed answer with files attached: (name, content type, bytes) each."""
    await turn.reply_files(text, [File(name, kind, data) for name, kind, data in files], subject=subject)


COMMANDS = {"export": export_command}
