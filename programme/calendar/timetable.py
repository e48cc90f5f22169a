"""The running order of a challenge day, as the handbook (001) sets it out.

The day opens with 15 minutes of introductions. Each authority then has a session of two hours and
five minutes: its DCS presents the self-assessment (15 minutes), the other teams ask questions led
by its Lead Reviewer (70 minutes), they reflect while the presenting team listens (20 minutes), the
presenting team reacts (10) and responds with what it takes back, its first asks and its offers
(10). Lunch (40 minutes) follows the first session and a 10-minute break each later one but the
last; a 15-minute plenary closes the day. A triad starts at 10:00 and ends at 17:35, as in the
handbook; a quartet, with a fourth session, starts at 09:00. A cycle's calendar can set another
start (`day_starts_at`), and so can a group (`starts_at`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

INTRODUCTIONS = timedelta(minutes=15)
SESSION = timedelta(hours=2, minutes=5)
LUNCH = timedelta(minutes=40)
BREAK = timedelta(minutes=10)
PLENARY = timedelta(minutes=15)
STARTS = {"triad": time(10, 0), "quartet": time(9, 0)}
PLENARY_QUESTIONS = (
    "What has been the key learning from today that each of you will take back to your local authorities?",
    "What are the workstream priorities to be included in the regional programme for the next year and taken to the annual summit in March?",
    "What are your suggestions for multi-lateral problem-solving groups or topics?",
    "What are your suggestions for new regional networking groups?",
)


@dataclass(frozen=True)
class Presenter:
    name: str  # the authority
    lead_reviewer: str  # the authority whose DCS leads the questions


@dataclass(frozen=True)
class Slot:
    starts: time
    ends: time
    what: str


def running_order(kind: str, presenters: list[Presenter], starts_at: time | None = None) -> list[Slot]:
    """The day's slots, in order, for the authorities in the order they present."""
    moment = datetime.combine(date(2000, 1, 1), starts_at or STARTS.get(kind, STARTS["triad"]))
    slots: list[Slot] = []

    def add(length: timedelta, what: str) -> None:
        nonlocal moment
        slots.append(Slot(moment.time(), (moment + length).time(), what))
        moment += length

    add(INTRODUCTIONS, "Introductions: each person's name and role, and what they want to give to and receive from the day")
    for number, presenter in enumerate(presenters, start=1):
        add(SESSION, f"{presenter.name}: its DCS presents the self-assessment (15 minutes), then questions led by "
                     f"{presenter.lead_reviewer} as Lead Reviewer, reflection, reaction and response")
        if number == 1 and len(presenters) > 1:
            add(LUNCH, "Lunch")
        elif number < len(presenters):
            add(BREAK, "Break")
    add(PLENARY, "Plenary: the four questions, led by the facilitator")
    return slots
