"""Email through an SMTP server (Exchange Online's smtp.office365.com, a council relay, Mailpit...).

One connection per message. Reminders leave in small bursts a few times a day, and servers drop
idle connections within minutes (Postfix's smtpd_timeout is 300 s): a kept connection would be
stale at almost every send, and on a reused connection "stale before we began" is hard to tell from
"lost during DATA", the ambiguity that duplicates mail. Fresh connections also let concurrent sends
proceed without a lock. The cost, one handshake per message, is small at our volume.

Failures are classified for the dispatcher, which retries: a 4xx reply (at any stage, including a
greylisting 451 at RCPT), a lost or refused connection, a TLS failure and a timeout are temporary;
a 5xx reply (a refused recipient or message, refused credentials) is permanent. Reasons name the
reply code and the stage, never the address, subject or body; a server's own text often quotes the
address, so only its enhanced status code (5.1.1) is kept.
"""

from __future__ import annotations

import logging
import re
import ssl

import aiosmtplib

from notify.email_build import build_mime, recipient_address
from notify.message import EmailMessage, PermanentFailure, TemporaryFailure

log = logging.getLogger(__name__)

SECURITIES = ("starttls", "tls", "none")
# RFC 3463 enhanced status code at the start of a reply's text, e.g. "5.1.1": safe to keep.
ENHANCED_CODE = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")


class SmtpEmailSender:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: str,
        username: str,
        password: str,
        mail_from: str,
        reply_to: str,
        timeout: float,
        tls_context: ssl.SSLContext | None = None,  # for a private CA; default: the system's trust store
    ):
        if security not in SECURITIES:
            raise ValueError(f"security is '{security}'; use one of {', '.join(SECURITIES)}")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.mail_from = mail_from
        self.reply_to = reply_to
        self.timeout = timeout
        self.tls_context = tls_context

    async def send_email(self, message: EmailMessage) -> None:
        try:
            mime = build_mime(message, mail_from=self.mail_from, reply_to=self.reply_to)
            recipient = recipient_address(mime)
        except ValueError as error:
            raise PermanentFailure(f"message could not be built: {error}") from None
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self.timeout,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            tls_context=self.tls_context,
            # Log in only when a user name is set; a relay that trusts our address needs none.
            username=self.username or None,
            password=(self.password or None) if self.username else None,
        )
        try:
            async with client:
                # The envelope names the recipient explicitly: never Bcc or Cc picked from headers.
                await client.send_message(mime, recipients=[recipient])
        except Exception as error:  # every failure is classified; none escapes unexplained
            failure = classify(error)
            if failure is None:
                raise
            log.warning("outbox %s not sent by SMTP: %s", message.message_id, failure.reason)
            # Not chained: aiosmtplib's messages quote addresses and server replies, and a traceback
            # logged upstream would carry them.
            raise failure from None
        log.info("outbox %s sent by SMTP", message.message_id)

    async def close(self) -> None:
        return None  # no connection outlives a send


def classify(error: BaseException) -> TemporaryFailure | PermanentFailure | None:
    """The failure to record for an aiosmtplib (or socket) error; None for a bug to let through."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):  # every recipient refused: ours is the one
        if not error.recipients:
            return PermanentFailure("SMTP recipient refused")
        return classify(error.recipients[0])
    if isinstance(error, aiosmtplib.SMTPRecipientRefused):
        return _reply(error.code, error.message, "recipient refused" if error.code >= 500 else "at RCPT")
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        return _reply(error.code, error.message, "sender refused" if error.code >= 500 else "at MAIL FROM")
    if isinstance(error, aiosmtplib.SMTPDataError):
        return _reply(error.code, error.message, "after DATA")
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        # 535: the credentials are wrong; the reply code decides, as for any other refusal.
        return _reply(error.code, error.message, "authentication refused")
    if isinstance(error, aiosmtplib.SMTPHeloError):
        return _reply(error.code, error.message, "greeting refused")
    if isinstance(error, aiosmtplib.SMTPConnectResponseError):
        return _reply(error.code, error.message, "on connect")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _reply(error.code, error.message, "reply")
    tls = _tls_failure(error)
    if tls is not None:
        return tls
    if isinstance(error, aiosmtplib.SMTPTimeoutError):
        return TemporaryFailure("SMTP timed out")
    if isinstance(error, aiosmtplib.SMTPConnectError):
        if isinstance(error.__cause__, ConnectionRefusedError):
            return TemporaryFailure("SMTP connection refused")
        return TemporaryFailure("SMTP connection failed")
    if isinstance(error, aiosmtplib.SMTPServerDisconnected):
        # Possibly after the server took the message: the resend is why Message-ID stays the same.
        return TemporaryFailure("SMTP connection lost")
    if isinstance(error, aiosmtplib.SMTPException):
        # STARTTLS, AUTH or SMTPUTF8 asked for but not offered (aiosmtplib's texts, which quote no
        # address): a setting to change, not a moment to wait for.
        return PermanentFailure("SMTP server lacks what the settings ask for (STARTTLS, AUTH or SMTPUTF8)")
    if isinstance(error, TimeoutError):
        return TemporaryFailure("SMTP timed out")
    if isinstance(error, OSError):
        return TemporaryFailure("SMTP connection failed")
    if isinstance(error, ValueError):
        # aiosmtplib's own address check, before anything is sent.
        return PermanentFailure("SMTP address not accepted by the client")
    return None


def _tls_failure(error: BaseException) -> TemporaryFailure | None:
    # TLS on connect arrives wrapped in SMTPConnectError; during STARTTLS, as it is.
    for candidate in (error, error.__cause__):
        if isinstance(candidate, ssl.SSLCertVerificationError):
            return TemporaryFailure("SMTP TLS certificate not trusted")
        if isinstance(candidate, ssl.SSLError):
            return TemporaryFailure("SMTP TLS failed")
    return None


def _reply(code: int, text: str, stage: str) -> TemporaryFailure | PermanentFailure:
    enhanced = ENHANCED_CODE.match(text or "")
    reason = f"SMTP {code} {enhanced.group(1)} {stage}" if enhanced else f"SMTP {code} {stage}"
    if 500 <= code < 600:
        return PermanentFailure(reason)
    return TemporaryFailure(reason)  # 4xx, and anything unexpected: better late than lost
