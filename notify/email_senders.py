"""The email sender the settings ask for, built by the composition root."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from notify.email_file import FileEmailSender
from notify.email_smtp import SmtpEmailSender
from notify.message import EmailSender

if TYPE_CHECKING:  # notify reads the settings it is given; it does not import the bot
    from bot.config import Settings

# What load_settings() fills in for MAIL_DIR; here for Settings built by hand, as tests do.
DEFAULT_MAIL_DIR = Path(__file__).resolve().parent.parent / "var" / "mail"


def build_email_sender(settings: Settings) -> EmailSender:
    if settings.mail_backend == "file":
        return FileEmailSender(
            Path(settings.mail_dir) if settings.mail_dir else DEFAULT_MAIL_DIR,
            mail_from=settings.mail_from,
            reply_to=settings.assistant_mailbox,
        )
    if settings.mail_backend == "smtp":
        return SmtpEmailSender(
            settings.smtp_host,
            settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
            mail_from=settings.mail_from,
            reply_to=settings.assistant_mailbox,
            timeout=settings.smtp_timeout,
        )
    if settings.mail_backend == "graph":
        # Imported here: the Graph sender brings MSAL and an HTTP session that file and SMTP users never need.
        from notify.email_graph import GraphEmailSender

        return GraphEmailSender.from_settings(settings)
    raise ValueError(f"MAIL_BACKEND is '{settings.mail_backend}'; use file, smtp or graph")
