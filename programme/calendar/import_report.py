"""What a calendar import changed (or, on a dry run, would change), for coordinators to read.

The report names people and their addresses: it is shown only to coordinators, and never logged.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import date

# The order sections appear in.
SECTIONS = (
    "Cycle added", "Cycle reactivated", "Cycle dates changed", "Cycle settings changed",
    "Authorities added", "Authorities renamed", "Authorities reactivated", "Authorities deactivated",
    "Groups added", "Groups renamed", "Groups reactivated", "Groups deactivated",
    "Kinds changed", "Dates moved", "Formats changed", "Locations changed", "Dissemination deadlines changed",
    "Members added", "Members removed", "Lead Reviewers changed",
    "People added", "People renamed", "People reactivated", "People deactivated",
    "Roles added", "Roles reactivated", "Roles deactivated",
)
# Sections that can list dozens of people: the count first, then who.
COUNTED = frozenset(section for section in SECTIONS if section.startswith(("People", "Roles")))
# Sections whose items are phrases ("Triad 5 from ... to ..."), separated by "; " rather than ", ".
PHRASES = frozenset({
    "Cycle dates changed", "Cycle settings changed", "Authorities renamed", "Groups renamed", "Kinds changed",
    "Dates moved", "Formats changed", "Locations changed", "Dissemination deadlines changed",
    "Members added", "Members removed", "Lead Reviewers changed",
})
WIDTH = 100
LIST_AFTER = 5  # counted sections longer than this get one item per line


def day(value: date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else "none"


@dataclass
class ImportReport:
    cycle: str
    source: str
    dry_run: bool
    # what the file holds: authorities, groups, people, roles
    totals: dict[str, int] = field(default_factory=dict)
    changes: dict[str, list[str]] = field(default_factory=dict)
    # what was imported as the file says but may be a mistake, e.g. a challenge day already past
    warnings: list[str] = field(default_factory=list)

    def add(self, section: str, item: str) -> None:
        if section not in SECTIONS:
            raise ValueError(f"unknown report section {section!r}")
        self.changes.setdefault(section, []).append(item)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def counts(self) -> dict[str, int]:
        """Number of changes in each section, e.g. {"Groups added": 6}."""
        return {section: len(self.changes[section]) for section in SECTIONS if section in self.changes}

    @property
    def change_count(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        """One line per section, in a fixed order, e.g. "Dates moved: Triad 5 from 31 Jan 2023 to 7 Feb 2023"."""
        return [_line(section, items) for section, items in self._sections()]

    def format(self) -> str:
        """The text the CLI prints and the assistant shows to coordinators."""
        prefix = "Dry run, nothing saved. " if self.dry_run else ""
        held = ", ".join(f"{count} {name}" for name, count in self.totals.items())
        if not self.changed:
            return f"{prefix}Cycle {self.cycle} from {self.source}: no changes ({held} already up to date)."
        plural = "s" if self.change_count != 1 else ""
        verb = "would be made" if self.dry_run else "made"
        text = [f"{prefix}Cycle {self.cycle} from {self.source}: {self.change_count} change{plural} {verb}."]
        text.extend(textwrap.fill(f"Warning: {warning}", WIDTH, initial_indent="  ", subsequent_indent="      ",
                                  break_long_words=False, break_on_hyphens=False) for warning in self.warnings)
        for section, items in self._sections():
            if section in COUNTED and len(items) > LIST_AFTER:
                # a first import adds dozens of people: one per line reads better than a paragraph
                text.append(f"  {section}: {len(items)}")
                text.extend(f"    {item}" for item in items)
            else:
                text.append(textwrap.fill(_line(section, items), WIDTH, initial_indent="  ", subsequent_indent="      ",
                                          break_long_words=False, break_on_hyphens=False))
        ending = " Import it again without the dry run to make these changes." if self.dry_run else ""
        text.append(f"The file holds {held}.{ending}")
        return "\n".join(text)

    def _sections(self) -> list[tuple[str, list[str]]]:
        return [(section, self.changes[section]) for section in SECTIONS if self.changes.get(section)]


def _line(section: str, items: list[str]) -> str:
    if section in COUNTED:
        return f"{section}: {len(items)} ({'; '.join(items)})"
    return f"{section}: {'; '.join(items) if section in PHRASES else ', '.join(items)}"
