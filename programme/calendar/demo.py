"""The example calendar moved forward so that its dates lie ahead, for demonstrations and trials.

Everything moves by the same whole number of weeks, so each session keeps its weekday, and far
enough that the first challenge day is at least 13 weeks away: the moderation window (12 weeks
before) and every reminder after it are still to come.
"""

from __future__ import annotations

from datetime import date, timedelta

import yaml

LEAD_TIME = timedelta(weeks=13)


def demo_calendar_text(example_text: str, today: date) -> str:
    data = yaml.safe_load(example_text)
    cycle, groups = data["cycle"], data["groups"]
    earliest = min(_date(group["date"]) for group in groups)
    weeks = max(0, -(-(today + LEAD_TIME - earliest).days // 7))  # whole weeks, rounded up
    shift = timedelta(weeks=weeks)
    cycle["starts_on"] = _date(cycle["starts_on"]) + shift
    cycle["ends_on"] = _date(cycle["ends_on"]) + shift
    cycle["name"] = cycle_name(cycle["starts_on"])
    for group in groups:
        group["date"] = _date(group["date"]) + shift
        if group.get("dissemination_deadline"):
            group["dissemination_deadline"] = _date(group["dissemination_deadline"]) + shift
    header = (
        f"# Demo calendar: the example moved forward {weeks} weeks from {today.isoformat()},\n"
        "# so that the first challenge day is at least 13 weeks ahead.\n"
    )
    text: str = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, allow_unicode=True, width=120)  # a str when no stream is given
    return header + text


def cycle_name(starts_on: date) -> str:
    """The year-style name of a cycle starting on `starts_on`, e.g. "2026-27"."""
    return f"{starts_on.year}-{(starts_on.year + 1) % 100:02d}"


def _date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
