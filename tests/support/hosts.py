"""Which SDK hosts the app in a test: the suite runs every test that starts the app on both
(tests/conftest.py parametrises them); the `bot_host` fixture sets BOT_HOST for the test, which
every helper that starts the app (and every process a test starts) reads."""

from __future__ import annotations

import os
from collections.abc import Mapping

HOSTS = ("botbuilder", "agents")


def current_host() -> str:
    return os.environ.get("BOT_HOST", "botbuilder")


def with_host(values: Mapping[str, str]) -> dict[str, str]:
    """Settings values with the test's host, unless they name one."""
    return {"BOT_HOST": current_host(), **values}
