"""Which command a person means, from what they wrote: the command itself, a typo of it
(`stauts`, `hlep`), or a sentence ("I'd like to nominate someone", "can you show me my nominations
please"). No language model: each command's keywords and short phrases are data (`PHRASES`),
tested as a table, and typos are found by edit distance (rapidfuzz's optimal string alignment,
which counts a swapped pair of letters as one edit).

The outcome is either one command, sure enough to run, or the commands it could be, to ask
"Did you mean ...?". A long message that only mentions a command's word is not taken as that
command (it may be feedback, or a question for the coordinators): it gets the question too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.commands import Command
from programme.text import STRAIGHT

MAX_READ = 2_000  # a command is in a message's opening
MAX_SURE_WORDS = 14  # longer than this, a sentence naming a command is asked about, not run
FORM = r"(?:the |a |an )?forms?"  # "send me the form": one of the forms, which is asked

# Each command (its words as typed) with the phrases that mean it: regular expressions matched on
# whole words of the lower-cased text, apostrophes made straight. More words matched, surer reading.
PHRASES: dict[str, tuple[str, ...]] = {
    "help": ("help", "what can you do", "what do you do", "how does (?:this|it) work", "how do i", "commands?", "instructions", "menu", "options"),
    "status": ("status", "my status", "(?:our|my) challenge date", "when is (?:my|our) (?:peer )?(?:challenge|session|day)", "my group", "our group",
               "who reviews", "lead reviewers?", "key dates", "what's next", "where are we"),
    "nominate": ("nominate", "nominating", "nomination", "put (?:someone|somebody|a colleague) forward", "put forward", "join the panel", FORM),
    "my nominations": ("my nominations", "our nominations", "nominations i (?:have )?(?:made|sent)", "who i nominated", "my nominees"),
    "enquiry": ("enquiry", "enquire", "inquiry", "(?:ask|asking|request|requesting|seek|seeking) (?:for )?(?:independent )?moderation", "moderation", "moderate", "moderator", "verify (?:a|our) conclusion", "independent (?:check|moderation)", FORM),
    "my enquiries": ("my enquiries", "our enquiries", "enquiries (?:we|i) (?:have )?made", "my inquiries"),
    "asks": ("asks?", "ask for (?:help|support)", "request support", "we need (?:help|support)", "record (?:an |our )?asks?", FORM),
    "offers": ("offers?", "offer (?:help|support)", "we can offer", "record (?:an |our )?offers?", FORM),
    "plenary": ("plenary", "plenary suggestions?", "priorities", "problem-solving", "networking groups?"),
    "my asks": ("my asks", "our asks", "my offers", "our offers", "our asks and offers", "my suggestions"),
    "notes": ("notes?", "note of (?:the|our) session", "notes of the day", "agree (?:the|our) notes?", "amend(?:ments?)?", "(?:ask|asking) for (?:an |some )?amendments?"),
    "self-assessment": ("self-assessments?", "self assessments?", "selfassessment", "our sa", "sa link"),
    "team": ("team", "my team", "our team", "delegates?", "participants?", "add (?:a|an) (?:participant|delegate|colleague)", "remove (?:a|an) (?:participant|delegate)"),
    "my assignments": ("my assignments", "assignments?", "my invitations", "my days", "my availability", "leave the panel"),
    "directory": ("directory", "support directory", "who offers", "what is on offer", "directory of support"),
    "feedback": ("feedback", "complaint", "complain"),
    "panel": ("panel", "the regional panel", "panel members"),
    "enquiries": ("enquiries", "all enquiries", "inquiries"),
    "digest": ("digest", "weekly digest", "this week's digest"),
    "calendar": ("calendar", "my calendar", "add to (?:my )?calendar", "ics", "calendar invitations?", "outlook"),
    "briefing": ("briefing", "day-before briefing", "running order", "the day's timetable"),
    "timeline": ("timeline", "reminders (?:that )?(?:will go|going) out", "upcoming reminders"),
    "deliveries": ("deliveries", "failed (?:messages|notifications|emails)", "delivery failures"),
    "days": ("days", "days contributed", "payments"),
    "export": ("export", "csv", "spreadsheet", "download"),
    "audit": ("audit", "audit trail", "who changed"),
    "person": ("person export", "subject access(?: request)?", "sar"),
    "group": ("move (?:a |the )?group", "change (?:the )?(?:date|venue|format)", "group date"),
}
_WORD = re.compile(r"[a-z][a-z'-]*")


@dataclass(frozen=True)
class Meaning:
    command: Command | None  # the command to run: sure
    suggestions: tuple[str, ...] = ()  # what it could be, to ask "Did you mean ...?"
    corrected: bool = False  # the command was read through a typo or from a sentence


def _words_of(pattern: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z'-]{3,}", pattern) if not w.endswith("-")}


_VOCABULARY = sorted({w for patterns in PHRASES.values() for p in patterns for w in _words_of(p)})


def _near(word: str, candidates: Iterable[str]) -> list[str]:
    """The candidates one typo away (two for long words), nearest first; none for short words."""
    if len(word) < 4:
        return []
    allowed = 1 if len(word) < 7 else 2
    scored = sorted((OSA.distance(word, c, score_cutoff=allowed), c) for c in candidates if abs(len(c) - len(word)) <= allowed)
    best = [c for d, c in scored if d <= allowed]
    if not best:
        return []
    nearest = min(OSA.distance(word, c) for c in best)
    return [c for c in best if OSA.distance(word, c) == nearest]


def allowed_commands(usages: Iterable[str]) -> list[str]:
    """The commands as typed, from the help card's usage lines ("asks, offers", "team <authority code>")."""
    found: list[str] = []
    for usage in usages:
        words = usage.split()
        if usage.startswith("my "):
            found.append(" ".join(words[:2]))
        else:
            found += [part.split()[0] for part in usage.split(",") if part.strip()]
    return list(dict.fromkeys(found))


