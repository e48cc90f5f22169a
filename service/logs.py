"""How the processes log: one line per event, ids and counts, never personal data, bodies or tokens.

Our own modules log ids, codes and counts only. Some libraries log far more at DEBUG: SQLAlchemy's
engine logs every statement with its parameters (names, addresses, free text), msrest logs each HTTP
request with its headers and body (the bearer token, the message), urllib3 and aiohttp log URLs and
headers. So whatever `LOG_LEVEL` says, those loggers stay at WARNING: DEBUG turns on our own detail,
never theirs. tests/e2e/test_logs.py runs the flows at DEBUG with marked personal data and checks no
line holds any of it.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose DEBUG and INFO lines can carry content: statements and their parameters, HTTP
# requests with headers and bodies, SMTP conversations.
CONTENT_LOGGERS = ("sqlalchemy", "msrest", "urllib3", "requests", "aiohttp.access", "aiohttp.client", "aiohttp.server",
                   "botbuilder", "botframework", "microsoft_agents", "msal", "aiosmtpd", "mail.log", "asyncio", "hpack", "charset_normalizer",
                   "alembic")


# Fields a log call may add (`extra=`): the activity or job it is about, its outcome, how long it took.
FIELDS = ("activity", "job", "outcome", "duration_ms")


class JsonLines(logging.Formatter):
    """LOG_FORMAT=json: one JSON object per line, for a log shipper."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None})
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "error"
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str | int = "INFO", log_format: str = "text") -> None:
    """The root logger at `level`; the libraries that log content at WARNING, whatever `level` is.
    `log_format` json: one JSON object per line; text (the default): readable lines."""
    chosen = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    logging.basicConfig(level=chosen if isinstance(chosen, int) else logging.INFO, format=FORMAT)
    root = logging.getLogger()
    root.setLevel(chosen if isinstance(chosen, int) else logging.INFO)
    formatter = JsonLines() if log_format.lower() == "json" else logging.Formatter(FORMAT)
    for handler in root.handlers:
        handler.setFormatter(formatter)
    for name in CONTENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
