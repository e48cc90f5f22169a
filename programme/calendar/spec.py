"""One cycle as the calendar file describes it, after every check has passed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import date

from programme.calendar.cycle_settings import CycleSettings
from programme.people.roles import REGION_SCOPE, Role, authority_scope, group_scope

KINDS = ("triad", "quartet")
KIND_SIZES = {"triad": 3, "quartet": 4}
FORMATS = ("face_to_face", "virtual")
FORMAT_LABELS = {"face_to_face": "face to face", "virtual": "virtual"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a calendar file. `place` reads like "line 57, groups[4].date"."""

    place: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class CalendarProblems(ValueError):
    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{source} has {count}:\n" + "\n".join(f"  {problem}" for problem in problems))


class PastCycle(CalendarProblems):
    """The file's cycle ended before today and the coordinator did not say it is a past cycle."""

    def __init__(self, source: str, name: str, starts_on: date, ends_on: date):
        self.name, self.starts_on, self.ends_on = name, starts_on, ends_on
        span = f"{starts_on.day} {starts_on:%b %Y} to {ends_on.day} {ends_on:%b %Y}"
        super().__init__(source, [Problem("cycle", (
            f"the {name} cycle runs from {span}, so it is wholly in the past and nothing was imported. If the file is the "
            "record of an earlier year, import it as a past cycle; if not, check the cycle's dates and the year"))])


@dataclass(frozen=True)
class CycleSpec:
    name: str
    starts_on: date
    ends_on: date
    settings: CycleSettings


@dataclass(frozen=True)
class AuthoritySpec:
    code: str
    name: str


@dataclass(frozen=True)
class RoleSpec:
    role: Role
    authority: str | None = None  # authority code, for authority roles
    group: str | None = None  # group key, for facilitators

    def scope(self, cycle: str) -> str:
        if self.authority is not None:
            return authority_scope(self.authority)
        if self.group is not None:
            return group_scope(cycle, self.group)
        return REGION_SCOPE


@dataclass(frozen=True)
class PersonSpec:
    name: str
    email: str  # lower-cased
    roles: tuple[RoleSpec, ...]


@dataclass(frozen=True)
class MemberSpec:
    authority: str
    lead_reviewer_for: str


@dataclass(frozen=True)
class GroupSpec:
    key: str
    name: str
    kind: str
    date: date
    format: str
    members: tuple[MemberSpec, ...]
    location: str = ""
    dissemination_deadline: datetime.date | None = None  # None: the cycle's offset applies (`date` here is the field above)


@dataclass(frozen=True)
class CalendarSpec:
    source: str
    cycle: CycleSpec
    authorities: tuple[AuthoritySpec, ...]
    people: tuple[PersonSpec, ...]
    groups: tuple[GroupSpec, ...]

    def authority_name(self, code: str) -> str:
        return next(authority.name for authority in self.authorities if authority.code == code)
