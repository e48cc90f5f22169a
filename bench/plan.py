"""How long planning the reminders takes for a national programme, and for ten times that.

    .venv/bin/python -m bench.plan                        # scales 1 and 10, temporary SQLite files
    .venv/bin/python -m bench.plan --scales 1 --runs 5
    .venv/bin/python -m bench.plan --moments opening,season,end
    .venv/bin/python -m bench.plan --coordinators 19      # the same programme team at every scale
    .venv/bin/python -m bench.plan --profile              # and where the time goes (cProfile)
    .venv/bin/python -m bench.plan --database-url postgresql+psycopg://...@127.0.0.1/empty_db

Scale 1 is national: 152 authorities in 50 groups (triads and quartets), 5,000 people and 50,000
past notifications; scale 10 is ten times each. For each scale the bench builds a fictional
programme in a new database (a temporary SQLite file, or an EMPTY database at `--database-url`,
emptied again between scales), migrated with Database.upgrade() and filled with bulk inserts:

  - authorities with made-up place names, codes and addresses on .example domains;
  - groups of 3 and 4 authorities, their challenge days spread over the working days of
    January to March 2026, in one active cycle "2025-26" whose settings are CycleSettings()'s;
  - people: a DCS and one or two delegates for each authority, the rest participants spread over
    the authorities (a delegate in every third authority is a participant too; one participant's
    role in 40 is no longer active), and coordinators, one for every 10 authorities (the South
    East's two for 19) unless `--coordinators` fixes their number;
  - past notifications: the earlier cycles' reminders, sent, with the keys, kinds and payloads
    the rules give them, newest cycle first, until there are as many as the scale asks for.

No enquiry, self-assessment, ask or offer is recorded, so those rules plan all they can; no note
of a session is sent, so the note rules plan nothing.

Planning is what the clock runs every 15 minutes (scheduler.clock.plan_once, i.e.
programme.reminders.planning.run_planning in a session of its own), timed at moments of the season:

  opening  the send time (09:00, London) on the day the first moderation windows open: the
           first groups' leads are due
  season   the send time on the day the last windows open: every window open, the earliest
           groups' self-assessment reminders due; most of what is due is too late to send, so missed
  end      the send time on the working day after the last asks-and-offers prompt: the whole
           cycle due, nearly all of it missed

"first run" plans into an outbox holding none of the cycle's reminders, as after importing the
cycle at that moment (its rows are deleted before each run, untimed); "steady" plans again with
everything already written, as every 15 minutes after. Each is the best of `--runs` (a run over
20 s is not repeated: it is far past its aim, and scale 10's whole cycle takes minutes). The steady
state is broken down by timing load_facts, plan and due on their own (best of `--runs` each);
"writes" is what is left: reading and writing the outbox, and the commit.

Nothing here asserts on timings: it measures and reports.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, text

from programme.calendar.cycle_settings import CycleSettings
from programme.people.roles import REGION_SCOPE, Role, authority_scope
from programme.reminders.facts import load_facts
from programme.reminders.plan import due, plan
from programme.reminders.working_days import add_working_days, is_working_day, on_or_after, send_moment
from scheduler.clock import plan_once
from storage.calendar import Cycle, Group, GroupMember
from storage.database import Database
from storage.models import Base
from storage.outbox import OutboxMessage
from storage.people import Authority, Person, RoleAssignment

ZONE = ZoneInfo("Europe/London")  # the programme's local time, as TIMEZONE sets it by default

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = {"authorities": 152, "groups": 50, "people": 5_000, "notifications": 50_000}
CYCLE = "2025-26"
CYCLE_STARTS, CYCLE_ENDS = date(2025, 4, 1), date(2026, 3, 31)
CHALLENGE_FROM, CHALLENGE_TO = date(2026, 1, 12), date(2026, 3, 27)
AUTHORITIES_PER_COORDINATOR = 10
MOMENTS = ("opening", "season", "end")
CHUNK = 10_000
ONCE_OVER = 20.0  # seconds: a run this slow is far past its aim, and is not repeated

PLACE_HEADS = ("Ash", "Bram", "Crow", "Dun", "Elm", "Fen", "Glen", "Hart", "Ivy", "Kings",
               "Lark", "Mill", "Nor", "Oak", "Pen", "Rook", "Stan", "Thorn", "Wil", "Yew")
PLACE_TAILS = ("bridge", "bury", "dale", "field", "ford", "ham", "ley", "mouth", "stead", "wick")
QUALIFIERS = ("", "North ", "South ", "East ", "West ", "Upper ", "Lower ", "Greater ")
FIRST_NAMES = ("Ava", "Ben", "Chloe", "Daniel", "Esme", "Farid", "Grace", "Harriet", "Imran", "Jo", "Kofi",
               "Leona", "Maya", "Nadia", "Owen", "Priya", "Rosa", "Sam", "Tomasz", "Uma", "Yusuf", "Zara")
SURNAME_HEADS = ("Ash", "Brack", "Carrow", "Daver", "Ellis", "Ferrow", "Hales", "Ingle", "Kell", "Lind",
                 "Mallard", "Norr", "Okan", "Pellow", "Quill", "Rad", "Thorn", "Tulla", "Wren", "Yarn")
SURNAME_TAILS = ("bury", "combe", "field", "ford", "holt", "ley", "more", "ton", "wick", "worth")
KINDS = {"moderation_opens": "reminder_moderation", "moderation_closing": "reminder_moderation",
         "self_assessment_due": "reminder_self_assessment", "self_assessment_overdue": "reminder_self_assessment",
         "asks_offers_prompt": "reminder_asks_offers"}


# --- the programme ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    factor: float
    authorities: int
    groups: int
    people: int
    notifications: int
    coordinators: int

    @classmethod
    def of(cls, factor: float, coordinators: int | None) -> Scale:
        sizes = {name: round(count * factor) for name, count in NATIONAL.items()}
        if not 3 * sizes["groups"] <= sizes["authorities"] <= 4 * sizes["groups"] or not sizes["groups"]:
            raise ValueError(f"scale {factor:g}: {sizes['authorities']} authorities do not make {sizes['groups']} groups of 3 or 4")
        if coordinators is None:
            coordinators = max(1, round(sizes["authorities"] / AUTHORITIES_PER_COORDINATOR))
        if sizes["people"] < coordinators + 3 * sizes["authorities"]:
            raise ValueError(f"scale {factor:g}: too few people for a DCS and delegates in every authority")
        return cls(factor=factor, coordinators=coordinators, **sizes)


@dataclass
class Member:
    id: int
    name: str


@dataclass
class Team:
    """One authority's people, as the past notifications need them."""

    id: int
    code: str
    name: str
    dcs: list[Member] = field(default_factory=list)
    delegates: list[Member] = field(default_factory=list)
    participants: list[Member] = field(default_factory=list)


