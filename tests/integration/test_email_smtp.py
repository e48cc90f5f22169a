"""SMTP over the wire, to an aiosmtpd server in the test process: what arrives, and how each failure
is reported to the dispatcher (which does the retrying: here a retry is simply a second send)."""

from __future__ import annotations

import asyncio
import socket

import aiosmtplib
import pytest

from notify.email_smtp import SmtpEmailSender, classify
from notify.message import DeliveryFailure, EmailMessage, PermanentFailure, Rendered, TemporaryFailure
from tests.support.smtp import SmtpServer, self_signed_tls

MAIL_FROM = "Peer Challenge Assistant <peer-challenge@assistant.example>"
ENVELOPE_FROM = "peer-challenge@assistant.example"
ASSISTANT = "replies@assistant.example"
TO = "alex.example@wokingham.example"
SUBJECT = "Moderation window opens for Wokingham"
TEXT = "Dear Alex,\n\nThe moderation window for 2025-26 opens today. Reply with: Enquiry: yes\n"
HTML = "<p>Dear Alex,</p><p>The moderation window for 2025-26 opens today.</p>"
PRIVATE = (TO, "alex.example", SUBJECT, "Wokingham", "Dear Alex", "moderation window")


def outbox(message_id=42, to=TO) -> EmailMessage:
    return EmailMessage(to, Rendered(SUBJECT, TEXT, HTML, {}, "K7PX2Q"), message_id)


@pytest.fixture
def server():
    with SmtpServer() as server:
        yield server


def smtp_sender(host, port, *, security="none", username="", password="", timeout=5.0, **options):
    return SmtpEmailSender(
        host,
        port,
        security=security,
        username=username,
        password=password,
        mail_from=MAIL_FROM,
        reply_to=ASSISTANT,
        timeout=timeout,
        **options,
    )


@pytest.fixture
def sender(server) -> SmtpEmailSender:
    return smtp_sender(server.host, server.port)


def assert_safe(failure: DeliveryFailure) -> None:
    for private in PRIVATE:
        assert private.lower() not in failure.reason.lower()
        assert private.lower() not in str(failure).lower()
    # Not chained to aiosmtplib's error, whose message quotes the server (and so the address).
    assert failure.__cause__ is None and failure.__suppress_context__


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_message_arrives_with_its_headers_and_both_parts(server, sender):
    await sender.send_email(outbox())

    [received] = server.messages
    assert received.mail_from == ENVELOPE_FROM
    assert received.rcpt_tos == (TO,)
    message = received.message
    assert message["From"] == MAIL_FROM
    assert message["To"] == TO
    assert message["Reply-To"] == ASSISTANT
    assert message["Subject"] == f"{SUBJECT} [K7PX2Q]"
    assert message["Message-ID"] == "<outbox-42@assistant.example>"
    assert message.get_body(("plain",)).get_content() == TEXT.replace("\n", "\r\n")
    assert message.get_body(("html",)).get_content().strip() == HTML


async def test_concurrent_sends_each_use_their_own_connection(server, sender):
    await asyncio.gather(*(sender.send_email(outbox(message_id=n)) for n in range(1, 6)))

    ids = sorted(received.message["Message-ID"] for received in server.messages)
    assert ids == sorted(f"<outbox-{n}@assistant.example>" for n in range(1, 6))


@pytest.mark.parametrize(
    "code, stage, reason",
    [
        (421, "RCPT", "SMTP 421 4.3.2 at RCPT"),
        (451, "RCPT", "SMTP 451 4.3.0 at RCPT"),  # greylisting
        (452, "RCPT", "SMTP 452 4.2.2 at RCPT"),
        (421, "DATA", "SMTP 421 4.3.2 after DATA"),
        (451, "DATA", "SMTP 451 4.3.0 after DATA"),
    ],
)
async def test_a_4xx_reply_is_temporary_and_the_next_attempt_delivers_once(server, sender, code, stage, reason):
    server.fail_next(code, at=stage)

    with pytest.raises(TemporaryFailure) as raised:
        await sender.send_email(outbox())
    assert raised.value.reason == reason
    assert_safe(raised.value)
    assert server.messages == []

    await sender.send_email(outbox())
    [received] = server.messages
    assert received.message["Message-ID"] == "<outbox-42@assistant.example>"


@pytest.mark.parametrize(
    "code, stage, reason",
    [
        (550, "RCPT", "SMTP 550 5.1.1 recipient refused"),
        (553, "RCPT", "SMTP 553 5.1.3 recipient refused"),
        (550, "DATA", "SMTP 550 5.1.1 after DATA"),
        (554, "DATA", "SMTP 554 5.6.0 after DATA"),
    ],
)
async def test_a_5xx_reply_is_permanent(server, sender, code, stage, reason):
    server.fail_next(code, at=stage)

    with pytest.raises(PermanentFailure) as raised:
        await sender.send_email(outbox())
    assert raised.value.reason == reason
    assert_safe(raised.value)
    assert server.messages == []


async def test_a_connection_dropped_before_the_reply_to_data_is_temporary(server, sender):
    server.drop_next()

    with pytest.raises(TemporaryFailure) as raised:
        await sender.send_email(outbox())
    assert raised.value.reason == "SMTP connection lost"
    assert_safe(raised.value)

    # The server had taken it: the retry makes a second copy (delivery is at-least-once), under the
    # same Message-ID, which lets the receiving side recognise the repeat.
    await sender.send_email(outbox())
    first, second = server.messages
    assert first.message["Message-ID"] == second.message["Message-ID"] == "<outbox-42@assistant.example>"


