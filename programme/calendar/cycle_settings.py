"""A cycle's reminder settings: the design's defaults, overridable per cycle in the calendar file."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, time, timedelta
from typing import Any, TypeGuard

from programme.reminders.working_days import on_or_after, on_or_before
from programme.validation import closest, join_choices

SettingPath = tuple[str, ...]
# reads one setting's value: the value to use, or None with the problem appended
Reader = Callable[[str, object, list[tuple[SettingPath, str]]], object]
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class InvalidSettings(ValueError):
    """Every problem found in a settings mapping, each as (path of keys, message)."""

    def __init__(self, problems: list[tuple[SettingPath, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(path)}: {message}" for path, message in problems))


@dataclass(frozen=True)
class ModerationWindow:
    """Weeks before the challenge date that the moderation window opens and closes."""

    opens: int = 12
    closes: int = 8


@dataclass(frozen=True)
class CycleSettings:
    send_time: time = time(9, 0)  # the programme's local time (the TIMEZONE setting) reminders go out
    dissemination_days_before: int = 14
    moderation_window_weeks: ModerationWindow = field(default_factory=ModerationWindow)
    self_assessment_reminder_days: int = 7
    note_follow_up_working_days: tuple[int, ...] = (5, 10)
    note_escalation_working_days: int = 15
    lead_member_reminder_working_days: int = 5
    asks_offers_prompt_working_days: tuple[int, ...] = (2, 7)
    late_limit_working_days: int = 2
    day_starts_at: time | None = None  # when a challenge day starts; None: the handbook's (programme/calendar/timetable.py)
    library_url: str = ""  # the peer challenge library for this cycle, where it differs from PEER_CHALLENGE_LIBRARY_URL
    benchmarking_pack_url: str = ""  # the benchmarking pack for this cycle, where it differs from BENCHMARKING_PACK_URL

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object] | None) -> CycleSettings:
        """Settings from a calendar file or from `Cycle.settings`; missing keys take the defaults.

        Raises InvalidSettings listing every problem at once.
        """
        if mapping is None:
            return cls()
        if not isinstance(mapping, Mapping):
            raise InvalidSettings([((), "settings must be a mapping of setting names to values, or left out")])
        problems: list[tuple[SettingPath, str]] = []
        values: dict[str, Any] = {}  # each as its reader returned it, which is the type of its field
        names = [spec.name for spec in fields(cls)]
        for key, raw in mapping.items():
            if key not in names:
                hint = closest(key, names)
                guess = f"did you mean '{hint}'? " if hint else ""
                problems.append(((str(key),), f"unknown setting '{key}'; {guess}settings are {join_choices(names, 'and')}"))
                continue
            value = _READERS[key](key, raw, problems)
            if value is not None:
                values[key] = value
        if problems:
            raise InvalidSettings(problems)
        return cls(**values)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, and read back by `from_mapping`."""
        return {
            "send_time": self.send_time.strftime("%H:%M"),
            "dissemination_days_before": self.dissemination_days_before,
            "moderation_window_weeks": {
                "opens": self.moderation_window_weeks.opens,
                "closes": self.moderation_window_weeks.closes,
            },
            "self_assessment_reminder_days": self.self_assessment_reminder_days,
            "note_follow_up_working_days": list(self.note_follow_up_working_days),
            "note_escalation_working_days": self.note_escalation_working_days,
            "lead_member_reminder_working_days": self.lead_member_reminder_working_days,
            "asks_offers_prompt_working_days": list(self.asks_offers_prompt_working_days),
            "late_limit_working_days": self.late_limit_working_days,
            **({"day_starts_at": self.day_starts_at.strftime("%H:%M")} if self.day_starts_at else {}),
            **({"library_url": self.library_url} if self.library_url else {}),
            **({"benchmarking_pack_url": self.benchmarking_pack_url} if self.benchmarking_pack_url else {}),
        }

    def moderation_window(self, challenge_date: date) -> tuple[date, date]:
        """The moderation window's first and last days for a challenge date: `opens` weeks before,
        moved on to a working day, and `closes` weeks before, moved back to one. The one rule: the
        reminders go on these days, and `status` and the digest show them."""
        weeks = self.moderation_window_weeks
        return (on_or_after(challenge_date - timedelta(weeks=weeks.opens)),
                on_or_before(challenge_date - timedelta(weeks=weeks.closes)))

    def dissemination_deadline(self, challenge_date: date, override: date | None = None) -> date:
        """A group's self-assessment deadline: its own if the calendar sets one, else the offset."""
        return override or challenge_date - timedelta(days=self.dissemination_days_before)