# Commands that take nothing after them: "status please" is status, but "ask for amendments" is a
# sentence to read, not the asks form with words it would ignore.
NO_ARGUMENTS = frozenset({"help", "status", "nominate", "ask", "asks", "offer", "offers", "plenary", "suggestion", "suggestions", "digest"})
FILLER = frozenset({"please", "pls", "thanks", "thank", "you", "me", "now", "again", "form", "the", "a", "an", "for", "us", "our", "my",
                    "card", "list", "cheers", "ta", "today", "thx"})


def _only_filler(args: str) -> bool:
    return all(word in FILLER for word in _WORD.findall(args.translate(STRAIGHT).lower()))


def understand(command: Command, known: Iterable[str], allowed: Iterable[str]) -> Meaning:
    """What `command` (as parse_command read it) means, given the command words the assistant
    `known`s and the commands this person is `allowed` (as typed: "my nominations")."""
    known = set(known)
    allowed = list(dict.fromkeys(allowed))
    if command.word in known and (command.word not in NO_ARGUMENTS or _only_filler(command.args)):
        return Meaning(command)
    if command.word in known:
        # The first line (what follows may be a signature); the command written first counts for more.
        meaning = _from_phrases(command, f"{command.word} {command.args}", allowed, first=command.word)
        return meaning if meaning.command is not None or meaning.suggestions else Meaning(command)
    word = command.word.translate(STRAIGHT)
    corrections = _near(word, known) if word.isalpha() or "-" in word else []
    if len(corrections) == 1:
        return Meaning(Command(corrections[0], command.args, command.body), corrected=True)
    meaning = _from_phrases(command, f"{command.word} {command.body}", allowed)
    if meaning.command is None and not meaning.suggestions:
        return Meaning(None, tuple(c for c in corrections if c in allowed) or _first_words_near(word, allowed))
    return meaning


def _from_phrases(command: Command, written: str, allowed: list[str], *, first: str = "") -> Meaning:
    """The command the phrases of `written` name, sure enough to run; or the ones it could be."""
    text = _normal(written)
    scores = _scores(text, [c for c in PHRASES if c in allowed or c.split()[0] in allowed])
    for name in scores:
        if first and first in (name, name.rstrip("s"), name + "s"):
            scores[name] += 0.5
    if not scores:
        return Meaning(None)
    top = max(scores.values())
    best = [c for c, s in scores.items() if s == top]
    if len(best) == 1 and len(text.split()) <= MAX_SURE_WORDS:
        chosen = best[0]
        first, _, rest = chosen.partition(" ")
        return Meaning(Command(first, rest or "", command.body if first == "feedback" else ""), corrected=True)
    ranked = sorted(scores, key=lambda c: -scores[c])
    return Meaning(None, tuple(ranked[:4]))


def _first_words_near(word: str, allowed: list[str]) -> tuple[str, ...]:
    firsts = {c.split()[0]: c for c in allowed}
    return tuple(firsts[w] for w in _near(word, firsts))


def _normal(text: str) -> str:
    text = text[:MAX_READ].translate(STRAIGHT).lower()
    words = []
    for written in _WORD.findall(text):
        near = [] if written in _VOCABULARY else _near(written, _VOCABULARY)
        words.append(near[0] if len(near) == 1 else written)
    return " ".join(words)


def _scores(text: str, commands: list[str]) -> dict[str, float]:
    """Each command's best phrase found in the text, as the number of its words."""
    scores: dict[str, float] = {}
    for command in commands:
        for pattern in PHRASES[command]:
            match = re.search(rf"(?<![\w'-])(?:{pattern})(?![\w'-])", text)
            if match:
                # "the form" alone could be any form: it counts for less than a word that names one.
                score = 0.5 if pattern == FORM else float(len(match.group(0).split()))
                scores[command] = max(scores.get(command, 0.0), score)
    return scores
