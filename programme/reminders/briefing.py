"""The day-before briefing: one working day before each challenge day, at the cycle's send time, to
every DCS, delegate and participant of the group and its facilitator. What it holds: the running
order (programme/calendar/timetable.py), who reviews whom, the format and the venue or link, each
authority's self-assessment as sent, the plenary's four questions and the programme's links."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from programme.calendar.spec import FORMAT_LABELS
from programme.calendar.timetable import PLENARY_QUESTIONS, Presenter, running_order
from programme.errors import NotAllowed, NotFound

if TYPE_CHECKING:
    from programme.calendar.cycle_settings import CycleSettings
    from programme.people.profile import Profile
    from programme.reminders.plan import GroupFacts

RULE = "day_before_briefing"


def briefing_payload(group: GroupFacts, settings: CycleSettings) -> dict[str, Any]:
    """What the briefing's template reads, JSON-ready: written when the briefing is due, so it shows
    the self-assessments as sent by then."""
    presenters = [Presenter(a.name, a.lead_reviewer or "another member of the group") for a in group.authorities]
    slots = running_order(group.kind, presenters, settings.day_starts_at)
    return {
        "group_name": group.name,
        "challenge_date": group.challenge_date.isoformat(),
        "format": FORMAT_LABELS.get(group.format, group.format).capitalize(),
        "location": group.location,
        "running_order": [{"time": f"{s.starts:%H:%M} to {s.ends:%H:%M}", "what": s.what} for s in slots],
        "pairs": [f"{a.lead_reviewer} is Lead Reviewer for {a.name}" for a in group.authorities if a.lead_reviewer],
        "self_assessments": [f"{a.name}: {a.self_assessment_link or 'not yet sent as a link'}" for a in group.authorities],
        "questions": list(PLENARY_QUESTIONS),
    }


def preview(session: Session, profile: Profile, group_key: object, today: date, zone: ZoneInfo) -> dict[str, Any]:
    """The briefing of a group of the current cycle, as it would go now: for the coordinators."""
    from programme.links import ProgrammeLinks
    from programme.people.profile import current_cycle
    from programme.reminders.facts import load_facts

    if not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators preview the day-before briefing; it reaches everyone in the group the working "
                         "day before their challenge day.")
    cycle = current_cycle(session, today)
    facts = load_facts(session, cycle, zone) if cycle is not None else None
    key = str(group_key or "").strip().lower().removeprefix("triad").removeprefix("quartet").strip()
    group = next((g for g in facts.groups if g.key.lower() == key or g.name.lower() == str(group_key).strip().lower()), None) if facts else None
    if facts is None or group is None:
        names = ", ".join(g.key for g in facts.groups) if facts else "none"
        raise NotFound(f"There is no group '{str(group_key)[:20]}' in the current cycle; say `briefing` and a group's key ({names}).")
    return {"person_name": profile.name, **briefing_payload(group, facts.settings),
            **ProgrammeLinks.of_cycle(facts.settings)}
