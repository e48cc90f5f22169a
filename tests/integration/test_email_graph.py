"""Graph mail through the real MSAL and aiohttp, against a local sign-in authority and Graph stand-in."""

from __future__ import annotations

import asyncio
import logging

import pytest

from notify.email_graph import GraphEmailSender, retry_after
from notify.graph_token import GraphTokenProvider
from notify.message import DeliveryFailure, EmailMessage, PermanentFailure, Rendered, TemporaryFailure
from tests.support.graph import CLIENT_SECRET, MAILBOX, REPLY_TO, LocalGraph

RECIPIENT = "dcs.kent@council.example"
SUBJECT = "Please agree the note of your challenge day"
HTML = "<p>The note of the challenge day on 3 March is ready.</p>"
TEXT = "The note of the challenge day on 3 March is ready."
CODE = "PCA-7K2Q"
# What no reason string or log line may contain.
PRIVATE = (RECIPIENT, SUBJECT, HTML, TEXT, MAILBOX, REPLY_TO, CLIENT_SECRET, "graph-")


def email(message_id: int = 1, *, subject: str = SUBJECT, code: str | None = CODE) -> EmailMessage:
    rendered = Rendered(subject=subject, text=TEXT, html=HTML, card={}, reference_code=code)
    return EmailMessage(to=RECIPIENT, rendered=rendered, message_id=message_id)


def assert_private(failure: DeliveryFailure) -> None:
    for value in PRIVATE:
        assert value not in failure.reason
        assert value not in str(failure)


@pytest.fixture
async def graph(tmp_path):
    async with LocalGraph(tmp_path) as server:
        yield server


@pytest.fixture
async def sender(graph):
    sender = graph.sender()
    yield sender
    await sender.close()


@pytest.fixture(autouse=True)
def private_logs(caplog):
    """Nothing the notify package logs names a person, quotes the message or shows a secret."""
    caplog.set_level(logging.DEBUG, logger="notify")
    yield
    for record in caplog.records:
        if record.name.startswith("notify"):
            for value in PRIVATE:
                assert value not in record.getMessage()


async def test_delivers_the_message_as_graph_expects_it(graph, sender):
    await sender.send_email(email())

    [delivery] = graph.sent
    assert delivery.mailbox == MAILBOX
    assert delivery.payload == {
        "message": {
            "subject": f"{SUBJECT} [{CODE}]",
            "body": {"contentType": "HTML", "content": HTML},
            "toRecipients": [{"emailAddress": {"address": RECIPIENT}}],
            "replyTo": [{"emailAddress": {"address": REPLY_TO}}],
        },
        "saveToSentItems": True,
    }
    assert delivery.token in graph.issued
    assert graph.token_requests == 1


async def test_subject_carries_the_code_once(graph, sender):
    """The same subject line as SMTP and file mail (`notify.email_build.subject_line`)."""
    await sender.send_email(email(1, subject=f"Re: {SUBJECT} [{CODE}]"))
    await sender.send_email(email(2, code=None))
    await sender.send_email(email(3, subject=f"{SUBJECT}\n  (second notice)"))

    assert [d.payload["message"]["subject"] for d in graph.sent] == [
        f"Re: {SUBJECT} [{CODE}]",
        SUBJECT,
        f"{SUBJECT} (second notice) [{CODE}]",
    ]


async def test_one_token_serves_many_messages(graph, sender):
    await sender.send_email(email(1))
    await sender.send_email(email(2))
    await asyncio.gather(*(sender.send_email(email(n)) for n in range(3, 8)))

    assert len(graph.sent) == 7
    assert len({d.token for d in graph.sent}) == 1
    assert graph.token_requests == 1
    assert graph.discovery_requests == 1


async def test_throttled_then_delivered_exactly_once(graph, sender):
    graph.fail_sendmail(429, retry_after="7")

    with pytest.raises(TemporaryFailure) as caught:
        await sender.send_email(email())
    assert caught.value.retry_after == 7
    assert "429" in caught.value.reason
    assert_private(caught.value)
    assert graph.sent == []

    await sender.send_email(email())
    assert len(graph.sent) == 1
    assert graph.sendmail_requests == 2
    assert graph.token_requests == 1


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_outage_is_temporary(graph, sender, status):
    graph.fail_sendmail(status, retry_after="30" if status == 503 else None)

    with pytest.raises(TemporaryFailure) as caught:
        await sender.send_email(email())
    assert caught.value.retry_after == (30 if status == 503 else None)
    assert_private(caught.value)
    assert graph.sendmail_requests == 1


async def test_bad_request_is_permanent_and_not_retried(graph, sender):
    graph.fail_sendmail(400)

    with pytest.raises(PermanentFailure) as caught:
        await sender.send_email(email())
    assert caught.value.reason == "Graph sendMail answered 400 ErrorInvalidRecipients"
    assert_private(caught.value)
    assert graph.sendmail_requests == 1
    assert graph.sent == []


async def test_a_token_graph_no_longer_accepts_is_renewed(graph, sender):
    await sender.send_email(email(1))
    graph.expire_tokens()  # MSAL still holds it as good for an hour

    await sender.send_email(email(2))

    first, second = graph.sent
    assert first.token != second.token
    assert graph.token_requests == 2
    assert graph.sendmail_requests == 3  # the refused attempt, then the one retry

    await sender.send_email(email(3))  # the renewed token is the one now cached
    assert graph.sent[2].token == second.token
    assert graph.token_requests == 2


