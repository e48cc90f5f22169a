"""The coordinators' digest: what needs their attention this week, read from the records.

`build_digest` reads everything it shows in one go and knows nothing of channels; `digest_payload`
makes it JSON for the outbox and for `notify/templates/digest.j2`, which renders it as an email and
a Teams card; `queue_weekly_digest` writes this week's rows, one per coordinator per channel, with
keys that name the ISO week, so a restarted or second scheduler never sends a week's digest twice.

Sections, and what each one means:

- nominations made since `since`, and the panel (nominations neither withdrawn nor declined) by area;
- open enquiries by stage, the ones waiting longest since their last change, and how many are new;
- authorities inside their moderation window (as the reminders count it) with no enquiry;
- self-assessments not yet received that are due within two weeks, or overdue before the day;
- notes of a session sent and not yet agreed, with the working days they have waited;
- asks, offers and plenary suggestions recorded since `since`, and the suggested matches for them;
- feedback received since `since` (each piece as written, the longest cut with a pointer to
  `feedback`, which lists it whole);
- deliveries that failed for good and are not yet retried or cancelled, and the reminders (rows
  keyed "reminder/...", of every kind: moderation, self-assessment, asks and offers, notes) marked
  missed since `since`, too late to send after an outage or a late import: the design's "listed in
  the next digest";
- the programme's dates in the next four weeks.

"New" and "missed since" compare `since` with the rows' own `created_at` and `updated_at`, which the
database writes from the system clock: in service the injected clock is that clock.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from programme.calendar.cycle_settings import CycleSettings
from programme.errors import NotAllowed
from programme.feedback import CHANNELS as FEEDBACK_CHANNELS
from programme.feedback import UNKNOWN_SENDER
from programme.moderation.stages import OPEN_STAGES, Stage
from programme.notes.agreement import NoteStatus
from programme.panel.nomination import ACTIVE_STATUSES, AREAS, COVERS, NominationStatus
from programme.people.profile import Profile
from programme.people.roles import Role
from programme.reminders.facts import load_facts
from programme.reminders.working_days import working_days_between
from programme.support.form import KIND_NOUNS, THEME_TITLES, ItemStatus
from programme.support.matching import all_suggestions
from programme.unit_of_work import unit_of_work
from storage.calendar import Cycle, Group, NoteAgreement, SelfAssessment
from storage.conversations import ConversationReferenceRecord
from storage.feedback import Feedback
from storage.moderation import Enquiry, EnquiryEvent
from storage.outbox import OutboxMessage, OutboxStatus, enqueue
from storage.panel import Nomination
from storage.people import Authority, Person, RoleAssignment
from storage.support import SupportItem

log = logging.getLogger(__name__)

KIND = "digest"
WEEK = timedelta(days=7)
DUE_AHEAD = timedelta(days=14)  # a self-assessment due this soon is listed
AHEAD = timedelta(days=28)  # the dates section: the next four weeks
WAITING_SHOWN = 5
FEEDBACK_SHOWN_CHARS = 400  # a longer piece is cut in the digest; `feedback` lists it whole
FAILED_SHOWN = 20
CHANNELS = ("teams", "email")
COORDINATOR_ROLES = (Role.COORDINATOR.value, Role.MODERATION_COORDINATOR.value)
AREA_TITLES = {c.value: c.title.split(":")[0] for c in AREAS}  # "Open", not "Open: any area, ..."
COVERS_TITLES = {c.value: c.title.split(" (")[0] for c in COVERS}  # without "(usually 2-4 days)"
MISSED_RULES = {
    "moderation_opens": "Moderation window opens",
    "moderation_closing": "Moderation window closing",
    "self_assessment_due": "Self-assessment due",
    "self_assessment_overdue": "Self-assessment overdue",
    "asks_offers_prompt": "Asks and offers prompt",
    "note_follow_up": "Note agreement follow-up",
    "note_escalation": "Note agreement escalation",
    "lead_member_share": "Sharing with the Lead Member",
    "day_before_briefing": "The day-before briefing",
}
REMINDER_KEYS = "reminder/"  # every planned reminder's key (programme/reminders/plan.py), whatever its kind
CHANNEL_NAMES = {"teams": "Teams", "email": "email", "best": "Teams or email"}


@dataclass(frozen=True)
class NewNomination:
    nominee: str
    authority: str
    covers: str
    areas: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class WaitingEnquiry:
    enquiry_id: int
    authority: str
    stage: str
    since: date  # the last change, or its arrival
    days: int


@dataclass(frozen=True)
class InWindow:
    """An authority inside its moderation window that has not made an enquiry."""

    authority: str
    group: str
    challenge_date: date
    closes: date
    closing_soon: bool  # within the coming week


@dataclass(frozen=True)
class SelfAssessmentDue:
    authority: str
    group: str
    deadline: date
    overdue: bool
    sent: bool  # the DCS says it is sent: it is waiting to be marked received


@dataclass(frozen=True)
class NoteWaiting:
    authority: str
    group: str
    version: int
    sent_on: date
    status: str  # a NoteStatus: sent or amendments_requested
    working_days: int
    escalate: bool  # past the cycle's escalation point


@dataclass(frozen=True)
class NewItem:
    kind: str  # ask, offer, priority, problem-solving topic, networking group
    authority: str
    theme: str
    title: str


@dataclass(frozen=True)
class SuggestedMatch:
    ask: str
    ask_authority: str
    offer: str
    offer_authority: str
    reason: str


@dataclass(frozen=True)
class NewFeedback:
    on: date
    from_name: str
    channel: str
    text: str  # as written, or its first FEEDBACK_SHOWN_CHARS characters and an ellipsis
    cut: bool


@dataclass(frozen=True)
class FailedDelivery:
    outbox_id: int
    kind: str
    recipient: str
    channel: str
    error: str
    on: date


@dataclass(frozen=True)
class MissedReminder:
    what: str
    authority: str
    on: date
    recipients: int


@dataclass(frozen=True)
class ComingDate:
    on: date
    what: str


@dataclass(frozen=True)
class Digest:
    now: datetime
    since: datetime
    zone: ZoneInfo  # the programme's local time
    today: date  # there
    cycle: str | None
    new_nominations: tuple[NewNomination, ...]
    panel_by_area: tuple[Count, ...]
    panel_size: int
    panel_joined: int
    enquiries_by_stage: tuple[Count, ...]
    new_enquiries: int
    enquiries_waiting: tuple[WaitingEnquiry, ...]
    moderation_window: tuple[InWindow, ...]
    self_assessments: tuple[SelfAssessmentDue, ...]
    notes_not_agreed: tuple[NoteWaiting, ...]
    new_items: tuple[NewItem, ...]
    suggestions: tuple[SuggestedMatch, ...]
    suggestions_total: int  # every suggestion not yet confirmed, new or not
    new_feedback: tuple[NewFeedback, ...]
    failed_deliveries: tuple[FailedDelivery, ...]  # the latest FAILED_SHOWN
    failed_total: int
    missed_reminders: tuple[MissedReminder, ...]
    coming_dates: tuple[ComingDate, ...]

    @property
    def week_of(self) -> date:
        """The Monday of the ISO week the digest is for."""
        return self.today - timedelta(days=self.today.weekday())


def build_digest(session: Session, now: datetime, zone: ZoneInfo, *, since: datetime | None = None) -> Digest:
    since = since or now - WEEK
    today = now.astimezone(zone).date()
    cycles = list(session.scalars(select(Cycle).where(Cycle.active.is_(True)).order_by(Cycle.starts_on)))
    current = _current(cycles, today)
    panel = _panel(session)
    stages, waiting = _enquiries(session, now, zone)
    window, self_assessments, dates = [], [], []
    for cycle in cycles:
        cycle_window, cycle_assessments, cycle_dates = _calendar_sections(session, cycle, today, zone)
        window += cycle_window
        self_assessments += cycle_assessments
        dates += cycle_dates
    new_items, suggestions, suggestions_total = _support(session, since, current)
    failed, failed_total = _failed(session, zone)
    return Digest(
        now=now, since=since, zone=zone, today=today, cycle=current.name if current else None,
        new_nominations=_new_nominations(session, since),
        panel_by_area=panel[0], panel_size=panel[1], panel_joined=panel[2],
        enquiries_by_stage=stages,
        new_enquiries=session.scalar(select(func.count(Enquiry.id)).where(Enquiry.created_at >= since)) or 0,
        enquiries_waiting=waiting,
        moderation_window=tuple(sorted(window, key=lambda w: (w.closes, w.group, w.authority))),
        self_assessments=tuple(sorted(self_assessments, key=lambda s: (not s.overdue, s.deadline, s.group, s.authority))),
        notes_not_agreed=tuple(notes_not_agreed(session, cycles, today)),
        new_items=new_items, suggestions=suggestions, suggestions_total=suggestions_total,
        new_feedback=_feedback(session, since, zone),
        failed_deliveries=failed, failed_total=failed_total,
        missed_reminders=_missed(session, since, zone),
        coming_dates=tuple(sorted(dates + _reports_due(session, today), key=lambda d: (d.on, d.what))),
    )


def _current(cycles: list[Cycle], today: date) -> Cycle | None:
    """As programme.people.profile.current_cycle, from the cycles already read."""
    for cycle in cycles:
        if cycle.starts_on <= today <= cycle.ends_on:
            return cycle
    upcoming = [c for c in cycles if c.starts_on > today]
    return upcoming[0] if upcoming else (cycles[-1] if cycles else None)


# -- the panel -----------------------------------------------------------------------------------


def _new_nominations(session: Session, since: datetime) -> tuple[NewNomination, ...]:
    rows = session.execute(
        select(Nomination, Person.name, Authority.name)
        .join(Person, Person.id == Nomination.nominee_person_id)
        .join(Authority, Authority.id == Nomination.authority_id)
        .where(Nomination.created_at >= since)
        .order_by(Nomination.created_at, Nomination.id)
    )
    return tuple(
        NewNomination(nominee, authority, COVERS_TITLES.get(n.covers, n.covers), tuple(AREA_TITLES.get(a, a) for a in n.areas or ()), n.status)
        for n, nominee, authority in rows
    )


def _panel(session: Session) -> tuple[tuple[Count, ...], int, int]:
    """Nominations on the panel per area (every area, so gaps show), their number, and how many joined."""
    rows = session.execute(select(Nomination.areas, Nomination.status).where(Nomination.status.in_(ACTIVE_STATUSES))).all()
    counted = Counter(area for areas, _ in rows for area in set(areas or ()))
    by_area = tuple(Count(AREA_TITLES[c.value], counted[c.value]) for c in AREAS)
    return by_area, len(rows), sum(1 for _, status in rows if status == NominationStatus.JOINED)


# -- enquiries -----------------------------------------------------------------------------------


def _enquiries(session: Session, now: datetime, zone: ZoneInfo) -> tuple[tuple[Count, ...], tuple[WaitingEnquiry, ...]]:
    last_change = (
        select(EnquiryEvent.enquiry_id, func.max(EnquiryEvent.at).label("at")).group_by(EnquiryEvent.enquiry_id).subquery()
    )
    rows = session.execute(
        select(Enquiry.id, Enquiry.stage, Enquiry.created_at, Authority.name, last_change.c.at)
        .join(Authority, Authority.id == Enquiry.authority_id)
        .outerjoin(last_change, last_change.c.enquiry_id == Enquiry.id)
        .where(Enquiry.stage.in_([s.value for s in OPEN_STAGES]))
    ).all()
    counted = Counter(stage for _, stage, *_ in rows)
    stages = tuple(Count(s.label, counted[s.value]) for s in OPEN_STAGES if counted[s.value])
    waiting = []
    for enquiry_id, stage, created_at, authority, changed_at in rows:
        moment = changed_at or created_at
        waiting.append(WaitingEnquiry(
            enquiry_id, authority, Stage(stage).label, moment.astimezone(zone).date(), max((now - moment).days, 0),
        ))
    waiting.sort(key=lambda w: (-w.days, w.enquiry_id))
    return stages, tuple(waiting[:WAITING_SHOWN])


# -- the calendar: moderation window, self-assessments, dates ---------------------------------


def _calendar_sections(session: Session, cycle: Cycle, today: date, zone: ZoneInfo) -> tuple[list[InWindow], list[SelfAssessmentDue], list[ComingDate]]:
    """The moderation window, the self-assessments and the coming dates of one cycle."""
    facts = load_facts(session, cycle, zone)  # the same reading of the records as the reminders'
    sent = set(session.scalars(select(Authority.code).join(SelfAssessment, SelfAssessment.authority_id == Authority.id).where(
        SelfAssessment.cycle_id == cycle.id, (SelfAssessment.link != "") | SelfAssessment.sent_by_person_id.is_not(None))))
    window, assessments, dates = [], [], []
    for group in facts.groups:
        opens, closes = facts.settings.moderation_window(group.challenge_date)
        in_window = opens <= today <= closes
        overdue = group.deadline < today <= group.challenge_date
        due = today <= group.deadline <= today + DUE_AHEAD
        for authority in group.authorities:
            if in_window and not authority.has_enquiry:
                window.append(InWindow(authority.name, group.name, group.challenge_date, closes, closes <= today + WEEK))
            if (overdue or due) and not authority.self_assessment_received:
                assessments.append(SelfAssessmentDue(authority.name, group.name, group.deadline, overdue, authority.code in sent))
        dates += [
            ComingDate(opens, f"{group.name}: the moderation window opens"),
            ComingDate(closes, f"{group.name}: the moderation window closes"),
            ComingDate(group.deadline, f"{group.name}: self-assessments due for dissemination"),
            ComingDate(group.challenge_date, f"{group.name}: challenge day"),
        ]
    return window, assessments, [d for d in dates if today <= d.on < today + AHEAD]


def _reports_due(session: Session, today: date) -> list[ComingDate]:
    waiting = [s.value for s in OPEN_STAGES if s != Stage.REPORT_DELIVERED]
    rows = session.execute(
        select(Enquiry.id, Enquiry.report_due, Enquiry.report_needed_by, Authority.name)
        .join(Authority, Authority.id == Enquiry.authority_id)
        .where(Enquiry.stage.in_(waiting))
    )
    found = [ComingDate(due or needed, f"Enquiry {enquiry_id}, {authority}: report {'due' if due else 'needed by'}")
             for enquiry_id, due, needed, authority in rows]
    return [d for d in found if today <= d.on < today + AHEAD]


# -- notes ---------------------------------------------------------------------------------------


def notes_not_agreed(session: Session, cycles: list[Cycle], today: date) -> list[NoteWaiting]:
    """Every note of an active cycle sent and not yet agreed, longest waiting first."""
    escalation = {c.id: CycleSettings.from_mapping(c.settings).note_escalation_working_days for c in cycles}
    rows = session.execute(
        select(NoteAgreement, Authority.name, Group.name)
        .join(Authority, Authority.id == NoteAgreement.authority_id)
        .join(Group, Group.id == NoteAgreement.group_id)
        .where(NoteAgreement.cycle_id.in_(list(escalation)), NoteAgreement.status != NoteStatus.AGREED)
    )
    found = []
    for note, authority, group in rows:
        waited = working_days_between(note.sent_on, today)
        found.append(NoteWaiting(authority, group, note.version, note.sent_on, note.status, waited, waited >= escalation[note.cycle_id]))
    return sorted(found, key=lambda n: (n.sent_on, n.group, n.authority))


# -- asks and offers -----------------------------------------------------------------------------


def _support(session: Session, since: datetime, cycle: Cycle | None) -> tuple[tuple[NewItem, ...], tuple[SuggestedMatch, ...], int]:
    rows = session.execute(
        select(SupportItem, Authority.name)
        .join(Authority, Authority.id == SupportItem.authority_id)
        .where(SupportItem.created_at >= since, SupportItem.status == ItemStatus.ACTIVE)
        .order_by(SupportItem.kind, SupportItem.id)
    ).all()
    new = tuple(
        NewItem(KIND_NOUNS.get(item.kind, item.kind), authority, THEME_TITLES.get(item.theme, item.theme), item.title)
        for item, authority in rows
    )
    new_ids = {item.id for item, _ in rows}
    suggested = all_suggestions(session, cycle.id if cycle else None)
    about_new = tuple(
        SuggestedMatch(s.ask.title, s.ask.authority_name, s.offer.title, s.offer.authority_name, s.reason)
        for s in suggested if s.ask.id in new_ids or s.offer.id in new_ids
    )
    return new, about_new, len(suggested)


# -- deliveries ----------------------------------------------------------------------------------


def _failed(session: Session, zone: ZoneInfo) -> tuple[tuple[FailedDelivery, ...], int]:
    failed = OutboxMessage.status == OutboxStatus.FAILED
    total = session.scalar(select(func.count(OutboxMessage.id)).where(failed)) or 0
    rows = session.execute(
        select(OutboxMessage, Person.name)
        .outerjoin(Person, Person.id == OutboxMessage.recipient_person_id)
        .where(failed)
        .order_by(OutboxMessage.updated_at.desc(), OutboxMessage.id.desc())
        .limit(FAILED_SHOWN)
    )
    return tuple(
        FailedDelivery(
            row.id, row.kind, name or row.recipient_address or "nobody", row.delivered_channel or row.channel,
            " ".join((row.last_error or "no reason recorded").split())[:160], row.updated_at.astimezone(zone).date(),
        )
        for row, name in rows
    ), total


def _missed(session: Session, since: datetime, zone: ZoneInfo) -> tuple[MissedReminder, ...]:
    """Reminders marked missed since `since`, one line per rule, authority and day."""
    rows = session.execute(
        select(OutboxMessage.idempotency_key, OutboxMessage.kind, OutboxMessage.payload, OutboxMessage.due_at)
        .where(OutboxMessage.status == OutboxStatus.MISSED, OutboxMessage.idempotency_key.startswith(REMINDER_KEYS, autoescape=True),
               OutboxMessage.updated_at >= since)
    )
    people: dict[tuple[str, str, date], int] = defaultdict(int)
    for key, kind, payload, due_at in rows:
        parts = key.split("/")  # reminder/{cycle}/{rule}[/{follow-up}]/{authority}/{person}
        rule = parts[2] if len(parts) > 4 else kind
        what = MISSED_RULES.get(rule) or rule.replace("_", " ").capitalize()
        authority = str((payload or {}).get("authority_name") or "")
        people[(what, authority, due_at.astimezone(zone).date())] += 1
    return tuple(
        MissedReminder(what, authority, on, count)
        for (what, authority, on), count in sorted(people.items(), key=lambda item: (item[0][2], item[0][0], item[0][1]))
    )


# -- feedback -------------------------------------------------------------------------------------


def _feedback(session: Session, since: datetime, zone: ZoneInfo) -> tuple[NewFeedback, ...]:
    """Feedback received since `since`, oldest first, as `programme.feedback` names its senders and channels."""
    rows = session.execute(select(Feedback, Person.name).outerjoin(Person, Person.id == Feedback.person_id)
                           .where(Feedback.created_at >= since).order_by(Feedback.created_at, Feedback.id))
    shown = []
    for row, name in rows:
        cut = len(row.text) > FEEDBACK_SHOWN_CHARS
        text = row.text[:FEEDBACK_SHOWN_CHARS].rstrip() + "…" if cut else row.text
        shown.append(NewFeedback(row.created_at.astimezone(zone).date(), name or UNKNOWN_SENDER,
                                 FEEDBACK_CHANNELS.get(row.channel_id, row.channel_id), text, cut))
    return tuple(shown)


# -- for the outbox and the template ------------------------------------------------------------


def _day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def digest_for(session: Session, profile: Profile, now: datetime, zone: ZoneInfo) -> Digest:
    """This week's digest, now, for a coordinator (it is theirs alone)."""
    if not profile.is_coordinator:
        raise NotAllowed(
            "Only the programme coordinators receive the digest. Type `status` for your own dates and `help` for what you can do."
        )
    return build_digest(session, now, zone)