@dataclass(frozen=True)
class Seeded:
    seconds: float
    challenge_dates: tuple[date, ...]


def place_name(n: int) -> str:
    name = f"{QUALIFIERS[(n // 200) % len(QUALIFIERS)]}{PLACE_HEADS[n % 20]}{PLACE_TAILS[(n // 20) % 10]}"
    return name if n < 1600 else f"{name} {n // 1600 + 1}"


def person_name(n: int) -> str:
    return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {SURNAME_HEADS[(n // 7) % 20]}{SURNAME_TAILS[(n // 140) % 10]}"


def slug(text: str) -> str:
    return text.lower().replace(" ", "-")


def challenge_dates(groups: int) -> list[date]:
    days = [CHALLENGE_FROM + timedelta(days=n) for n in range((CHALLENGE_TO - CHALLENGE_FROM).days + 1)]
    days = [day for day in days if is_working_day(day)]
    return [days[n * len(days) // groups] for n in range(groups)]


def people_and_roles(teams: list[Team], scale: Scale) -> tuple[list[tuple[str, str]], list[tuple[int, Role, Team | None, bool]]]:
    """(email, name) of everyone, and their roles as (index into people, role, authority or None, active)."""
    people: list[tuple[str, str]] = []
    roles: list[tuple[int, Role, Team | None, bool]] = []

    def add(email: str, role: Role, team: Team | None, active: bool = True) -> None:
        people.append((email, person_name(len(people))))
        roles.append((len(people) - 1, role, team, active))

    for number, team in enumerate(teams):
        add(f"dcs.{team.code}@{team.code}.example", Role.DCS, team)
        for n in range(1 + number % 2):
            add(f"delegate{n + 1}.{team.code}@{team.code}.example", Role.DELEGATE, team)
            if n == 0 and number % 3 == 0:  # told once, though both a delegate and a participant
                roles.append((len(people) - 1, Role.PARTICIPANT, team, True))
    for n in range(scale.coordinators):
        add(f"coordinator{n + 1}@programme.example", Role.COORDINATOR, None)
    for n in range(scale.people - len(people)):
        team = teams[n % len(teams)]
        add(f"participant{n + 1}@{team.code}.example", Role.PARTICIPANT, team, active=n % 40 != 39)
    return people, roles


def seed(database: Database, scale: Scale) -> Seeded:
    started = time.perf_counter()
    moment = datetime(2025, 9, 1, 9, tzinfo=UTC)
    stamps = {"created_at": moment, "updated_at": moment}
    dates = challenge_dates(scale.groups)
    with database.engine.begin() as connection:
        names = [place_name(n) for n in range(scale.authorities)]
        connection.execute(insert(Authority), [{"code": slug(name), "name": name, "active": True, **stamps} for name in names])
        ids = dict(connection.execute(select(Authority.code, Authority.id)).all())
        teams = [Team(ids[slug(name)], slug(name), name) for name in names]

        people, roles = people_and_roles(teams, scale)
        connection.execute(insert(Person), [{"email": e, "name": name, "active": True, **stamps} for e, name in people])
        person_ids = dict(connection.execute(select(Person.email, Person.id)).all())
        members = [Member(person_ids[email], name) for email, name in people]
        connection.execute(insert(RoleAssignment), [
            {"person_id": members[index].id, "role": role.value, "active": active, "source": "calendar",
             "scope": authority_scope(team.code) if team else REGION_SCOPE, "authority_id": team.id if team else None,
             **stamps}
            for index, role, team, active in roles
        ])
        for index, role, team, active in roles:
            if team and active:
                {Role.DCS: team.dcs, Role.DELEGATE: team.delegates, Role.PARTICIPANT: team.participants}[role].append(members[index])
        coordinators = [members[index] for index, role, _, _ in roles if role is Role.COORDINATOR]

        cycle_id = connection.execute(insert(Cycle).returning(Cycle.id), {
            "name": CYCLE, "starts_on": CYCLE_STARTS, "ends_on": CYCLE_ENDS, "settings": CycleSettings().to_dict(),
            "active": True, **stamps}).scalar_one()
        quartets, groups, start = scale.authorities - 3 * scale.groups, [], 0
        for n in range(scale.groups):
            size = 4 if n < quartets else 3
            groups.append((dates[n], f"{'Quartet' if size == 4 else 'Triad'} {n + 1}", teams[start:start + size]))
            start += size
        connection.execute(insert(Group), [
            {"cycle_id": cycle_id, "key": str(n + 1), "name": name, "kind": "quartet" if len(group) == 4 else "triad",
             "challenge_date": day, "format": "virtual" if n % 3 == 2 else "face_to_face",
             "location": "" if n % 3 == 2 else f"{group[0].name} offices", "active": True, **stamps}
            for n, (day, name, group) in enumerate(groups)
        ])
        group_ids = dict(connection.execute(select(Group.key, Group.id)).all())
        connection.execute(insert(GroupMember), [
            {"group_id": group_ids[str(n + 1)], "authority_id": team.id, "position": position, "active": True,
             "reviews_authority_id": group[(position + 1) % len(group)].id, **stamps}
            for n, (_, _, group) in enumerate(groups) for position, team in enumerate(group)
        ])
        batch = []
        for row in past_notifications(groups, coordinators, scale.notifications):
            batch.append(row)
            if len(batch) == CHUNK:
                connection.execute(insert(OutboxMessage), batch)
                batch = []
        if batch:
            connection.execute(insert(OutboxMessage), batch)
    return Seeded(time.perf_counter() - started, tuple(dates))


def past_notifications(groups, coordinators: list[Member], count: int) -> Iterator[dict]:
    """Earlier cycles' reminders as they were sent, newest cycle first, `count` of them."""
    made, years_back, send_time = 0, 0, CycleSettings().send_time
    while True:
        years_back += 1
        cycle = f"{2025 - years_back}-{(2026 - years_back) % 100:02d}"
        for challenge, group_name, teams in groups:
            day = challenge.replace(year=challenge.year - years_back)
            deadline = day - timedelta(days=14)
            for number, team in enumerate(teams):
                leads = team.dcs + team.delegates
                sent = [("moderation_opens", day - timedelta(weeks=12), leads),
                        ("moderation_closing", day - timedelta(weeks=8), leads),
                        ("self_assessment_due/1", deadline - timedelta(days=7), leads),
                        ("self_assessment_due/2", deadline - timedelta(days=1), leads),
                        ("asks_offers_prompt/1", day + timedelta(days=3), team.dcs + team.participants)]
                if number % 4 == 0:  # late with the self-assessment
                    sent.append(("self_assessment_overdue", deadline + timedelta(days=1), team.dcs + coordinators))
                if number % 2 == 0:  # still no asks or offers a week later
                    sent.append(("asks_offers_prompt/2", day + timedelta(days=10), team.dcs + team.participants))
                for name, on, people in sent:
                    rule = name.split("/")[0]
                    due_at = send_moment(on, send_time, ZONE)
                    for person in {member.id: member for member in people}.values():
                        sent_at = due_at + timedelta(seconds=5 + made % 600)
                        yield {
                            "idempotency_key": f"reminder/{cycle}/{name}/{team.code}/{person.id}",
                            "recipient_person_id": person.id, "channel": "best", "kind": KINDS[rule],
                            "payload": {"person_name": person.name, "authority_name": team.name, "group_name": group_name,
                                        "challenge_date": day.isoformat(), "deadline": deadline.isoformat(), "cycle": cycle},
                            "due_at": due_at, "status": "sent", "attempts": 1, "sent_at": sent_at,
                            "delivered_channel": "teams" if person.id % 3 else "email",
                            "created_at": due_at, "updated_at": sent_at,
                        }
                        made += 1
                        if made == count:
                            return


def moments(dates: tuple[date, ...], settings: CycleSettings) -> dict[str, datetime]:
    window = settings.moderation_window_weeks.opens
    last_prompt = add_working_days(max(dates), settings.asks_offers_prompt_working_days[-1])
    return {
        "opening": send_moment(on_or_after(min(dates) - timedelta(weeks=window)), settings.send_time, ZONE),
        "season": send_moment(on_or_after(max(dates) - timedelta(weeks=window)), settings.send_time, ZONE),
        "end": send_moment(add_working_days(last_prompt, 1), settings.send_time, ZONE),
    }


# --- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """The best wall-clock and the best CPU time (this process's) over the runs."""

    wall: float
    cpu: float


@dataclass
class Measurement:
    scale: Scale
    moment: str
    at: datetime
    planned: int
    by_rule: dict[str, int]
    queued: int
    missed: int
    first: Timing
    steady: Timing
    facts: Timing
    rules: Timing
    due: Timing
    profiles: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.queued + self.missed

    @property
    def writes(self) -> float:
        """CPU seconds of the steady state outside load_facts, plan and due: the outbox's reads and writes, the commit."""
        return max(self.steady.cpu - self.facts.cpu - self.rules.cpu - self.due.cpu, 0.0)


def best(runs: int, action: Callable[[], object], before: Callable[[], object] = lambda: None) -> Timing:
    walls, cpus = [], []
    for _ in range(runs):
        before()
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
        if walls[-1] > ONCE_OVER:
            break
    return Timing(min(walls), min(cpus))


def forget_planned(database: Database) -> None:
    with database.engine.begin() as connection:
        connection.execute(delete(OutboxMessage).where(OutboxMessage.idempotency_key.like(f"reminder/{CYCLE}/%")))


def measure(database: Database, scale: Scale, moment: str, at: datetime, runs: int, profile: bool, top: int) -> Measurement:
    def planning() -> None:
        plan_once(database, lambda: at, ZONE)

    first = best(runs, planning, before=lambda: forget_planned(database))
    steady = best(runs, planning)
    with database.session() as session:
        statuses = dict(session.execute(
            select(OutboxMessage.status, func.count()).where(OutboxMessage.idempotency_key.like(f"reminder/{CYCLE}/%"))
            .group_by(OutboxMessage.status)).all())
        cycle = session.scalars(select(Cycle).where(Cycle.name == CYCLE)).one()
        facts = load_facts(session, cycle, ZONE)
        planned = plan(facts)
        facts_time = best(runs, lambda: load_facts(session, cycle, ZONE))
    result = Measurement(
        scale=scale, moment=moment, at=at, planned=len(planned), by_rule=dict(Counter(p.rule for p in planned)),
        queued=sum(n for status, n in statuses.items() if status != "missed"), missed=statuses.get("missed", 0),
        first=first, steady=steady, facts=facts_time, rules=best(runs, lambda: plan(facts)),
        due=best(runs, lambda: due(planned, at, facts.settings.late_limit_working_days, ZONE)),
    )
    if profile:
        forget_planned(database)
        result.profiles.append(profiled(f"first run, scale {scale.factor:g}, {moment}", planning, top))
        result.profiles.append(profiled(f"steady state, scale {scale.factor:g}, {moment}", planning, top))
    return result


def profiled(title: str, action: Callable[[], object], top: int) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(action)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return f"--- cProfile, {title} (slowed by the profiler)\n{out.getvalue().strip()}"


def empty(database: Database) -> None:
    with database.engine.begin() as connection:
        if database.is_postgresql:
            # DELETE FROM people would check outbox.recipient_person_id, which has no index, once per person
            names = ", ".join(connection.dialect.identifier_preparer.format_table(t) for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names}"))
            return
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def check_empty(database: Database) -> None:
    with database.session() as session:
        for model in (OutboxMessage, Person, Authority, Cycle):
            if session.scalar(select(func.count()).select_from(model)):
                database.dispose()
                raise SystemExit(f"bench.plan: the database must be empty ({model.__tablename__} has rows): "
                                 "the bench fills it and empties it again")


# --- report -------------------------------------------------------------------------------------


def seconds(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def times(value: float, reference: float) -> str:
    return f"{value / reference:.1f}x" if reference else "-"


def describe(scale: Scale, seeded: Seeded) -> str:
    return (f"scale {scale.factor:g}: {scale.authorities:,} authorities, {scale.groups:,} groups, {scale.people:,} people "
            f"({scale.coordinators:,} coordinators), {scale.notifications:,} past notifications; "
            f"challenge days {min(seeded.challenge_dates)} to {max(seeded.challenge_dates)}; seeded in {seeded.seconds:.1f} s")


def table(results: list[Measurement]) -> str:
    header = (f"{'scale':>5} {'moment':<8} {'at (UTC)':<16} {'planned':>8} {'queued':>7} {'missed':>8} "
              f"{'first s':>8} {'cpu':>7} {'steady s':>9} {'cpu':>7} | {'facts':>6} {'rules':>6} {'due':>6} {'writes':>6}")
    lines = [header, "-" * len(header)]
    for m in results:
        lines.append(
            f"{m.scale.factor:>5g} {m.moment:<8} {m.at:%Y-%m-%d %H:%M} {m.planned:>8,} {m.queued:>7,} {m.missed:>8,} "
            f"{seconds(m.first.wall):>8} {seconds(m.first.cpu):>7} {seconds(m.steady.wall):>9} {seconds(m.steady.cpu):>7} | "
            f"{seconds(m.facts.cpu):>6} {seconds(m.rules.cpu):>6} {seconds(m.due.cpu):>6} {seconds(m.writes):>6}"
        )
    return "\n".join(lines)


LEGEND = """\
planned: the reminders the rules give for the cycle; queued, missed: the cycle's outbox rows after the first run.
first s, steady s: wall-clock seconds of run_planning (first run: none of the cycle's reminders in the outbox;
steady: all of them already written); cpu: this process's CPU seconds for the same runs. Right of the bar, the
steady state's CPU seconds: facts, rules, due = load_facts, plan and due timed alone; writes = what is left of
the steady cpu (reading and writing the outbox, and the commit)."""


def pairs(results: list[Measurement]) -> Iterator[tuple[float, float, str, Measurement, Measurement]]:
    """(low scale, high scale, moment, low's measurement, high's) for the smallest and largest scales."""
    by = {(m.scale.factor, m.moment): m for m in results}
    factors = sorted({m.scale.factor for m in results})
    if len(factors) < 2:
        return
    low, high = factors[0], factors[-1]
    for moment in MOMENTS:
        if (low, moment) in by and (high, moment) in by:
            yield low, high, moment, by[(low, moment)], by[(high, moment)]


def ratios(results: list[Measurement]) -> str:
    lines = []
    for low, high, moment, a, b in pairs(results):
        if not lines:
            lines = ["", f"Scale {high:g} against scale {low:g} (the data grew {high / low:g}x):"]
        lines.append(
            f"  {moment:<8} planned {times(b.planned, a.planned)}, written {times(b.written, a.written)}; "
            f"first run {times(b.first.wall, a.first.wall)} (cpu {times(b.first.cpu, a.first.cpu)}), "
            f"steady {times(b.steady.wall, a.steady.wall)} (cpu {times(b.steady.cpu, a.steady.cpu)}: "
            f"facts {times(b.facts.cpu, a.facts.cpu)}, rules {times(b.rules.cpu, a.rules.cpu)}, "
            f"due {times(b.due.cpu, a.due.cpu)}, writes {times(b.writes, a.writes)})"
        )
    return "\n".join(lines)


def aims(results: list[Measurement]) -> str:
    lines = ["", "Aims (reported, not asserted):"]
    for m in (m for m in results if m.scale.factor == 1):
        worst = max(m.first.wall, m.steady.wall)
        lines.append(f"  scale 1, {m.moment:<8} first run {seconds(m.first.wall)} s, steady {seconds(m.steady.wall)} s "
                     f"(aim: under 1 s): {'met' if worst < 1 else 'NOT met'}")
    for low, high, moment, a, b in pairs(results):
        data = high / low
        growth = max(b.first.cpu / a.first.cpu, b.steady.cpu / a.steady.cpu)
        # a quarter over the data's growth is left to noise and to the indexes' logarithms
        verdict = "met" if growth <= data * 1.25 else "NOT met"
        lines.append(f"  {moment:<8} cpu time grew up to {growth:.1f}x for {data:g}x the data "
                     f"(aim: no faster than the data): {verdict}")
    return "\n".join(lines) if len(lines) > 1 else ""


def rules_line(m: Measurement) -> str:
    return f"  reminders the rules plan at scale {m.scale.factor:g}: " + ", ".join(
        f"{rule} {count:,}" for rule, count in sorted(m.by_rule.items()))


# --- main --------------------------------------------------------------------------------------


def _scales(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or any(v <= 0 or v > 20 for v in values):
        raise argparse.ArgumentTypeError("give scales above 0 and at most 20, e.g. 1,10")
    return values


def _moments(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names or any(name not in MOMENTS for name in names):
        raise argparse.ArgumentTypeError(f"choose moments from {','.join(MOMENTS)}")
    return [name for name in MOMENTS if name in names]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.plan", description=__doc__.splitlines()[0])
    p.add_argument("--scales", type=_scales, default=[1.0, 10.0], help="multiples of the national programme (default 1,10)")
    p.add_argument("--moments", type=_moments, default=list(MOMENTS), help=f"from {','.join(MOMENTS)} (default all)")
    p.add_argument("--runs", type=int, default=3, help="runs per figure, the best kept (default 3)")
    p.add_argument("--coordinators", type=int, help="coordinators at every scale (default: one for every 10 authorities)")
    p.add_argument("--database-url", default="", help="an EMPTY database, emptied again after each scale (default: temp SQLite)")
    p.add_argument("--profile", action="store_true", help="also profile a first run and a steady run with cProfile")
    p.add_argument("--top", type=int, default=25, help="functions shown per profile (default 25)")
    p.add_argument("--keep-files", action="store_true", help="keep the temporary SQLite files")
    return p


def versions(database: Database) -> str:
    from importlib.metadata import version

    return (f"commit {revision()}, Python {sys.version.split()[0]}, SQLAlchemy {version('SQLAlchemy')}, "
            f"{database.engine.dialect.name} {'.'.join(map(str, database.engine.dialect.server_version_info or ()))}")


def revision() -> str:
    """The commit measured, and "+changes" if the planner's files differ from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], check=False, cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD") or "unknown"
        changed = git("status", "--porcelain", "--", "programme", "storage", "scheduler")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}+changes" if changed else commit


def load() -> str:
    """The machine's load: the figures are only as quiet as the machine was."""
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.runs < 1 or (args.coordinators is not None and args.coordinators < 0):
        print("bench.plan: --runs must be 1 or more and --coordinators 0 or more", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        scales = [Scale.of(factor, args.coordinators) for factor in args.scales]
    except ValueError as error:
        print(f"bench.plan: {error}", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-plan-"))
    results: list[Measurement] = []
    try:
        for scale in scales:
            url = args.database_url or f"sqlite:///{workdir / f'plan-{scale.factor:g}.sqlite3'}"
            database = Database(url)
            try:
                database.upgrade()
                check_empty(database)
                seeded = seed(database, scale)
                if scale is scales[0]:
                    print(f"bench.plan: {versions(database)}; {os.cpu_count()} cores, {load()}; best of {args.runs} runs",
                          flush=True)
                print(describe(scale, seeded), flush=True)
                at = moments(seeded.challenge_dates, CycleSettings())
                for moment in args.moments:
                    results.append(measure(database, scale, moment, at[moment], args.runs, args.profile, args.top))
                    m = results[-1]
                    print(f"  {moment}: first run {seconds(m.first.wall)} s, steady {seconds(m.steady.wall)} s", flush=True)
                if results:
                    print(rules_line(results[-1]), flush=True)
                if args.database_url:
                    empty(database)
            finally:
                database.dispose()
    finally:
        if args.keep_files and not args.database_url:
            print(f"bench.plan: the databases are in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(f"Finished with {load()}.")
    print(table(results))
    print(LEGEND)
    print(ratios(results))
    print(aims(results))
    for m in results:
        for profile in m.profiles:
            print()
            print(profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