async def test_concurrent_refusals_share_one_renewal(graph, sender):
    await sender.send_email(email(1))
    graph.expire_tokens()

    await asyncio.gather(*(sender.send_email(email(n)) for n in range(2, 6)))

    assert len(graph.sent) == 5
    assert graph.token_requests == 2


async def test_a_token_near_expiry_is_not_used(graph, sender):
    graph.token_lifetime = 120  # MSAL treats a token with under five minutes left as expired

    await sender.send_email(email(1))
    await sender.send_email(email(2))

    assert graph.token_requests == 2
    assert graph.sent[0].token != graph.sent[1].token


async def test_refused_twice_is_temporary(graph, sender):
    graph.fail_sendmail(401, times=2)

    with pytest.raises(TemporaryFailure) as caught:
        await sender.send_email(email())
    assert "401" in caught.value.reason
    assert_private(caught.value)
    assert graph.token_requests == 2
    assert graph.sendmail_requests == 2


async def test_wrong_client_secret_is_permanent(graph):
    sender = graph.sender(client_secret="wrong-secret-value")
    try:
        with pytest.raises(PermanentFailure) as caught:
            await sender.send_email(email())
    finally:
        await sender.close()
    assert "invalid_client" in caught.value.reason
    assert "AADSTS7000215" in caught.value.reason
    assert "wrong-secret-value" not in caught.value.reason
    assert_private(caught.value)
    assert graph.sendmail_requests == 0


async def test_token_endpoint_outage_is_temporary(graph, sender):
    graph.fail_token_requests(503)

    with pytest.raises(TemporaryFailure) as caught:
        await sender.send_email(email())
    assert_private(caught.value)
    assert graph.sendmail_requests == 0


async def test_token_endpoint_refusing_for_a_passing_reason_is_temporary(graph, sender):
    graph.fail_token_requests(400, error="temporarily_unavailable")

    with pytest.raises(TemporaryFailure) as caught:
        await sender.send_email(email())
    assert "temporarily_unavailable" in caught.value.reason
    assert_private(caught.value)


async def test_unknown_tenant_is_permanent(graph):
    provider = GraphTokenProvider(
        tenant_id="not-our-tenant",
        client_id=graph.client_id,
        client_secret=CLIENT_SECRET,
        authority_host=graph.base_url,
        http_client=graph.requests_session(),
        instance_discovery=False,
    )
    try:
        with pytest.raises(PermanentFailure) as caught:
            await provider.token()
    finally:
        await provider.close()
    assert "GRAPH_TENANT_ID" in caught.value.reason
    assert_private(caught.value)


async def test_unreachable_graph_is_temporary(graph):
    sender = graph.sender(base_url="https://127.0.0.1:9/v1.0")
    try:
        with pytest.raises(TemporaryFailure) as caught:
            await sender.send_email(email())
    finally:
        await sender.close()
    assert_private(caught.value)


async def test_unreachable_authority_is_temporary(tmp_path):
    graph = LocalGraph(tmp_path)
    await graph.start()
    provider = graph.token_provider()
    await graph.close()  # nothing listens there any more
    try:
        with pytest.raises(TemporaryFailure) as caught:
            await provider.token()
    finally:
        await provider.close()
    assert_private(caught.value)


async def test_close_closes_the_session_and_a_later_send_opens_another(graph, sender):
    await sender.send_email(email(1))
    await sender.close()
    await sender.send_email(email(2))

    assert len(graph.sent) == 2


def test_the_composition_root_points_the_sender_at_the_configured_graph():
    from service.bootstrap import build_email_sender
    from service.settings import settings_from

    settings = settings_from(
        {
            "MAIL_BACKEND": "graph",
            "GRAPH_TENANT_ID": "contoso",
            "GRAPH_CLIENT_ID": "app",
            "GRAPH_CLIENT_SECRET": "s",
            "GRAPH_MAILBOX": "peer challenge@assistant.example",
            "ASSISTANT_MAILBOX": REPLY_TO,
        }
    )
    sender = build_email_sender(settings)
    assert isinstance(sender, GraphEmailSender)

    assert sender._url == "https://graph.microsoft.com/v1.0/users/peer%20challenge@assistant.example/sendMail"
    assert sender.payload(email())["message"]["replyTo"] == [{"emailAddress": {"address": REPLY_TO}}]
    assert sender._tokens.authority == "https://login.microsoftonline.com/contoso"


def test_retry_after_reads_seconds_and_dates():
    assert retry_after({"retry-after": "12"}) == 12
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT"}, now=lambda: 1445412500.0) == 10
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


async def test_an_invitation_goes_with_its_ics_attached(graph, sender):
    import base64
    from dataclasses import replace

    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    message = email()
    await sender.send_email(replace(message, rendered=replace(message.rendered, calendar=ics)))
    [delivery] = graph.sent
    (attachment,) = delivery.payload["message"]["attachments"]
    assert attachment["name"] == "invite.ics" and attachment["contentType"] == "text/calendar"
    assert base64.b64decode(attachment["contentBytes"]).decode() == ics