def digest_payload(digest: Digest) -> dict[str, Any]:
    """The digest as JSON-ready values, dates written out: what `notify/templates/digest.j2` reads."""
    return {
        "week_of": _day(digest.week_of),
        "since": _day(digest.since.astimezone(digest.zone).date()),
        "cycle": digest.cycle or "no cycle",
        "new_nominations": [
            {"nominee": n.nominee, "authority": n.authority, "covers": n.covers, "areas": ", ".join(n.areas) or "none given", "status": n.status}
            for n in digest.new_nominations
        ],
        "panel_size": digest.panel_size,
        "panel_joined": digest.panel_joined,
        "panel_by_area": [{"area": c.label, "count": c.count} for c in digest.panel_by_area],
        "new_enquiries": digest.new_enquiries,
        "enquiries_by_stage": [{"stage": c.label, "count": c.count} for c in digest.enquiries_by_stage],
        "enquiries_waiting": [
            {"id": w.enquiry_id, "authority": w.authority, "stage": w.stage, "since": _day(w.since), "days": w.days}
            for w in digest.enquiries_waiting
        ],
        "moderation_window": [
            {"authority": w.authority, "group": w.group, "challenge_date": _day(w.challenge_date), "closes": _day(w.closes),
             "closing_soon": w.closing_soon}
            for w in digest.moderation_window
        ],
        "self_assessments": [
            {"authority": s.authority, "group": s.group, "deadline": _day(s.deadline), "overdue": s.overdue, "sent": s.sent}
            for s in digest.self_assessments
        ],
        "notes_not_agreed": [
            {"authority": n.authority, "group": n.group, "version": n.version, "sent_on": _day(n.sent_on),
             "status": NoteStatus(n.status).label, "working_days": n.working_days, "escalate": n.escalate}
            for n in digest.notes_not_agreed
        ],
        "new_items": [{"kind": i.kind, "authority": i.authority, "theme": i.theme, "title": i.title} for i in digest.new_items],
        "suggestions": [
            {"ask": s.ask, "ask_authority": s.ask_authority, "offer": s.offer, "offer_authority": s.offer_authority, "reason": s.reason}
            for s in digest.suggestions
        ],
        "suggestions_total": digest.suggestions_total,
        "new_feedback": [{"on": _day(f.on), "from_name": f.from_name, "channel": f.channel, "text": f.text, "cut": f.cut}
                         for f in digest.new_feedback],
        "failed_deliveries": [
            {"id": f.outbox_id, "kind": f.kind, "recipient": f.recipient, "channel": CHANNEL_NAMES.get(f.channel, f.channel),
             "error": f.error, "on": _day(f.on)}
            for f in digest.failed_deliveries
        ],
        "failed_total": digest.failed_total,
        "missed_reminders": [
            {"what": m.what, "authority": m.authority, "on": _day(m.on), "recipients": m.recipients} for m in digest.missed_reminders
        ],
        "coming_dates": [{"on": _day(d.on), "what": d.what} for d in digest.coming_dates],
    }


