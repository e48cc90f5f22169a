"""The shape of the code, as docs/architecture.md draws it: the mechanisms with exactly one home.
(The arrows between the packages are import-linter's contracts in pyproject.toml.)"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("service", "bot", "programme", "storage", "notify", "scheduler", "manifest")
STATUSES = (
    "received", "discussion_arranged", "package_agreed", "practitioner_invited", "practitioner_accepted", "in_progress",
    "report_delivered", "closed", "withdrawn", "invited", "discussed", "accepted", "declined", "handed_back", "completed",
    "nominated", "joined", "sent", "amendments_requested", "agreed", "active", "pending", "sending", "failed", "cancelled", "missed",
)
COMPARED = re.compile(r"""(\bstatus|\bstage)\b\s*(==|!=|\bin\b|\bnot in\b)\s*\(?\s*["'](""" + "|".join(STATUSES) + r""")["']""")


def _sources(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts)


def test_only_programme_services_and_storage_commit():
    """One unit of work per turn, job or command: dialogs, cards, the dispatcher and the command line never commit."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources(*PACKAGES)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ".commit()" in line and path.parts[len(ROOT.parts)] != "storage" and path != ROOT / "programme" / "unit_of_work.py"
    ]
    assert found == []


def test_no_status_is_compared_outside_the_programme():
    """What a record's status means (what may happen next) is the programme's to say; cards ask its views."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources("service", "bot", "notify", "scheduler", "manifest")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if COMPARED.search(line)
    ]
    assert found == []


def test_the_settings_are_read_by_the_composition_root_alone():
    readers = sorted(
        str(path.relative_to(ROOT)) for path in _sources(*PACKAGES)
        if re.search(r"^\s*(from service\.settings import|import service\.settings)", path.read_text(encoding="utf-8"), re.M)
    )
    assert readers == ["service/bootstrap.py", "service/cli.py"]


def test_one_clock():
    """Time is asked of the clock the composition root injects (storage.base.utcnow by default)."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources(*PACKAGES)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"datetime\.now\(|datetime\.utcnow\(|date\.today\(", line) and path != ROOT / "storage" / "base.py"
    ]
    assert found == []
