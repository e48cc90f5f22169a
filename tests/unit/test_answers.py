"""Answers in words, as a table: what each reply to a note, an invitation or a confirmation means."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reading.answers import ASSIGNMENT, CONFIRMATION, NOTE, PANEL_INVITATION, read_answer, words_for
from bot.reading.subjects import bare_subject, subject_words

CASES = [
    # question, reply, answer meant, its text
    (NOTE, "agree", "agree", ""),
    (NOTE, "Agreed, thanks", "agree", "thanks"),
    (NOTE, "Agreed.", "agree", ""),
    (NOTE, "Yes, happy with it", "agree", ""),
    (NOTE, "Looks good to me. Thanks for pulling it together.", "agree", "to me. Thanks for pulling it together."),
    (NOTE, "I’m happy with the note", "agree", ""),
    (NOTE, "Please amend: the second paragraph should say 'early help'.", "amend", "the second paragraph should say 'early help'."),
    (NOTE, "amend\nThe date of the visit is wrong.", "amend", "The date of the visit is wrong."),
    (NOTE, "I don't agree with paragraph 3", "amend", ""),
    (NOTE, "Not agreed: the figures are out of date", "amend", ""),
    (NOTE, "Shared with our Lead Member today", "shared", "today"),
    (PANEL_INVITATION, "join", "join", ""),
    (PANEL_INVITATION, "Yes", "join", ""),
    (PANEL_INVITATION, "Yes, happy to", "join", ""),
    (PANEL_INVITATION, "Yes please, I'd love to", "join", ""),
    (PANEL_INVITATION, "No thank you, I'll have to decline", "decline", ""),
    (PANEL_INVITATION, "Sorry, I can't this year", "decline", "this year"),
    (PANEL_INVITATION, "I'm not able to join this year", "decline", ""),
    (PANEL_INVITATION, "decline", "decline", ""),
    (ASSIGNMENT, "Accept, thank you", "accept", "thank you"),
    (ASSIGNMENT, "Yes, I can do it", "accept", ""),
    (ASSIGNMENT, "times: Tuesday 10am or Thursday afternoon", "times", "Tuesday 10am or Thursday afternoon"),
    (ASSIGNMENT, "We spoke yesterday and agreed the scope", "discussed", ""),
    (ASSIGNMENT, "Unfortunately I have to decline, I'm on leave", "decline", ""),
    (CONFIRMATION, "Yes", "confirm", ""),
    (CONFIRMATION, "Yes, go ahead", "confirm", ""),
    (CONFIRMATION, "confirm", "confirm", ""),
    (CONFIRMATION, "No, cancel that", "cancel", ""),
    (CONFIRMATION, "Don't do it", "cancel", ""),
]


@pytest.mark.parametrize(("answers", "reply", "word", "rest"), CASES)
def test_an_answer_in_words_is_read(answers, reply, word, rest):
    reading = read_answer(reply, answers)
    assert reading.word == word, reply
    if rest:
        assert reading.rest == rest


@pytest.mark.parametrize(("answers", "reply"), [
    (PANEL_INVITATION, "Yes... actually no, I'll decline"),
    (NOTE, "I agree with most of it but please amend paragraph 2"),
])
def test_a_reply_that_could_mean_two_answers_is_unsure(answers, reply):
    reading = read_answer(reply, answers)
    assert reading.word is None and len(reading.unsure) == 2


@pytest.mark.parametrize("reply", ["", "status", "What is this about?", "Thanks", "Can we talk on Monday about the group?"])
def test_what_is_not_an_answer_is_none(reply):
    assert read_answer(reply, PANEL_INVITATION).word is None


def test_the_answer_words_are_said_in_a_sentence():
    assert words_for(NOTE) == "agree, amend or shared"


@pytest.mark.parametrize(("subject", "bare"), [
    ("RE: RE: FW: Your note [G-ABCD2345]", "Your note [G-ABCD2345]"),
    ("AW: WG: Status", "Status"),
    ("Re[2]: Sv: Antw: Help", "Help"),
    ("[EXTERNAL] RE: The regional panel", "The regional panel"),
    ("Fwd: TR: RIF: status", "status"),
    ("Reply: hello", "Reply: hello"),
    ("", ""),
])
def test_reply_and_forward_prefixes_are_taken_off(subject, bare):
    assert bare_subject(subject) == bare


def test_a_subject_without_its_codes_is_what_the_person_wrote():
    assert subject_words("RE: status [C-ABCD2345]") == "status"


@given(st.text(max_size=5000))
def test_any_reply_is_read_without_error(text):
    for answers in (NOTE, PANEL_INVITATION, ASSIGNMENT, CONFIRMATION):
        reading = read_answer(text, answers)
        assert reading.word is None or reading.word in answers.phrases
    assert len(bare_subject(text)) <= 500
