"""The default mail backend: each message written to a directory, for a person to open.

`000042-note-agreement-reminder-ab12cd.eml` is the whole message (open it in a mail client) and
`000042-....html` its HTML part (open it in a browser). Names start with the outbox id, so sending a
row again replaces its files instead of adding a second pair.
"""

from __future__ import annotations

import asyncio
import email.policy
import errno
import logging
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from notify.email_build import build_mime
from notify.message import EmailMessage, PermanentFailure, TemporaryFailure

log = logging.getLogger(__name__)

SLUG_LENGTH = 60


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:SLUG_LENGTH].rstrip("-") or "message"


def file_stem(outbox_id: int, subject: str) -> str:
    return f"{outbox_id:06d}-{slug(subject)}"


class FileEmailSender:
    def __init__(self, directory: Path, *, mail_from: str, reply_to: str):
        self.directory = Path(directory)
        self.mail_from = mail_from
        self.reply_to = reply_to

    async def send_email(self, message: EmailMessage) -> None:
        try:
            mime = build_mime(message, mail_from=self.mail_from, reply_to=self.reply_to)
        except ValueError as error:
            raise PermanentFailure(f"message could not be built: {error}") from None
        stem = file_stem(message.message_id, str(mime["Subject"]))
        eml = mime.as_bytes(policy=email.policy.SMTP)  # CRLF, as on the wire and as mail clients save
        html = message.rendered.html.encode("utf-8")
        try:
            await asyncio.to_thread(self._write, message.message_id, stem, eml, html)
        except OSError as error:
            # Disk full or a permission fixed later: worth another try. The path is not personal data,
            # but the errno name says enough.
            name = errno.errorcode.get(error.errno or 0, "OSError")
            raise TemporaryFailure(f"mail directory not writable ({name})") from None
        # The file's name holds the subject, which may name people: the log says only which message and where.
        log.info("outbox %s written to the mail directory (%06d-*.eml)", message.message_id, message.message_id)

    def _write(self, outbox_id: int, stem: str, eml: bytes, html: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        written = {f"{stem}.eml", f"{stem}.html"}
        _write_atomically(self.directory / f"{stem}.eml", eml)
        _write_atomically(self.directory / f"{stem}.html", html)
        # A resend whose subject changed has a new name: remove the older pair, keep one per row.
        for suffix in (".eml", ".html"):
            for older in self.directory.glob(f"{outbox_id:06d}-*{suffix}"):
                if older.name not in written:
                    older.unlink(missing_ok=True)

    async def close(self) -> None:
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    """A reader sees the old file or the new one, never half of one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
