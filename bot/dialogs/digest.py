"""digest: the coordinators' weekly digest, now, as the same card the Monday message carries."""

from __future__ import annotations

from functools import cache

from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.turn import KnownTurn
from notify.render import Renderer
from programme.digest.weekly import KIND, build_digest, digest_payload


@cache
def _renderer() -> Renderer:
    # Built on first use, not at import: the templates are the notification's own, so the two never differ.
    return Renderer()


async def digest(turn: KnownTurn, command: Command) -> None:
    if not turn.profile.is_coordinator:
        await turn.reply_card(message_card(
            "Digest", "Only the programme coordinators receive the digest. Type `status` for your own dates and `help` for what you can do.",
            attention=True,
        ))
        return
    rendered = _renderer().render(KIND, digest_payload(build_digest(turn.session, turn.now, turn.zone)))
    await turn.reply_card(rendered.card, subject=rendered.subject)


COMMANDS = {"digest": digest}
