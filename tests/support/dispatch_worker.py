"""A dispatcher process for the concurrency tests: sends by appending each outbox id to a file.

python -m tests.support.dispatch_worker DATABASE_URL LOG_FILE [--delay S] [--claim S] [--idle S]
It drains until nothing has been due for --idle seconds, then exits.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from notify.dispatcher import Dispatcher
from notify.message import EmailMessage
from storage.base import utcnow
from storage.database import Database
from tests.support.fakes import PlainRenderer


class AppendingSender:
    def __init__(self, path: str, delay: float):
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._delay = delay

    async def send_email(self, message: EmailMessage) -> None:
        if self._delay:
            await asyncio.sleep(self._delay)
        os.write(self._fd, f"{message.message_id}\n".encode())
        os.fsync(self._fd)

    async def close(self) -> None:
        os.close(self._fd)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("log_file")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--claim", type=float, default=30.0)
    parser.add_argument("--idle", type=float, default=1.0)
    args = parser.parse_args()
    database = Database(args.database_url)
    sender = AppendingSender(args.log_file, args.delay)
    dispatcher = Dispatcher(
        database, renderer=PlainRenderer(), email=sender, clock=utcnow, claim_seconds=args.claim, batch_size=20, concurrency=10
    )
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < args.idle:
        if await dispatcher.run_once():
            quiet_since = time.monotonic()
        else:
            await asyncio.sleep(0.05)
    await sender.close()
    database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
