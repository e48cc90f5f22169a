"""Answers in words to the questions the assistant emails (a note, an invitation, a confirmation):
read with bot/reading/answers.py, and a clear question back when a reply could mean two things."""

from __future__ import annotations

from bot.cards.programme_cards import message_card
from bot.commands import Command
from bot.reading import answers
from bot.reading.answers import Answers, Reading, read_answer, words_for
from bot.turn import KnownTurn
from programme.held_codes import Purpose

UNSURE = "unsure"  # the reply was answered with a question: nothing more to do


async def answer_in(turn: KnownTurn, command: Command, answers: Answers, *, title: str, subject: str) -> Reading | str | None:
    """The answer this reply gives; UNSURE if it could be two and the person was asked which; None
    if it is not an answer (perhaps a new command)."""
    reading = read_answer(command.text or f"{command.word} {command.body}", answers)
    if reading.unsure:
        options = " or ".join(f"**{word}**" for word in reading.unsure)
        await turn.reply_card(
            message_card(title, f"I wasn't sure what you meant: {options}? Reply keeping the subject line, starting with the word you mean.",
                         attention=True),
            subject=subject,
        )
        return UNSURE
    return reading if reading.word else None


# The questions emailed with a code, and the answers each takes.
QUESTIONS = {
    Purpose.NOTE: ("The note", answers.NOTE),
    Purpose.PANEL_INVITATION: ("The regional panel", answers.PANEL_INVITATION),
    Purpose.ASSIGNMENT: ("Your invitation", answers.ASSIGNMENT),
    Purpose.CONFIRM: ("Please confirm", answers.CONFIRMATION),
}


async def not_an_answer(turn: KnownTurn, purpose: Purpose) -> bool:
    """A reply to one of the questions that gives none of its answers (and is no command): say so,
    and what to reply. False if the purpose asks no question in words."""
    if purpose not in QUESTIONS:
        return False
    title, taken = QUESTIONS[purpose]
    await turn.reply_card(
        message_card(title, f"I couldn't tell your answer from your reply, so nothing has changed. {what_to_reply(taken)}", attention=True),
        subject=turn.subject or title,
    )
    return True


def what_to_reply(answers: Answers) -> str:
    return f"Reply keeping the subject line, starting with {words_for(answers)}."
