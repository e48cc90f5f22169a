"""digest: the coordinators' weekly digest, now, as the same card the Monday message carries."""

from __future__ import annotations

from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from programme.digest.weekly import KIND, digest_for, digest_payload
from programme.errors import ProgrammeError


async def digest(turn: KnownTurn, command: Command) -> None:
    try:
        digest = digest_for(turn.session, turn.profile, turn.now, turn.zone)
    except ProgrammeError as error:
        await turn.reply_card(message_card("Digest", str(error), attention=True))
        return
    assert turn.renderer is not None  # set by the composition root
    rendered = turn.renderer.render(KIND, digest_payload(digest))
    await turn.reply_card(rendered.card, subject=rendered.subject)


COMMANDS = {"digest": digest}