# -- the weekly rows -----------------------------------------------------------------------------


def week_name(now: datetime, zone: ZoneInfo) -> str:
    year, week, _ = now.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


def coordinators(session: Session) -> list[int]:
    """Everyone active who holds an active coordinator or moderation coordinator role."""
    return list(session.scalars(
        select(Person.id).join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.role.in_(COORDINATOR_ROLES), RoleAssignment.active.is_(True), Person.active.is_(True))
        .distinct().order_by(Person.id)
    ))


@unit_of_work
def queue_weekly_digest(session: Session, now: datetime, zone: ZoneInfo) -> int:
    """This week's digest for every coordinator: by email always, and in Teams for those we can reach
    there (an active Teams conversation). Returns how many rows were new; a second call in the same
    week writes none."""
    people = coordinators(session)
    in_teams = set(session.scalars(select(ConversationReferenceRecord.person_id).where(
        ConversationReferenceRecord.person_id.in_(people), ConversationReferenceRecord.channel_id == "msteams",
        ConversationReferenceRecord.active.is_(True))))
    week = week_name(now, zone)
    payload = digest_payload(build_digest(session, now, zone))
    queued = 0
    for person_id in people:
        for channel in CHANNELS:
            if channel == "teams" and person_id not in in_teams:
                continue
            queued += enqueue(session, key=f"digest/{week}/{person_id}/{channel}", kind=KIND, payload=payload, due_at=now,
                              recipient_person_id=person_id, channel=channel)
    log.info("digest %s: %s rows queued for %s coordinators", week, queued, len(people))
    return queued