async def test_nothing_listening_is_temporary():
    sender = smtp_sender("127.0.0.1", free_port())

    with pytest.raises(TemporaryFailure) as raised:
        await sender.send_email(outbox())
    assert raised.value.reason == "SMTP connection refused"
    assert_safe(raised.value)


async def test_a_server_that_never_answers_times_out_as_temporary():
    connections: list[asyncio.StreamWriter] = []

    async def silent(reader, writer):
        connections.append(writer)  # accepted, never greeted

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        with pytest.raises(TemporaryFailure) as raised:
            await smtp_sender("127.0.0.1", port, timeout=0.3).send_email(outbox())
    finally:
        for writer in connections:
            writer.close()
        listener.close()
        await listener.wait_closed()
    assert raised.value.reason == "SMTP timed out"


async def test_an_invalid_recipient_is_permanent_and_nothing_is_sent(server, sender):
    with pytest.raises(PermanentFailure) as raised:
        await sender.send_email(outbox(to="alex.example"))
    assert raised.value.reason.startswith("message could not be built")
    assert_safe(raised.value)
    assert server.messages == []


SENDER_REFUSED_LATER = aiosmtplib.SMTPSenderRefused(451, "4.7.1 Try again later", ENVELOPE_FROM)
SENDER_REFUSED = aiosmtplib.SMTPSenderRefused(553, f"5.7.1 <{ENVELOPE_FROM}> not allowed", ENVELOPE_FROM)
RECIPIENT_REFUSED = aiosmtplib.SMTPRecipientRefused(550, f"<{TO}>: unknown user", TO)


@pytest.mark.parametrize(
    "error, kind, reason",
    [
        (SENDER_REFUSED_LATER, TemporaryFailure, "SMTP 451 4.7.1 at MAIL FROM"),
        (SENDER_REFUSED, PermanentFailure, "SMTP 553 5.7.1 sender refused"),
        (aiosmtplib.SMTPRecipientsRefused([RECIPIENT_REFUSED]), PermanentFailure, "SMTP 550 recipient refused"),
        (aiosmtplib.SMTPConnectResponseError(554, "no service"), PermanentFailure, "SMTP 554 on connect"),
        (aiosmtplib.SMTPConnectResponseError(421, "4.3.2 busy"), TemporaryFailure, "SMTP 421 4.3.2 on connect"),
        (aiosmtplib.SMTPServerDisconnected("Connection lost"), TemporaryFailure, "SMTP connection lost"),
        (aiosmtplib.SMTPReadTimeoutError("Timed out"), TemporaryFailure, "SMTP timed out"),
        (ConnectionResetError(), TemporaryFailure, "SMTP connection failed"),
    ],
)
def test_classification_keeps_codes_and_drops_server_text(error, kind, reason):
    failure = classify(error)
    assert type(failure) is kind
    assert failure.reason == reason
    assert TO not in failure.reason and ENVELOPE_FROM not in failure.reason


def test_a_programming_error_is_not_disguised_as_a_delivery_failure():
    assert classify(KeyError("oops")) is None


# -- STARTTLS and login, as Exchange Online and most relays want them on port 587 ----------------


@pytest.fixture(scope="module")
def tls():
    return self_signed_tls()


@pytest.fixture
async def secure_server(tls):
    server_context, _ = tls
    with SmtpServer(tls=server_context, login=("assistant", "right-password")) as server:
        yield server
        # A TLS connection closed after a failure says goodbye (close_notify) before its socket
        # closes, a few turns of the loop later: a running service gives it those turns, and so
        # must a test, whose loop would otherwise close first and leave the socket to the GC.
        await asyncio.sleep(0.25)


async def test_starttls_and_login(secure_server, tls):
    _, client_context = tls
    sender = smtp_sender(
        secure_server.host,
        secure_server.port,
        security="starttls",
        username="assistant",
        password="right-password",
        tls_context=client_context,
    )

    await sender.send_email(outbox())

    [received] = secure_server.messages
    assert received.message["Subject"] == f"{SUBJECT} [K7PX2Q]"


async def test_a_wrong_password_is_permanent(secure_server, tls):
    _, client_context = tls
    sender = smtp_sender(
        secure_server.host,
        secure_server.port,
        security="starttls",
        username="assistant",
        password="wrong-password",
        tls_context=client_context,
    )

    with pytest.raises(PermanentFailure) as raised:
        await sender.send_email(outbox())
    assert raised.value.reason == "SMTP 535 5.7.8 authentication refused"
    assert "password" not in raised.value.reason
    assert secure_server.messages == []


async def test_an_untrusted_certificate_is_temporary(secure_server):
    sender = smtp_sender(
        secure_server.host,
        secure_server.port,
        security="starttls",
        username="assistant",
        password="right-password",
    )

    with pytest.raises(TemporaryFailure) as raised:
        await sender.send_email(outbox())
    assert raised.value.reason == "SMTP TLS certificate not trusted"


async def test_starttls_asked_of_a_server_without_it_is_permanent(server):
    sender = smtp_sender(server.host, server.port, security="starttls")

    with pytest.raises(PermanentFailure) as raised:
        await sender.send_email(outbox())
    assert "STARTTLS" in raised.value.reason
    assert server.messages == []
