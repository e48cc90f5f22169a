"""How the processes log: one line per event, ids and counts, never personal data, bodies or tokens.

Our own modules log ids, codes and counts only. Some libraries log far more at DEBUG: SQLAlchemy's
engine logs every statement with its parameters (names, addresses, free text), msrest logs each HTTP
request with its headers and body (the bearer token, the message), urllib3 and aiohttp log URLs and
headers. So whatever `LOG_LEVEL` says, those loggers stay at WARNING: DEBUG turns on our own detail,
never theirs. tests/e2e/test_logs.py runs the flows at DEBUG with marked personal data and checks no
line holds any of it.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose DEBUG and INFO lines can carry content: statements and their parameters, HTTP
# requests with headers and bodies, SMTP conversations.
CONTENT_LOGGERS = ("sqlalchemy", "msrest", "urllib3", "requests", "aiohttp.access", "aiohttp.client", "aiohttp.server",
                   "botbuilder", "botframework", "msal", "aiosmtpd", "mail.log", "asyncio", "hpack", "charset_normalizer",
                   "alembic")


def configure_logging(level: str | int = "INFO") -> None:
    """The root logger at `level`; the libraries that log content at WARNING, whatever `level` is."""
    chosen = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    logging.basicConfig(level=chosen if isinstance(chosen, int) else logging.INFO, format=FORMAT)
    logging.getLogger().setLevel(chosen if isinstance(chosen, int) else logging.INFO)
    for name in CONTENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
