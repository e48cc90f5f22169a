"""Answers in words: "Agreed, thanks", "Yes, happy to", "No thank you, I'll have to decline",
"Please amend: the second paragraph...", read as the answer word they stand for.

Each question the assistant asks by email names its answers and the phrases that mean each one
(`Answers`). A reply is read from its opening: the first sentence or line decides, the rest is the
answer's text (the amendments asked for, the reason for declining). Negation is never assent: a
phrase of assent after "not", "don't" or "can't" counts for the answer's opposite where one is
named, and for nothing otherwise. A reply matching two different answers is `unsure`, and the
caller asks which was meant; one matching none is not an answer at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from programme.text import STRAIGHT

MAX_READ = 4_000  # an answer is short: only the opening is looked at
_NEGATION = re.compile(r"\b(?:not|no longer|never|don't|dont|do not|can't|cant|cannot|won't|wont|unable to|isn't|aren't|doesn't|didn't)\b\W*(?:\w+\W+){0,2}$")
_OPENING_END = re.compile(r"(?<=[^.][.!?])\s|\n")  # an ellipsis ("Yes... actually no") does not end it


@dataclass(frozen=True)
class Answers:
    """The answers one question takes: each answer word with the phrases (regular expressions,
    matched on whole words, lower case) that mean it, and the answer that denies each one."""

    phrases: Mapping[str, tuple[str, ...]]
    opposite: Mapping[str, str]

    def words(self) -> list[str]:
        return list(self.phrases)


@dataclass(frozen=True)
class Reading:
    word: str | None  # the answer meant; None when the reply is not one (or is unsure)
    rest: str = ""  # what follows the words of the answer: its text
    unsure: tuple[str, ...] = ()  # the answers it could be, when more than one


def _normal(text: str) -> str:
    return text.translate(STRAIGHT).lower()


def read_answer(text: str, answers: Answers) -> Reading:
    """Which of `answers` this reply gives, read from its opening sentence or line."""
    text = (text or "")[:MAX_READ].strip()
    if not text:
        return Reading(None)
    end = _OPENING_END.search(text)
    opening = _normal(text[: end.start() if end else len(text)])
    found: dict[str, int] = {}  # answer word -> where its words end in the opening
    for word, patterns in answers.phrases.items():
        for pattern in patterns:
            for match in re.finditer(rf"(?<![\w'])(?:{pattern})(?![\w'])", opening):
                meant = word
                if _NEGATION.search(opening[: match.start()]):
                    meant = answers.opposite.get(word, "")
                if meant and (meant not in found or match.end() > found[meant]):
                    found[meant] = match.end() if meant == word else len(opening)
    if not found:
        return Reading(None)
    if len(found) > 1:
        return Reading(None, unsure=tuple(found))
    word, stop = next(iter(found.items()))
    return Reading(word, _rest(text, stop))


def _rest(text: str, stop: int) -> str:
    """What follows the answer's words: "Please amend: the date" gives "the date"."""
    return re.sub(r"^[\s:;,.!\-–—]+", "", text[stop:]).strip()


_YES = r"yes|yeah|yep|yup|aye|sure|certainly|of course|definitely|absolutely|ok|okay|happy to|glad to|pleased to|delighted to|count me in|i'm in|i am in|i would love to|i'd love to|go ahead|please do|go for it|fine by me|sounds good|no problem|no worries"
_NO = r"no(?! problem| worries)|nope|no thanks?|no thank you|not this time|not able|unable|can't|cannot|can not|sorry|i'll pass|i will pass|regret"

NOTE = Answers(
    phrases={
        "agree": (r"agree[ds]?|i agree|happy with (?:it|this|the note|that)|approved?|looks good|all good|fine|content with it|" + _YES,),
        "amend": (r"amend(?:ment|ments|ed)?|please amend|changes?|correct(?:ion|ions)?|edits?|disagree|revise|revisions?|wrong",),
        "shared": (r"shared (?:it )?with (?:our |the )?lead member|sent (?:it )?to (?:our |the )?lead member|lead member has (?:it|seen it)|shared",),
    },
    opposite={"agree": "amend"},
)
PANEL_INVITATION = Answers(
    phrases={"join": (r"join|accept|i accept|" + _YES,), "decline": (r"decline|withdraw|rather not|" + _NO,)},
    opposite={"join": "decline"},
)
ASSIGNMENT = Answers(
    phrases={
        "accept": (r"accept|i accept|i can do (?:it|this|that)|" + _YES,),
        "decline": (r"decline|rather not|" + _NO,),
        "times": (r"times?|i am free|i'm free|available|availability|how about|could we (?:meet|talk|speak)",),
        "discussed": (r"discussed|we (?:have )?(?:spoke|spoken|talked|met)|had the discussion|discussion (?:is )?done|we had a (?:call|chat)",),
    },
    opposite={"accept": "decline"},
)
CONFIRMATION = Answers(
    phrases={"confirm": (r"confirm(?:ed)?|i confirm|correct|that's right|that is right|" + _YES,), "cancel": (r"cancel|stop|don't|do not|" + _NO,)},
    opposite={"confirm": "cancel"},
)


def words_for(answers: Answers) -> str:
    """The answer words, for a sentence that says what to reply: "agree, amend or shared"."""
    words = answers.words()
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]
