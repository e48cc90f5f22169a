"""One outbox message as a MIME email: the same bytes whether it goes to a file, SMTP or Graph."""

from __future__ import annotations

import email.message
import email.policy
from datetime import datetime
from email.headerregistry import Address
from email.utils import format_datetime, parseaddr

from notify.message import EmailMessage
from storage.base import utcnow

# Lines end in "\n" in memory; whoever writes the bytes chooses CRLF (SMTP and .eml files do).
POLICY = email.policy.default


def subject_line(subject: str, reference_code: str | None) -> str:
    """The subject on one line, ending in ` [CODE]` so that a reply can be matched to what we sent."""
    subject = " ".join(subject.split())  # a header cannot hold line breaks; templates may leave some
    if reference_code and reference_code.casefold() not in subject.casefold():
        subject = f"{subject} [{reference_code}]" if subject else f"[{reference_code}]"
    return subject


def message_id(outbox_id: int, domain: str) -> str:
    """The same id every time the row is sent, so a receiver that saw a copy can tell a repeat."""
    return f"<outbox-{outbox_id}@{domain}>"


def address_domain(address: str) -> str:
    _, addr = parseaddr(address)
    domain = addr.rpartition("@")[2]
    return domain or "localhost"


def build_mime(
    message: EmailMessage,
    *,
    mail_from: str,
    reply_to: str,
    domain: str | None = None,
    date: datetime | None = None,
) -> email.message.EmailMessage:
    """Raises ValueError when an address or header cannot be written (a line break in it, say)."""
    rendered = message.rendered
    mime = email.message.EmailMessage(policy=POLICY)
    mime["From"] = mail_from
    mime["To"] = message.to
    mime["Subject"] = subject_line(rendered.subject, rendered.reference_code)
    if reply_to:
        # Replies go to the mailbox connected to the Bot Framework email channel, whatever sends.
        mime["Reply-To"] = reply_to
    mime["Date"] = format_datetime(date or utcnow())  # the moment it is written: the machine's own clock
    mime["Message-ID"] = message_id(message.message_id, domain or address_domain(mail_from))
    recipient_address(mime)
    # Out-of-office and other automatic answers would reach the assistant as if a person wrote
    # them; RFC 3834's header and Exchange's own ask responders not to send them.
    mime["Auto-Submitted"] = "auto-generated"
    mime["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    # Quoted-printable: 7-bit safe for any relay, and still readable when a .eml is opened as text.
    mime.set_content(rendered.text, charset="utf-8", cte="quoted-printable")
    mime.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if rendered.calendar:
        # An invitation: the calendar part beside the text and HTML (what Outlook and Gmail act on), and the same as a file.
        method = "CANCEL" if "METHOD:CANCEL" in rendered.calendar else "REQUEST"
        mime.add_alternative(rendered.calendar, subtype="calendar", charset="utf-8", params={"method": method})
        mime.add_attachment(rendered.calendar.encode("utf-8"), maintype="text", subtype="calendar", filename="invite.ics",
                            params={"method": method})
    return mime


def recipient_address(mime: email.message.EmailMessage) -> str:
    """The one address in To; ValueError (without the address in it) if there is not exactly one."""
    addresses: tuple[Address, ...] = mime["To"].addresses
    if len(addresses) != 1 or not addresses[0].username or not addresses[0].domain:
        raise ValueError("the recipient is not one email address")
    return addresses[0].addr_spec

