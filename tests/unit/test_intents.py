"""Free text read as commands, as a table: typos, sentences, greetings; and what is asked back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cards.commands import COORDINATOR, DCS, DIRECTORY, ENQUIRE, EVERYONE, NOMINATE, PANEL_MEMBER, RECORD, RECORDS
from bot.commands import parse_command
from bot.reading.intents import PHRASES, allowed_commands, understand

ALLOWED = allowed_commands(u for u, _ in EVERYONE + NOMINATE + ENQUIRE + RECORD + DIRECTORY + RECORDS + DCS + PANEL_MEMBER) + ["feedback"]
COORDINATOR_ALLOWED = ALLOWED + allowed_commands(u for u, _ in COORDINATOR)
KNOWN = {c.split()[0] for c in COORDINATOR_ALLOWED} | {"hi", "hello", "confirm", "dcs", "facilitator"}

SURE = [
    # written                                                   command, args
    ("status", ("status", "")),
    ("stauts", ("status", "")),
    ("statsu", ("status", "")),
    ("Status.", ("status", "")),
    ("STATUS", ("status", "")),
    ("hlep", ("help", "")),
    ("hepl", ("help", "")),
    ("nominat", ("nominate", "")),
    ("nomiante", ("nominate", "")),
    ("enquriy", ("enquiry", "")),
    ("inquiry", ("enquiry", "")),
    ("I'd like to nominate someone", ("nominate", "")),
    ("I’d like to put a colleague forward for the panel", ("nominate", "")),
    ("can you show me my nominations please", ("my", "nominations")),
    ("Could you tell me when our challenge date is?", ("status", "")),
    ("who reviews us?", ("status", "")),
    ("what can you do?", ("help", "")),
    ("How does this work?", ("help", "")),
    ("I want to ask for moderation of a conclusion", ("enquiry", "")),
    ("We would like independent moderation please", ("enquiry", "")),
    ("show me the directory of support", ("directory", "")),
    ("Our notes of the day", ("notes", "")),
    ("I want to add a participant", ("team", "")),
    ("record our offers", ("offers", "")),
    ("my enquiries please", ("my", "enquiries please")),
    ("Hi,\n\nstatus please", ("status", "please")),
    ("Good morning,\nhelp", ("help", "")),
    ("Dear Peer Challenge Assistant,\n\nnominate\n\nKind regards", ("nominate", "")),
    ("Hello, status", ("status", "")),
    ("status please", ("status", "please")),
    ("help me", ("help", "me")),
    ("status of our group", ("status", "")),
    ("Ask for amendments", ("notes", "")),  # a command word opening a sentence: the sentence is read
    ("nominate Sam Example from our early help team", ("nominate", "")),
]

ASKED = [
    ("Please send me the form", {"nominate", "enquiry", "asks", "offers"}),
    ("the form please", {"nominate", "enquiry", "asks", "offers"}),
]

NOTHING = ["asdfgh", "qwertyuiop", "xyz", "12345", "the", "I was wondering about something else entirely"]


@pytest.mark.parametrize(("written", "expected"), SURE)
def test_a_command_is_found(written, expected):
    command = parse_command(written)
    meaning = understand(command, KNOWN, ALLOWED)
    assert meaning.command is not None, written
    assert (meaning.command.word, meaning.command.args) == expected


@pytest.mark.parametrize(("written", "expected"), ASKED)
def test_what_could_be_several_commands_is_asked_about(written, expected):
    meaning = understand(parse_command(written), KNOWN, ALLOWED)
    assert meaning.command is None
    assert expected <= set(meaning.suggestions)


@pytest.mark.parametrize("written", NOTHING)
def test_what_names_no_command_is_not_read_as_one(written):
    meaning = understand(parse_command(written), KNOWN, ALLOWED)
    assert meaning.command is None


def test_a_long_message_that_mentions_a_command_is_asked_about_not_run():
    text = ("I have been looking at the status of our work with the other authorities in the group and I am not "
            "sure the dates we agreed last time are still right for everyone involved")
    meaning = understand(parse_command(text), KNOWN, ALLOWED)
    assert meaning.command is None and "status" in meaning.suggestions


def test_only_commands_the_person_may_use_are_suggested():
    meaning = understand(parse_command("show me the regional panel"), KNOWN, ALLOWED)
    assert meaning.command is None or meaning.command.word != "panel"
    coordinator = understand(parse_command("show me the regional panel"), KNOWN, COORDINATOR_ALLOWED)
    assert coordinator.command is not None and coordinator.command.word == "panel"


def test_every_command_word_in_the_phrase_table_is_one_the_assistant_knows():
    for command in PHRASES:
        assert command.split()[0] in KNOWN | {"group", "digest", "timeline", "deliveries", "days", "export", "audit", "enquiries", "panel"}


def test_feedback_keeps_its_words():
    meaning = understand(parse_command("Some feedback: the reminders came at a good time"), KNOWN, ALLOWED)
    assert meaning.command is not None and meaning.command.word == "feedback"
    assert "reminders came at a good time" in meaning.command.body


@given(st.text(max_size=3000))
def test_any_text_is_read_without_error(text):
    meaning = understand(parse_command(text), KNOWN, ALLOWED)
    assert meaning.command is None or meaning.command.word in KNOWN
