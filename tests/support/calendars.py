"""The calendar files the tests read: the example cycle (examples/) and the handbook's calendar as
first written, with its mistakes (tests/fixtures/)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "south-east-2022-23.yaml"
HANDBOOK = ROOT / "tests" / "fixtures" / "handbook-original-2022-23.yaml"
