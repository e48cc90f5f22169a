"""The reminder rules, as a pure function of what the calendar and the records say.

`plan(facts)` returns every reminder the rules call for, each with its moment and a key that names
the reminder, not its moment (rule, subject, recipient, cycle, the follow-up's number): planning
twice gives the same keys, and a moved date moves a reminder without making it a new one. A rule
whose condition is met (an enquiry exists, the self-assessment is received, the asks and offers
are in) plans nothing. What is due, what is late and what is missed is `due`'s to say.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from programme.calendar.cycle_settings import CycleSettings
from programme.dates import long_date
from programme.held_codes import Purpose
from programme.links import ProgrammeLinks
from programme.notes.agreement import NoteStatus
from programme.reminders.briefing import RULE as BRIEFING
from programme.reminders.briefing import briefing_payload
from programme.reminders.working_days import add_working_days, on_or_before, send_moment


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str
    email: str = field(default="", compare=False)  # for a calendar invitation's attendee


@dataclass(frozen=True)
class NoteFacts:
    id: int
    version: int
    sent_on: date
    status: str  # a NoteStatus
    agreed_on: date | None
    shared_on: date | None
    link: str


@dataclass(frozen=True)
class AuthorityFacts:
    code: str
    name: str
    leads: tuple[PersonRef, ...]  # the DCS and delegates
    dcs: tuple[PersonRef, ...]
    participants: tuple[PersonRef, ...]
    has_enquiry: bool = False
    self_assessment_received: bool = False
    asks_offers_submitted: bool = False
    note: NoteFacts | None = None
    self_assessment_link: str = ""  # as its DCS sent it
    lead_reviewer: str = ""  # the authority whose DCS leads the questions in its session


@dataclass(frozen=True)
class GroupFacts:
    key: str
    name: str
    challenge_date: date
    deadline: date  # for the self-assessments' dissemination
    authorities: tuple[AuthorityFacts, ...]  # in the order they present on the day
    kind: str = "triad"
    format: str = "virtual"
    location: str = ""  # the venue, or the Teams link
    facilitators: tuple[PersonRef, ...] = ()


@dataclass(frozen=True)
class ProgrammeFacts:
    cycle: str
    settings: CycleSettings
    zone: ZoneInfo  # the programme's local time: send times are read in it
    groups: tuple[GroupFacts, ...]
    coordinators: tuple[PersonRef, ...] = ()


@dataclass(frozen=True)
class Planned:
    key: str
    rule: str
    kind: str
    person: PersonRef
    on: date
    due_at: datetime
    why: str
    payload: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # What the person may answer by email, if anything: the held code's purpose and record, made
    # for their own address when the reminder is written.
    answers: tuple[Purpose, dict[str, Any]] | None = field(default=None, compare=False, hash=False)


RULES = {
    "moderation_opens": "the moderation window opens (12 weeks before the challenge date by default)",
    "moderation_closing": "the moderation window closes (8 weeks before by default)",
    "self_assessment_due": "the self-assessment is due for dissemination",
    "self_assessment_overdue": "the self-assessment deadline has passed",
    "asks_offers_prompt": "asks and offers after the challenge day",
    "note_follow_up": "the note of the session is not yet agreed",
    "note_escalation": "the note of the session is still not agreed",
    "lead_member_share": "the agreed note is to be shared with the Lead Member",
    BRIEFING: "the day-before briefing: the running order, who reviews whom, the self-assessments and the plenary",
}


def plan(facts: ProgrammeFacts) -> list[Planned]:
    settings = facts.settings
    planned: list[Planned] = []

    def add(rule: str, kind: str, group: GroupFacts, authority: AuthorityFacts, people: Iterable[PersonRef], on: date, why: str,
            follow_up: int | str | None = None, answers: tuple[Purpose, dict[str, Any]] | None = None, **extra: object) -> None:
        name = f"{rule}/{follow_up}" if follow_up else rule
        for person in dict.fromkeys(people):  # someone holding two of the roles is told once
            planned.append(Planned(
                key=f"reminder/{facts.cycle}/{name}/{authority.code}/{person.id}", rule=rule, kind=kind, person=person, on=on,
                due_at=send_moment(on, settings.send_time, facts.zone), why=why,
                payload={
                    "person_name": person.name, "authority_name": authority.name, "group_name": group.name,
                    "challenge_date": group.challenge_date.isoformat(), "deadline": group.deadline.isoformat(), "cycle": facts.cycle, **extra,
                },
                answers=answers,
            ))

    links: dict[str, Any] = dict(ProgrammeLinks.of_cycle(settings))  # the cycle's own library and benchmarking pack, if its calendar sets them
    for group in facts.groups:
        opens, closes = settings.moderation_window(group.challenge_date)
        due_early = on_or_before(group.deadline - timedelta(days=settings.self_assessment_reminder_days))
        due_last = add_working_days(group.deadline, -1)
        overdue = add_working_days(group.deadline, 1)
        for authority in group.authorities:
            if not authority.has_enquiry:
                add("moderation_opens", "reminder_moderation", group, authority, authority.leads, opens,
                    f"{group.name} meets on {long_date(group.challenge_date)}: the moderation window opens", stage="opens", closes=closes.isoformat())
                add("moderation_closing", "reminder_moderation", group, authority, authority.leads, closes,
                    "the moderation window closes and no enquiry has been made", stage="closing", closes=closes.isoformat())
            if not authority.self_assessment_received:
                for number, on in ((1, due_early), (2, due_last)):
                    add("self_assessment_due", "reminder_self_assessment", group, authority, authority.leads, on,
                        f"the self-assessment is due on {long_date(group.deadline)} and not yet received", number, stage="due", **links)
                add("self_assessment_overdue", "reminder_self_assessment", group, authority, authority.dcs + facts.coordinators,
                    overdue, f"the self-assessment was due on {long_date(group.deadline)} and is not received", stage="overdue", **links)
            note = authority.note
            if note is not None and note.status == NoteStatus.SENT:
                # Any: spread as keywords, it is checked against each of add()'s parameters
                extra: dict[str, Any] = {"note_id": note.id, "link": note.link, "version": note.version}
                for number, days in enumerate(settings.note_follow_up_working_days, start=1):
                    add("note_follow_up", "note_agreement", group, authority, authority.dcs, add_working_days(note.sent_on, days),
                        f"the note sent on {long_date(note.sent_on)} is not agreed after {days} working days", f"{number}/v{note.version}",
                        answers=(Purpose.NOTE, {"note": note.id}), **extra)
                add("note_escalation", "note_escalation", group, authority, facts.coordinators,
                    add_working_days(note.sent_on, settings.note_escalation_working_days),
                    f"the note sent on {long_date(note.sent_on)} is not agreed after {settings.note_escalation_working_days} working days",
                    f"v{note.version}", **extra)
            if note is not None and note.status == NoteStatus.AGREED and note.shared_on is None and note.agreed_on is not None:
                add("lead_member_share", "lead_member_share", group, authority, authority.dcs,
                    add_working_days(note.agreed_on, settings.lead_member_reminder_working_days),
                    f"the note agreed on {long_date(note.agreed_on)} is not yet shared with the Lead Member", 2,
                    answers=(Purpose.NOTE, {"note": note.id}), note_id=note.id, link=note.link, version=note.version, number=2)
            if not authority.asks_offers_submitted:
                for number, days in enumerate(settings.asks_offers_prompt_working_days, start=1):
                    add("asks_offers_prompt", "reminder_asks_offers", group, authority, authority.dcs + authority.participants,
                        add_working_days(group.challenge_date, days),
                        f"{days} working days after the challenge day and no asks or offers are recorded", number, **links)
        briefed = [p for a in group.authorities for p in (*a.leads, *a.participants)] + list(group.facilitators)
        briefing_on = add_working_days(group.challenge_date, -1)
        for person in dict.fromkeys(briefed):
            planned.append(Planned(
                key=f"reminder/{facts.cycle}/{BRIEFING}/group-{group.key}/{person.id}", rule=BRIEFING, kind=BRIEFING, person=person,
                on=briefing_on, due_at=send_moment(briefing_on, settings.send_time, facts.zone),
                why=f"{group.name} meets on {long_date(group.challenge_date)}: the briefing, one working day before",
                payload={"person_name": person.name, **briefing_payload(group, settings), **links},
            ))
    return sorted(planned, key=lambda p: (p.due_at, p.key))


@dataclass(frozen=True)
class Due:
    to_send: tuple[Planned, ...]
    missed: tuple[Planned, ...]


def due(planned: list[Planned], now: datetime, late_limit_working_days: int, zone: ZoneInfo) -> Due:
    """What is due by `now`: sent if at most `late_limit_working_days` late, otherwise missed."""
    today = now.astimezone(zone).date()
    # More than the limit late means planned before this day: worked out once, not per reminder.
    cutoff = add_working_days(on_or_before(today), -late_limit_working_days)
    to_send: list[Planned] = []
    missed: list[Planned] = []
    for item in planned:
        if item.due_at > now:
            continue
        (missed if item.on < cutoff else to_send).append(item)
    return Due(tuple(to_send), tuple(missed))
