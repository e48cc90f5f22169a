"""days: the days panel members from each nominating authority gave in a cycle (coordinators)."""

from __future__ import annotations

from bot.cards.elements import card, facts, heading, paragraph
from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme.errors import ProgrammeError
from programme.moderation.days_report import days_for


async def days(turn: KnownTurn, command: Command) -> None:
    try:
        report = days_for(turn.session, turn.profile, command.args, turn.today)
    except ProgrammeError as error:
        await turn.reply_card(message_card("Days", str(error), attention=True), subject="Days report")
        return
    cycle = report.cycle_name
    body = [heading(f"Days contributed, {cycle}"),
            paragraph("Per nominating authority: the basis for payments in proportion to days worked.", subtle=True)]
    if not report.rows:
        body.append(paragraph("No accepted assignments in this cycle yet.", subtle=True))
    body.append(facts([
        (row.authority_name, f"{row.days_worked:g} days worked of {row.days_agreed:g} agreed; {row.assignments} assignment(s); {row.share:.1f}%")
        for row in report.rows
    ] + [("Total", f"{report.total_worked:g} days worked of {report.total_agreed:g} agreed")]))
    body.append(paragraph(f"As CSV: `peer-challenge report days --cycle {cycle} --format csv`.", subtle=True))
    await turn.reply_card(card(body), subject=f"Days report {cycle}")


COMMANDS = {"days": days}
