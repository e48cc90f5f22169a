"""The MIME message every backend sends: headers a reply can be matched by, two parts, utf-8."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest

from notify.email_build import build_mime, subject_line
from notify.message import EmailMessage, Rendered

MAIL_FROM = "Peer Challenge Assistant <peer-challenge@assistant.example>"
ASSISTANT = "replies@assistant.example"
TO = "alex.example@wokingham.example"
TEXT = "Dear Alex,\n\nThe self-assessment for Wokingham is due on 3 March — £0 to pay.\n"
HTML = "<p>Dear Alex,</p><p>The self-assessment for Wokingham is due on 3 March — £0 to pay.</p>"


def outbox(subject="Self-assessment due", code="K7PX2Q", to=TO, message_id=42) -> EmailMessage:
    return EmailMessage(to=to, rendered=Rendered(subject, TEXT, HTML, {}, code), message_id=message_id)


def reparsed(message: EmailMessage, **options) -> email.message.EmailMessage:
    mime = build_mime(message, mail_from=MAIL_FROM, reply_to=ASSISTANT, **options)
    return email.message_from_bytes(mime.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)


def test_headers_name_sender_recipient_reply_mailbox_and_reference():
    parsed = reparsed(outbox(), date=datetime(2025, 3, 3, 9, 0, tzinfo=UTC))

    assert parsed["From"] == MAIL_FROM
    assert parsed["To"] == TO
    assert parsed["Reply-To"] == ASSISTANT
    assert parsed["Subject"] == "Self-assessment due [K7PX2Q]"
    assert parsed["Date"] == "Mon, 03 Mar 2025 09:00:00 +0000"
    assert parsed["Message-ID"] == "<outbox-42@assistant.example>"
    assert parsed["Auto-Submitted"] == "auto-generated"


def test_message_id_is_the_same_for_every_send_of_a_row_and_can_take_another_domain():
    first, second = reparsed(outbox()), reparsed(outbox())
    assert first["Message-ID"] == second["Message-ID"] == "<outbox-42@assistant.example>"
    assert reparsed(outbox(message_id=7), domain="mail.example")["Message-ID"] == "<outbox-7@mail.example>"


def test_text_and_html_alternatives_in_utf8():
    parsed = reparsed(outbox())

    assert parsed.get_content_type() == "multipart/alternative"
    text, html = parsed.iter_parts()
    assert (text.get_content_type(), text.get_content_charset()) == ("text/plain", "utf-8")
    assert (html.get_content_type(), html.get_content_charset()) == ("text/html", "utf-8")
    # On the wire text lines end in CRLF, MIME's canonical form.
    assert text.get_content() == TEXT.replace("\n", "\r\n")
    assert html.get_content().rstrip() == HTML
    assert parsed.get_body(("plain",)) is text


def test_non_ascii_subject_and_display_name_survive_encoding():
    rendered = Rendered("Note agreed – thank you", TEXT, HTML, {}, None)
    message = EmailMessage("Zoë Ó <zoe@surrey.example>", rendered, 1)
    parsed = reparsed(message)
    assert parsed["Subject"] == "Note agreed – thank you"
    assert parsed["To"].addresses[0].display_name == "Zoë Ó"
    assert parsed["To"].addresses[0].addr_spec == "zoe@surrey.example"


@pytest.mark.parametrize(
    "subject, code, expected",
    [
        ("Self-assessment due", "K7PX2Q", "Self-assessment due [K7PX2Q]"),
        ("Self-assessment due [K7PX2Q]", "K7PX2Q", "Self-assessment due [K7PX2Q]"),
        ("Reply with code k7px2q", "K7PX2Q", "Reply with code k7px2q"),
        ("Weekly digest", None, "Weekly digest"),
        ("Weekly\r\n  digest ", None, "Weekly digest"),
    ],
)
def test_reference_code_is_appended_once(subject, code, expected):
    assert subject_line(subject, code) == expected
    assert reparsed(outbox(subject=subject, code=code))["Subject"] == expected


@pytest.mark.parametrize(
    "to", ["alex@wokingham.example\r\nBcc: someone@elsewhere.example", "alex", "a@x.example, b@y.example", ""]
)
def test_a_recipient_that_is_not_one_address_is_refused_without_quoting_it(to):
    with pytest.raises(ValueError) as raised:
        build_mime(outbox(to=to), mail_from=MAIL_FROM, reply_to=ASSISTANT)
    assert "alex" not in str(raised.value) and "@" not in str(raised.value)
