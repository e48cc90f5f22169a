"""Reading a programme calendar file (YAML) into a CalendarSpec.

Pure: no database. Every problem in the file is collected and reported at once, each with the
place it was found ("line 57, groups[4].date") and how to put it right.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from programme.calendar.cycle_settings import CycleSettings, InvalidSettings
from programme.calendar.located_yaml import LocatedDocument, Path, YamlSyntaxError, load_located
from programme.calendar.spec import (
    FORMATS,
    KIND_SIZES,
    KINDS,
    AuthoritySpec,
    CalendarProblems,
    CalendarSpec,
    CycleSpec,
    GroupSpec,
    MemberSpec,
    PersonSpec,
    Problem,
    RoleSpec,
)
from programme.people.roles import AUTHORITY_ROLES, Role
from programme.validation import choice_problem, closest, email_problem, join_choices, normalise_email, slug_problem

__all__ = ["CalendarProblems", "CalendarSpec", "Problem", "parse_calendar"]

# Each key with an example value, shown when the key is missing or unknown.
TOP_KEYS = {"cycle": "{name: \"2022-23\", starts_on: 2022-04-01, ends_on: 2023-03-31}",
            "authorities": "[{code: kent, name: Kent}]", "people": "[...]", "groups": "[...]"}
CYCLE_KEYS = {"name": '"2022-23"', "starts_on": "2022-04-01", "ends_on": "2023-03-31"}
AUTHORITY_KEYS = {"code": "kent", "name": "Kent"}
PERSON_KEYS = {"name": "Alex Example", "email": "alex.example@kent.example",
               "roles": "[{role: dcs, authority: kent}]"}
ROLE_KEYS = {"role": "dcs"}
ROLE_OPTIONAL = {"authority": "kent", "group": '"1"'}
GROUP_KEYS = {"key": '"1"', "name": "Triad 1", "kind": "triad", "date": "2023-01-16", "format": "virtual",
              "members": "[{authority: kent, lead_reviewer_for: surrey}, ...]"}
GROUP_OPTIONAL = {"location": "London", "dissemination_deadline": "2023-01-02"}
MEMBER_KEYS = {"authority": "kent", "lead_reviewer_for": "surrey"}
Day = date  # the type, for _Reader, where its method date() hides it
LIMITS = {"cycle": 40, "key": 40, "group": 120, "text": 200}


def parse_calendar(text: str, source: str = "calendar") -> CalendarSpec:
    """The calendar in `text`; raises CalendarProblems listing every problem found."""
    try:
        document = load_located(text)
    except YamlSyntaxError as error:
        place = f"line {error.line}" if error.line else "file"
        message = f"this is not valid YAML ({error}); check the indentation, colons and quotes here"
        raise CalendarProblems(source, [Problem(place, message, error.line)]) from None
    reader = _Reader(document)
    spec = reader.calendar(source)
    if reader.problems or spec is None:
        problems = sorted(reader.problems, key=lambda problem: problem.line or 0)
        raise CalendarProblems(source, problems or [Problem("file", "the calendar is empty")])
    return spec


def render_path(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f"{'.' if text else ''}{part}"
    return text


def _size_problem(label: str, kind: str, count: int) -> str:
    size = KIND_SIZES[kind]
    problem = f"{label} is a {kind} but has {count} members; a {kind} has {size}"
    other = next(name for name in KINDS if name != kind)
    if count == KIND_SIZES[other]:
        return f"{problem}: change kind to {other}, or {'add' if count < size else 'remove'} a member"
    return f"{problem}: list exactly {size} members"


def _name_one_of(codes: list[str]) -> str:
    if len(codes) == 1:
        return f"name {codes[0]}"
    return f"name one of {join_choices(codes)}" if codes else "name another member of the group"


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"'{value}'"


class _Reader:
    def __init__(self, document: LocatedDocument):
        self.document = document
        self.problems: list[Problem] = []
        self.codes: set[str] = set()
        self.group_keys: set[str] = set()
        for path, line in document.duplicate_keys:
            self.problem(path, f"'{path[-1]}' is written twice in the same place; keep one", line)

    # -- reporting

    def problem(self, path: Path, message: str, line: int | None = None) -> None:
        line = line or self.document.line(path)
        where = render_path(path) or "file"
        self.problems.append(Problem(f"line {line}, {where}" if line else where, message, line))

    def where(self, path: Path) -> str:
        line = self.document.line(path)
        return f"{render_path(path)} (line {line})" if line else render_path(path)

    # -- shapes and values

    def mapping(self, path: Path, value: object, what: str, required: dict[str, str],
                optional: dict[str, str] | None = None) -> dict[Any, Any] | None:  # as YAML gave it: keys and values of any type
        optional = optional or {}
        allowed = [*required, *optional]
        if not isinstance(value, dict):
            self.problem(path, f"{what} must be a mapping with {join_choices(list(required), 'and')}; found {_describe(value)}")
            return None
        for key in value:
            if key not in allowed:
                hint = closest(key, allowed)
                guess = f"did you mean '{hint}'? " if hint else ""
                self.problem(path + (key,), f"unknown key '{key}'; {guess}{what} takes {join_choices(allowed, 'and')}")
        for key, example in required.items():
            if key not in value:
                self.problem(path + (key,), f"missing {key}; add it, e.g. {key}: {example}")
            elif value[key] is None:
                self.problem(path + (key,), f"{key} is empty; fill it in, e.g. {key}: {example}")
        return value

    def items(self, path: Path, value: object, example: str) -> list[object]:
        if value is None:  # missing or empty: already reported by mapping()
            return []
        if not isinstance(value, list):
            self.problem(path, f"{path[-1]} must be a list, each item starting with '- ', e.g. - {example}; found {_describe(value)}")
            return []
        if not value:
            self.problem(path, f"{path[-1]} is empty; list at least one, e.g. - {example}")
        return value

    def text(self, path: Path, value: object, limit: int = LIMITS["text"]) -> str | None:
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # an unquoted key such as 1
        if not isinstance(value, str) or not value.strip():
            self.problem(path, f"{path[-1]} must be text; found {_describe(value)}")
            return None
        if len(value.strip()) > limit:
            self.problem(path, f"{path[-1]} is longer than {limit} characters; shorten it")
            return None
        return value.strip()

    def date(self, path: Path, value: object) -> date | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            self.problem(path, f"{path[-1]} is {value}; give the date alone, as YYYY-MM-DD, e.g. {value.date()}")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
            try:
                example = datetime.strptime(value.strip(), "%d/%m/%Y").date().isoformat()
            except ValueError:
                example = "2023-01-16"
            self.problem(path, f"{path[-1]} is '{value}', which is not a date; write it as YYYY-MM-DD, e.g. {example}")
            return None
        self.problem(path, f"{path[-1]} is {_describe(value)}, which is not a date; write it as YYYY-MM-DD, e.g. 2023-01-16")
        return None

    def choice(self, path: Path, value: object, choices: tuple[str, ...]) -> str | None:
        if value is None:
            return None
        problem = choice_problem(str(path[-1]), value, choices)
        if problem:
            self.problem(path, problem)
            return None
        return str(value)

    def authority_ref(self, path: Path, value: object) -> str | None:
        if value is None:
            return None
        code = str(value)
        if code in self.codes:
            return code
        hint = closest(code, self.codes)
        fix = f"did you mean '{hint}'?" if hint else "use a code from the authorities list, or add the authority there"
        self.problem(path, f"{path[-1]} '{code}' is not one of the authorities listed; {fix}")
        return None

    def group_ref(self, path: Path, value: object) -> str | None:
        if value is None:
            return None
        key = str(value)
        if key in self.group_keys:
            return key
        hint = closest(key, self.group_keys)
        fix = f"did you mean '{hint}'?" if hint else f"use one of the group keys: {join_choices(sorted(self.group_keys))}"
        self.problem(path, f"group '{key}' is not a group key in this file; {fix}")
        return None

    # -- sections

    def calendar(self, source: str) -> CalendarSpec | None:
        data = self.document.data
        if data is None:
            self.problem((), f"the file is empty; it needs {join_choices(list(TOP_KEYS), 'and')}", 1)
            return None
        top = self.mapping((), data, "the calendar file", TOP_KEYS)
        if top is None:
            return None
        cycle = self.cycle(top.get("cycle"))
        authorities = self.authorities(top.get("authorities"))
        groups = self.groups(top.get("groups"), cycle)
        people = self.people(top.get("people"))
        if self.problems or cycle is None:
            return None
        return CalendarSpec(source, cycle, tuple(authorities), tuple(people), tuple(groups))

    def cycle(self, value: object) -> CycleSpec | None:
        path: Path = ("cycle",)
        fields = self.mapping(path, value, "cycle", CYCLE_KEYS, {"settings": "{send_time: \"09:00\"}"})
        if fields is None:
            return None
        before = len(self.problems)
        name = self.text(path + ("name",), fields.get("name"), LIMITS["cycle"])
        starts_on = self.date(path + ("starts_on",), fields.get("starts_on"))
        ends_on = self.date(path + ("ends_on",), fields.get("ends_on"))
        if starts_on and ends_on and ends_on <= starts_on:
            self.problem(path + ("ends_on",), f"ends_on {ends_on} is not after starts_on {starts_on}; a cycle ends after it starts")
        settings = self.settings(path + ("settings",), fields.get("settings"))
        if len(self.problems) > before or not (name and starts_on and ends_on and settings):
            return None
        return CycleSpec(name, starts_on, ends_on, settings)

    def settings(self, path: Path, value: object) -> CycleSettings | None:
        try:
            return CycleSettings.from_mapping(value)  # type: ignore[arg-type]  # from_mapping checks the type
        except InvalidSettings as error:
            for subpath, message in error.problems:
                self.problem(path + subpath, message)
            return None

    def authorities(self, value: object) -> list[AuthoritySpec]:
        found: list[AuthoritySpec] = []
        first_by_code: dict[str, Path] = {}
        first_by_name: dict[str, Path] = {}
        for index, item in enumerate(self.items(("authorities",), value, "{code: kent, name: Kent}")):
            path: Path = ("authorities", index)
            fields = self.mapping(path, item, "an authority", AUTHORITY_KEYS)
            if fields is None:
                continue
            code, name = fields.get("code"), self.text(path + ("name",), fields.get("name"))
            if code is not None and (problem := slug_problem("code", code)):
                self.problem(path + ("code",), problem)
                code = None
            if code is not None and code in first_by_code:
                self.problem(path + ("code",), f"code '{code}' is already used at {self.where(first_by_code[code])}; each authority needs its own code")
                continue
            if name is not None and name.lower() in first_by_name:
                self.problem(path + ("name",), f"'{name}' is already listed at {self.where(first_by_name[name.lower()])}; list each authority once")
                continue
            if code is not None:
                first_by_code[code] = path
                self.codes.add(code)
            if name is not None:
                first_by_name[name.lower()] = path
            if code is not None and name is not None:
                found.append(AuthoritySpec(code, name))
        return found

    def groups(self, value: object, cycle: CycleSpec | None) -> list[GroupSpec]:
        items = self.items(("groups",), value, "{key: \"1\", name: Triad 1, ...}")
        # group keys first, so that facilitators may name any group, whatever order the file is in
        for item in items:
            if isinstance(item, dict) and item.get("key") is not None:
                self.group_keys.add(str(item["key"]))
        found: list[GroupSpec] = []
        first_by_key: dict[str, Path] = {}
        placed: dict[str, tuple[int, str]] = {}  # authority code -> (group index, group name)
        for index, item in enumerate(items):
            path: Path = ("groups", index)
            fields = self.mapping(path, item, "a group", GROUP_KEYS, GROUP_OPTIONAL)
            if fields is None:
                continue
            before = len(self.problems)
            key = self.text(path + ("key",), fields.get("key"), LIMITS["key"])
            if key is not None and key in first_by_key:
                self.problem(path + ("key",), f"key '{key}' is already used at {self.where(first_by_key[key])}; give each group its own key")
            elif key is not None:
                first_by_key[key] = path
            name = self.text(path + ("name",), fields.get("name"), LIMITS["group"])
            kind = self.choice(path + ("kind",), fields.get("kind"), KINDS)
            day = self.date(path + ("date",), fields.get("date"))
            if day is not None and cycle is not None:
                self.check_in_cycle(path + ("date",), day, cycle)
            group_format = self.choice(path + ("format",), fields.get("format"), FORMATS)
            location = self.text(path + ("location",), fields.get("location")) if fields.get("location") else ""
            deadline = self.date(path + ("dissemination_deadline",), fields.get("dissemination_deadline"))
            if deadline is not None and day is not None and deadline >= day:
                default = ""
                if cycle is not None:
                    default = f" (with this cycle's settings, {cycle.settings.dissemination_deadline(day)})"
                self.problem(path + ("dissemination_deadline",), (
                    f"dissemination_deadline {deadline} is on or after the challenge date {day}; "
                    f"set a date before the challenge day, or remove it to use the default{default}"
                ))
            label = name or render_path(path)
            members = self.members(path + ("members",), fields.get("members"), kind, label, index, placed)
            if len(self.problems) == before and key and name and kind and day and group_format and members:
                found.append(GroupSpec(key, name, kind, day, group_format, members, location or "", deadline))
        return found

    def check_in_cycle(self, path: Path, day: Day, cycle: CycleSpec) -> None:
        if cycle.starts_on <= day <= cycle.ends_on:
            return
        guess = ""
        for year in range(cycle.starts_on.year, cycle.ends_on.year + 1):
            try:
                candidate = day.replace(year=year)
            except ValueError:  # 29 February
                continue
            if cycle.starts_on <= candidate <= cycle.ends_on:
                guess = f" (did you mean {candidate}?)"
                break
        self.problem(path, (
            f"{path[-1]} {day} is outside the cycle {cycle.name} ({cycle.starts_on} to {cycle.ends_on}); "
            f"correct the date{guess}, or the cycle's starts_on and ends_on"
        ))

    def members(self, path: Path, value: object, kind: str | None, label: str, group_index: int,
                placed: dict[str, tuple[int, str]]) -> tuple[MemberSpec, ...] | None:
        items = self.items(path, value, "{authority: kent, lead_reviewer_for: surrey}")
        before = len(self.problems)
        rows: list[tuple[int, str | None, object]] = []  # (index, authority code, lead_reviewer_for as written)
        for index, item in enumerate(items):
            member_path = path + (index,)
            fields = self.mapping(member_path, item, "a member", MEMBER_KEYS)
            if fields is None:
                rows.append((index, None, None))
                continue
            code = self.authority_ref(member_path + ("authority",), fields.get("authority"))
            if code is not None and any(code == other for _, other, _ in rows):
                self.problem(member_path + ("authority",), f"{code} is listed twice in {label}; list each member once")
                code = None
            elif code is not None and code in placed and placed[code][0] != group_index:
                self.problem(member_path + ("authority",), (
                    f"{code} is already in {placed[code][1]} (groups[{placed[code][0]}]); an authority takes part "
                    "in one group per cycle: remove it from one of the groups"
                ))
            elif code is not None:
                placed[code] = (group_index, label)
            rows.append((index, code, fields.get("lead_reviewer_for")))
        if kind is not None and items and len(items) != KIND_SIZES[kind]:
            self.problem(path, _size_problem(label, kind, len(items)))
        self.check_lead_reviewers(path, rows, label)
        if len(self.problems) > before or not items:
            return None
        return tuple(MemberSpec(code, str(target)) for _, code, target in rows if code is not None)

    def check_lead_reviewers(self, path: Path, rows: list[tuple[int, str | None, object]], label: str) -> None:
        """Each member is Lead Reviewer for exactly one other member, and reviewed by exactly one."""
        codes = [code for _, code, _ in rows if code is not None]
        reviewer_of: dict[str, str] = {}
        all_named = len(codes) == len(rows)
        for index, code, target in rows:
            target_path = path + (index, "lead_reviewer_for")
            others = [other for other in codes if other != code]
            problem = None
            if target is None:
                pass  # reported as missing
            elif not isinstance(target, str):
                problem = f"lead_reviewer_for names one authority code; each member is Lead Reviewer for exactly one of {join_choices(others)}"
            elif target == code:
                problem = f"{code} cannot be its own Lead Reviewer; name another member of {label}: {join_choices(others)}"
            elif target not in codes:
                problem = f"lead_reviewer_for '{target}' is not a member of {label}; {_name_one_of(others)}"
            elif target in reviewer_of:
                problem = f"{target} already has a Lead Reviewer ({reviewer_of[target]}); each member is reviewed by exactly one other member"
            elif code is not None:
                reviewer_of[target] = code
                continue
            all_named = False
            if problem:
                self.problem(target_path, problem)
        if all_named:  # otherwise the gap is most likely the mistake already reported
            for code in codes:
                if code not in reviewer_of:
                    self.problem(path, f"{code} has no Lead Reviewer in {label}; make one other member lead_reviewer_for: {code}")

    def people(self, value: object) -> list[PersonSpec]:
        found: list[PersonSpec] = []
        first_by_email: dict[str, Path] = {}
        for index, item in enumerate(self.items(("people",), value, "{name: Alex Example, email: ..., roles: [...]}")):
            path: Path = ("people", index)
            fields = self.mapping(path, item, "a person", PERSON_KEYS)
            if fields is None:
                continue
            before = len(self.problems)
            name = self.text(path + ("name",), fields.get("name"))
            email = None
            if fields.get("email") is not None:
                if problem := email_problem(fields["email"]):
                    self.problem(path + ("email",), problem)
                else:
                    email = normalise_email(fields["email"])
            if email is not None and email in first_by_email:
                self.problem(path + ("email",), (
                    f"{email} is already listed at {self.where(first_by_email[email])} (addresses are compared "
                    "ignoring case); list each person once, with all their roles"
                ))
            elif email is not None:
                first_by_email[email] = path
            roles = self.roles(path + ("roles",), fields.get("roles"))
            if len(self.problems) == before and name and email and roles:
                found.append(PersonSpec(name, email, roles))
        return found

    def roles(self, path: Path, value: object) -> tuple[RoleSpec, ...]:
        found: list[RoleSpec] = []
        first: dict[RoleSpec, Path] = {}
        for index, item in enumerate(self.items(path, value, "{role: dcs, authority: kent}")):
            role_path = path + (index,)
            fields = self.mapping(role_path, item, "a role", ROLE_KEYS, ROLE_OPTIONAL)
            if fields is None:
                continue
            name = self.choice(role_path + ("role",), fields.get("role"), tuple(role.value for role in Role))
            if name is None:
                continue
            spec = self.role(role_path, Role(name), fields)
            if spec is None:
                continue
            if spec in first:
                self.problem(role_path, f"this role is already listed at {self.where(first[spec])}; remove one")
                continue
            first[spec] = role_path
            found.append(spec)
        return tuple(found)

    def role(self, path: Path, role: Role, fields: dict[Any, Any]) -> RoleSpec | None:
        before = len(self.problems)
        if role in AUTHORITY_ROLES:
            if "group" in fields:
                self.problem(path + ("group",), f"{role} is held for an authority, not a group; remove group")
            if fields.get("authority") is None:
                self.problem(path + ("authority",), f"role {role} needs an authority; add it, e.g. {{role: {role}, authority: kent}}")
            authority = self.authority_ref(path + ("authority",), fields.get("authority"))
            return RoleSpec(role, authority=authority) if authority and len(self.problems) == before else None
        if role is Role.FACILITATOR:
            if "authority" in fields:
                self.problem(path + ("authority",), "a facilitator is held for a group, not an authority; remove authority")
            if fields.get("group") is None:
                self.problem(path + ("group",), 'role facilitator needs the key of a group; add it, e.g. {role: facilitator, group: "1"}')
            group = self.group_ref(path + ("group",), fields.get("group"))
            return RoleSpec(role, group=group) if group and len(self.problems) == before else None
        for extra in ("authority", "group"):
            if extra in fields:
                self.problem(path + (extra,), f"{role} is a regional role; remove {extra}")
        return RoleSpec(role) if len(self.problems) == before else None
