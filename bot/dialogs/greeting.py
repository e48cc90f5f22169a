"""help, hi, status and the welcome card."""

from __future__ import annotations

from bot.cards.elements import card, command_button, paragraph
from bot.cards.programme_cards import help_card, status_card, unknown_person_card, welcome_card
from bot.commands import Command
from bot.private import group_card
from bot.turn import KnownTurn, Turn
from programme.calendar.cycle_settings import CycleSettings
from programme.links import ProgrammeLinks
from programme.people.profile import current_cycle


def cycle_links(turn: Turn) -> ProgrammeLinks:
    """The region's links, or the current cycle's own where its calendar sets them."""
    cycle = current_cycle(turn.session, turn.today)
    return turn.programme_links.for_cycle(CycleSettings.from_mapping(cycle.settings) if cycle else None)


async def welcome(turn: Turn) -> None:
    if turn.shared:  # a group chat or a channel: what the assistant is, nothing about anyone
        await turn.reply_card(group_card(), public=True)
        return
    profile = turn.full_profile()
    if profile is None:
        await turn.reply_card(unknown_person_card(turn.coordinators_email), subject="Peer Challenge Assistant")
    else:
        await turn.reply_card(welcome_card(profile, cycle_links(turn)), subject="Welcome to the Peer Challenge Assistant")


async def hello(turn: Turn, _command: Command) -> None:
    await welcome(turn)


async def thanks(turn: Turn, _command: Command) -> None:
    await turn.reply_card(
        card([paragraph("You're welcome. Type `help` whenever you want to see what I can do.")], [command_button("Help", "help")]),
    )  # by email, the subject answered: "RE: ..." once


async def help_(turn: Turn, _command: Command) -> None:
    if turn.shared:
        await turn.reply_card(group_card(), public=True)
        return
    await turn.reply_card(help_card(turn.profile), subject="What the Peer Challenge Assistant can do")


async def status(turn: KnownTurn, _command: Command) -> None:
    await turn.reply_card(status_card(turn.full_profile(), cycle_links(turn)), subject="Your peer challenge programme")


OPEN_COMMANDS = {"help": help_, "?": help_, "hi": hello, "hello": hello, "start": hello,
                 "thanks": thanks, "thank": thanks, "thx": thanks, "cheers": thanks, "ta": thanks}  # anyone, registered or not
COMMANDS = {"status": status}
