"""Applying a calendar file to the database: `peer-challenge import-calendar FILE [--dry-run]`.

One transaction. Re-importing the same file changes nothing; a corrected file updates records in
place. Records missing from the file are deactivated, never deleted, and come back when they
return. Role assignments added from the assistant (source "assistant") are left alone.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from programme import audit
from programme.calendar.file import parse_calendar
from programme.calendar.group_notices import tell_group_changed
from programme.calendar.import_report import ImportReport, day
from programme.calendar.spec import FORMAT_LABELS, CalendarProblems, CalendarSpec, GroupSpec, PastCycle, Problem
from programme.errors import NotAllowed
from programme.people.profile import Profile
from programme.people.roles import group_scope
from programme.unit_of_work import unit_of_work
from programme.validation import normalise_email
from storage.base import utcnow
from storage.calendar import Cycle, Group, GroupMember
from storage.people import Authority, Person, RoleAssignment

log = logging.getLogger(__name__)

CALENDAR = "calendar"
ASSISTANT = "assistant"


def require_importer(profile: Profile) -> None:
    """The calendar is the coordinators' to import, from the assistant as from the command line."""
    if not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators import the calendar.")


def load_calendar_file(path: str | Path) -> CalendarSpec:
    """Read and check a calendar file; raises CalendarProblems, also when it cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CalendarProblems(str(path), [Problem("file", f"{path} does not exist; check the path")]) from None
    except UnicodeDecodeError:
        raise CalendarProblems(str(path), [Problem("file", "the file is not UTF-8 text; save it as UTF-8")]) from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise CalendarProblems(str(path), [Problem("file", f"{path} cannot be read ({reason}); check the path and its permissions")]) from None
    return parse_calendar(text, source=str(path))


def import_calendar(sessions: sessionmaker[Session], spec: CalendarSpec, *, dry_run: bool, today: date, past_cycle: bool = False,
                    person_id: int | None = None, channel: str | None = None) -> ImportReport:
    """Import the file in one transaction of its own, or (`dry_run`) only report what would change.
    `channel` says where the import was asked for (the command line, an email, Teams), for the audit
    trail with `person_id`, who asked; without it nothing is recorded (a test's own calendar).

    `today` is the programme's date. A cycle that ended before it is refused (PastCycle) unless the
    coordinator says it is a past cycle (`past_cycle`), the record of an earlier year; inside a
    current cycle, a group added or moved to a day already past is imported with a warning."""
    if spec.cycle.ends_on < today and not past_cycle:
        raise PastCycle(spec.source, spec.cycle.name, spec.cycle.starts_on, spec.cycle.ends_on)
    totals = {
        "authorities": len(spec.authorities),
        "groups": len(spec.groups),
        "people": len(spec.people),
        "roles": sum(len(person.roles) for person in spec.people),
    }
    report = ImportReport(spec.cycle.name, spec.source, dry_run, totals)
    with sessions() as session:
        if dry_run:
            # Closing the session without a commit rolls back: a dry run writes nothing.
            cycle_id = _Import(session, spec, report, today, past_cycle).run()
        else:
            cycle_id = _apply(session, spec, report, today, past_cycle, person_id, channel)
    log.info("calendar import for cycle id %s: %d changes%s", cycle_id, report.change_count, " (dry run)" if dry_run else "")
    return report


@unit_of_work
def _apply(session: Session, spec: CalendarSpec, report: ImportReport, today: date, past_cycle: bool, person_id: int | None,
           channel: str | None) -> int:
    cycle_id = _Import(session, spec, report, today, past_cycle).run()
    if channel is not None:
        subject = f"cycle={spec.cycle.name}" + (" past-cycle" if past_cycle else "")
        audit.record(session, person_id=person_id, channel=channel, action="import-calendar", subject=subject[:200])
    return cycle_id


class _Import:
    def __init__(self, session: Session, spec: CalendarSpec, report: ImportReport, today: date, past_cycle: bool):
        self.session = session
        self.spec = spec
        self.report = report
        self.today = today
        self.past_cycle = past_cycle
        self.changed: list[tuple[Group, list[str]]] = []  # groups whose date, format or venue changed

    def run(self) -> int:
        cycle = self.cycle()
        authorities = self.authorities()
        groups = self.groups(cycle, authorities)
        people = self.people()
        self.roles(cycle, people, authorities, groups)
        self.deactivate_absent_people(people)
        self.session.flush()
        for group, changes in self.changed:
            tell_group_changed(self.session, group, changes, utcnow())
        return cycle.id

    def cycle(self) -> Cycle:
        spec = self.spec.cycle
        settings = spec.settings.to_dict()
        cycle = self.session.scalar(select(Cycle).where(Cycle.name == spec.name))
        if cycle is None:
            cycle = Cycle(name=spec.name, starts_on=spec.starts_on, ends_on=spec.ends_on, settings=settings, active=True)
            self.session.add(cycle)
            self.session.flush()
            self.report.add("Cycle added", f"{spec.name} ({day(spec.starts_on)} to {day(spec.ends_on)})")
            return cycle
        if not cycle.active:
            cycle.active = True
            self.report.add("Cycle reactivated", spec.name)
        if (cycle.starts_on, cycle.ends_on) != (spec.starts_on, spec.ends_on):
            self.report.add("Cycle dates changed", (
                f"{spec.name} from {day(cycle.starts_on)} to {day(cycle.ends_on)}, "
                f"now {day(spec.starts_on)} to {day(spec.ends_on)}"
            ))
            cycle.starts_on, cycle.ends_on = spec.starts_on, spec.ends_on
        if cycle.settings != settings:
            old = cycle.settings or {}
            for key, value in settings.items():
                if old.get(key) != value:
                    self.report.add("Cycle settings changed", f"{key} from {_setting(old.get(key))} to {_setting(value)}")
            cycle.settings = settings
        return cycle

    def authorities(self) -> dict[str, Authority]:
        existing = {authority.code: authority for authority in self.session.scalars(select(Authority))}
        for spec in self.spec.authorities:
            authority = existing.get(spec.code)
            if authority is None:
                authority = existing[spec.code] = Authority(code=spec.code, name=spec.name, active=True)
                self.session.add(authority)
                self.report.add("Authorities added", spec.name)
                continue
            if authority.name != spec.name:
                self.report.add("Authorities renamed", f"{authority.name} to {spec.name}")
                authority.name = spec.name
            if not authority.active:
                authority.active = True
                self.report.add("Authorities reactivated", spec.name)
        listed = {spec.code for spec in self.spec.authorities}
        for code, authority in existing.items():
            if code not in listed and authority.active:
                authority.active = False
                self.report.add("Authorities deactivated", authority.name)
        self.session.flush()
        return existing

    def groups(self, cycle: Cycle, authorities: dict[str, Authority]) -> dict[str, Group]:
        existing = {group.key: group for group in self.session.scalars(select(Group).where(Group.cycle_id == cycle.id))}
        names = {authority.id: authority.name for authority in authorities.values()}
        for spec in self.spec.groups:
            group = existing.get(spec.key)
            is_new = group is None
            if spec.date < self.today and not self.past_cycle and (group is None or group.challenge_date != spec.date):
                self.report.warnings.append(
                    f"{spec.name}'s challenge day, {day(spec.date)}, is already past: check the date. It is imported as the file says; "
                    "reminders already overdue beyond the cycle's late limit are not sent, and the digest lists them as missed.")
            if group is None:
                group = existing[spec.key] = Group(cycle_id=cycle.id, key=spec.key, active=True, **_group_fields(spec))
                self.session.add(group)
                self.session.flush()
                self.report.add("Groups added", spec.name)
            else:
                self.update_group(group, spec)
            self.members(group, spec, authorities, names, report=not is_new)
        listed = {spec.key for spec in self.spec.groups}
        for key, group in existing.items():
            if key not in listed and group.active:
                group.active = False
                self.report.add("Groups deactivated", group.name)
                for member in self.session.scalars(select(GroupMember).where(GroupMember.group_id == group.id)):
                    member.active = False
        return existing

    def update_group(self, group: Group, spec: GroupSpec) -> None:
        name = spec.name
        if not group.active:
            group.active = True
            self.report.add("Groups reactivated", name)
        if group.name != name:
            self.report.add("Groups renamed", f"{group.name} to {name}")
        if group.kind != spec.kind:
            self.report.add("Kinds changed", f"{name} from {group.kind} to {spec.kind}")
        if group.challenge_date != spec.date:
            self.report.add("Dates moved", f"{name} from {day(group.challenge_date)} to {day(spec.date)}")
        if group.format != spec.format:
            self.report.add("Formats changed", (
                f"{name} from {FORMAT_LABELS.get(group.format, group.format)} to {FORMAT_LABELS[spec.format]}"
            ))
        if group.location != spec.location:
            self.report.add("Locations changed", f"{name} from {group.location or 'none'} to {spec.location or 'none'}")
        if group.dissemination_deadline != spec.dissemination_deadline:
            self.report.add("Dissemination deadlines changed", (
                f"{name} from {_deadline(group.dissemination_deadline)} to {_deadline(spec.dissemination_deadline)}"
            ))
        told = []
        if group.challenge_date != spec.date:
            told.append(f"The challenge day moved from {day(group.challenge_date)} to {day(spec.date)}.")
        if group.format != spec.format or group.location != spec.location:
            told.append(f"It is now {FORMAT_LABELS[spec.format]}" + (f", {spec.location}." if spec.location else "."))
        if told and group.active:
            self.changed.append((group, told))
        for attribute, value in _group_fields(spec).items():
            if getattr(group, attribute) != value:
                setattr(group, attribute, value)

    def members(self, group: Group, spec: GroupSpec, authorities: dict[str, Authority], names: dict[int, str],
                *, report: bool) -> None:
        """The group's members and Lead Reviewer pairs; `report` is off for a new group (already reported)."""
        existing = {
            member.authority_id: member
            for member in self.session.scalars(select(GroupMember).where(GroupMember.group_id == group.id))
        }
        listed = set()
        for position, member_spec in enumerate(spec.members):
            authority = authorities[member_spec.authority]
            reviews = authorities[member_spec.lead_reviewer_for]
            listed.add(authority.id)
            member = existing.get(authority.id)
            if member is None or not member.active:
                if report:
                    self.report.add("Members added", f"{authority.name} to {spec.name}")
                if member is None:
                    member = GroupMember(group_id=group.id, authority_id=authority.id, reviews_authority_id=reviews.id,
                                         position=position, active=True)
                    self.session.add(member)
                    continue
                member.active = True
            elif member.reviews_authority_id != reviews.id and report:
                was = names.get(member.reviews_authority_id, "nobody") if member.reviews_authority_id else "nobody"
                self.report.add("Lead Reviewers changed", f"{spec.name}: {authority.name} now reviews {reviews.name} (was {was})")
            if member.reviews_authority_id != reviews.id:
                member.reviews_authority_id = reviews.id
            if member.position != position:
                member.position = position
        for authority_id, member in existing.items():
            if authority_id not in listed and member.active:
                member.active = False
                self.report.add("Members removed", f"{names.get(authority_id, authority_id)} from {spec.name}")

    def people(self) -> dict[str, Person]:
        """Everyone, listed or not, by lower-cased email."""
        existing = {normalise_email(person.email): person for person in self.session.scalars(select(Person))}
        for spec in self.spec.people:
            person = existing.get(spec.email)
            if person is None:
                existing[spec.email] = Person(email=spec.email, name=spec.name, active=True)
                self.session.add(existing[spec.email])
                self.report.add("People added", f"{spec.name} <{spec.email}>")
                continue
            if person.name != spec.name:
                self.report.add("People renamed", f"{person.name} to {spec.name} <{spec.email}>")
                person.name = spec.name
            if not person.active:
                person.active = True
                self.report.add("People reactivated", f"{spec.name} <{spec.email}>")
        self.session.flush()
        return existing

    def roles(self, cycle: Cycle, people: dict[str, Person], authorities: dict[str, Authority],
              groups: dict[str, Group]) -> None:
        existing = {(row.person_id, row.role, row.scope): row for row in self.session.scalars(select(RoleAssignment))}
        by_id = {person.id: person for person in people.values()}
        authority_names = {authority.id: authority.name for authority in authorities.values()}
        group_names = {group.id: group.name for group in groups.values()}
        wanted = set()
        for person_spec in self.spec.people:
            person = people[person_spec.email]
            for role in person_spec.roles:
                authority = authorities[role.authority] if role.authority else None
                group = groups[role.group] if role.group else None
                key = (person.id, role.role.value, role.scope(cycle.name))
                wanted.add(key)
                row = existing.get(key)
                if row is None:
                    row = RoleAssignment(person_id=person.id, role=key[1], scope=key[2], source=CALENDAR, active=True,
                                         authority_id=authority.id if authority else None,
                                         group_id=group.id if group else None)
                    self.session.add(row)
                    self.report.add("Roles added", _role(person, row, authority_names, group_names))
                    continue
                if not row.active:
                    # Listed again in the file, so the file owns it, even if the assistant once added it.
                    row.active, row.source = True, CALENDAR
                    self.report.add("Roles reactivated", _role(person, row, authority_names, group_names))
                if authority and row.authority_id != authority.id:
                    row.authority_id = authority.id
                if group and row.group_id != group.id:
                    row.group_id = group.id
        # Facilitators of other cycles' groups belong to those cycles' files.
        this_cycle = group_scope(cycle.name, "")
        for key, row in existing.items():
            scope = row.scope
            if key in wanted or not row.active or row.source != CALENDAR:
                continue
            if scope.startswith("group:") and not scope.startswith(this_cycle):
                continue
            row.active = False
            self.report.add("Roles deactivated", _role(by_id[row.person_id], row, authority_names, group_names))

    def deactivate_absent_people(self, people: dict[str, Person]) -> None:
        """People missing from the file, unless a DCS or coordinator gave them a role from the assistant."""
        self.session.flush()
        kept = set(self.session.scalars(
            select(RoleAssignment.person_id).where(RoleAssignment.source == ASSISTANT, RoleAssignment.active.is_(True))
        ))
        listed = {spec.email for spec in self.spec.people}
        for email, person in people.items():
            if email not in listed and person.active and person.id not in kept:
                person.active = False
                self.report.add("People deactivated", f"{person.name} <{person.email}>")


def _group_fields(spec: GroupSpec) -> dict[str, object]:
    return {
        "name": spec.name,
        "kind": spec.kind,
        "challenge_date": spec.date,
        "format": spec.format,
        "location": spec.location,
        "dissemination_deadline": spec.dissemination_deadline,
    }


def _role(person: Person, row: RoleAssignment, authority_names: dict[int, str], group_names: dict[int, str]) -> str:
    role = row.role.replace("_", " ")
    held_for = authority_names.get(row.authority_id or 0) or group_names.get(row.group_id or 0)
    return f"{person.email} as {role} for {held_for}" if held_for else f"{person.email} as {role}"


def _deadline(value: date | None) -> str:
    return day(value) if value else "the default"


def _setting(value: object) -> str:
    if value is None:
        return "the default"
    if isinstance(value, dict):
        return ", ".join(f"{key} {item}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