def _is_whole(value: object) -> TypeGuard[int]:
    # bool is an int in Python, but `true` is never a sensible number of days
    return isinstance(value, int) and not isinstance(value, bool)


def _count(unit: str, minimum: int, example: int) -> Callable[[str, object, list[tuple[SettingPath, str]]], int | None]:
    def read(key: str, value: object, problems: list[tuple[SettingPath, str]]) -> int | None:
        if not _is_whole(value):
            problems.append(((key,), f"{key} is '{value}'; use a whole number of {unit}, e.g. {example}"))
            return None
        if value < minimum:
            problems.append(((key,), f"{key} is {value}; use {minimum} or more {unit}"))
            return None
        return value

    return read


def _counts(unit: str, example: list[int]) -> Callable[[str, object, list[tuple[SettingPath, str]]], tuple[int, ...] | None]:
    def read(key: str, value: object, problems: list[tuple[SettingPath, str]]) -> tuple[int, ...] | None:
        if _is_whole(value):
            value = [value]  # a single follow-up written without brackets
        if not isinstance(value, list) or not value or not all(_is_whole(item) for item in value):
            problems.append(((key,), f"{key} is '{value}'; use a list of whole numbers of {unit}, e.g. {example}"))
            return None
        if any(item < 1 for item in value) or sorted(set(value)) != value:
            problems.append(((key,), f"{key} is {value}; use numbers of 1 or more, each larger than the one before, e.g. {example}"))
            return None
        return tuple(value)

    return read


def _send_time(key: str, value: object, problems: list[tuple[SettingPath, str]]) -> time | None:
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        # YAML reads an unquoted 9:00 as the number 540, hence the advice to quote
        problems.append(((key,), f"{key} is '{value}'; write a 24-hour time in quotes, e.g. \"09:00\""))
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _moderation_window(key: str, value: object, problems: list[tuple[SettingPath, str]]) -> ModerationWindow | None:
    example = "{opens: 12, closes: 8}"
    if not isinstance(value, Mapping):
        problems.append(((key,), f"{key} is '{value}'; use weeks before the challenge date, e.g. {example}"))
        return None
    before = len(problems)
    weeks: dict[str, int] = {}
    for name, raw in value.items():
        if name not in ("opens", "closes"):
            problems.append(((key, str(name)), f"unknown key '{name}'; {key} takes opens and closes, e.g. {example}"))
            continue
        count = _count("weeks", 1, 12 if name == "opens" else 8)(name, raw, [])
        if count is None:
            problems.append(((key, name), f"{name} is '{raw}'; use a whole number of weeks, 1 or more"))
            continue
        weeks[name] = count
    if len(problems) > before:
        return None
    window = ModerationWindow(**weeks)
    if window.opens <= window.closes:
        problems.append(((key,), (
            f"the window opens {window.opens} and closes {window.closes} weeks before the challenge date; "
            "opens must be more weeks before than closes, e.g. {opens: 12, closes: 8}"
        )))
        return None
    return window


def _link(key: str, value: object, problems: list[tuple[SettingPath, str]]) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"https://[^\s<>\"]{3,1000}", text):
        problems.append(((key,), f"{key} is '{value}'; give the address, starting with https://, e.g. https://sharepoint.example/library"))
        return None
    return text


_READERS: dict[str, Reader] = {
    "send_time": _send_time,
    "dissemination_days_before": _count("days", 1, 14),
    "moderation_window_weeks": _moderation_window,
    "self_assessment_reminder_days": _count("days", 1, 7),
    "note_follow_up_working_days": _counts("working days", [5, 10]),
    "note_escalation_working_days": _count("working days", 1, 15),
    "lead_member_reminder_working_days": _count("working days", 1, 5),
    "asks_offers_prompt_working_days": _counts("working days", [2, 7]),
    "late_limit_working_days": _count("working days", 0, 2),
    "day_starts_at": _send_time,
    "library_url": _link,
    "benchmarking_pack_url": _link,
}
