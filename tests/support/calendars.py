"""The calendar files the tests read: the example cycle (examples/) and the handbook's calendar as
first written, with its mistakes (tests/fixtures/)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "south-east-2022-23.yaml"
HANDBOOK = ROOT / "tests" / "fixtures" / "handbook-original-2022-23.yaml"

# The example cycle is 2022-23's: for the tests it is the record of an earlier year, imported as a
# past cycle would be (`import-calendar --past-cycle`). tests/integration/test_calendar_import.py
# checks the refusal without it.
AS_RECORD: dict[str, Any] = {"today": date.today(), "past_cycle": True}
