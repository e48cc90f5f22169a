"""What every Playground test needs first: the tools (Chromium, Node.js, the Agents Playground,
Playwright), or the test is skipped (fails in CI)."""

from __future__ import annotations

import pytest

from tests.support.playground import require_tools


@pytest.fixture
def tools():
    require_tools()
