"""Proactive Teams messages end to end, on both hosts: the real CloudAdapter and the SDK's own HTTP client, talking
over 127.0.0.1 to a Bot Connector stand-in that enforces Teams' limits and can be told to fail.

Deliveries are counted per outbox message by the `[outbox N]` marker each test puts in the
rendered text (the sender sends it as the activity's summary)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import pytest

from notify.message import ConversationGone, PermanentFailure, Rendered, TeamsMessage, TemporaryFailure
from notify.rate_limit import TeamsLimits
from notify.teams import TeamsProactiveSender, retry_after_seconds
from service.bootstrap import build_host
from service.settings import settings_from
from tests.support.auth import OUTBOUND_TOKEN, StaticCredentialsFactory, StaticTokenCredentials, static_credentials
from tests.support.hosts import current_host, with_host
from tests.support.teams_connector import TeamsConnectorStandIn, outbox_marker
from tests.support.teams_references import APP_ID, TENANT, reference

PERSON_NAME = "Priya Ramanathan"  # must never appear in a failure's reason


def card(message_id: int) -> dict:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": f"Hello {PERSON_NAME}, message {message_id}", "wrap": True}],
    }


def message(service_url: str, conversation_id: str, message_id: int, *, tenant_id: str = TENANT) -> TeamsMessage:
    return TeamsMessage(
        reference=reference(service_url, conversation_id, tenant_id=tenant_id),
        rendered=Rendered(
            subject="Self-assessment due",
            text=f"Hello {PERSON_NAME}: your self-assessment is due. {outbox_marker(message_id)}",
            html="<p>unused</p>",
            card=card(message_id),
        ),
        message_id=message_id,
        tenant_id=tenant_id,
        conversation_id=conversation_id,
    )


@dataclass
class Teams:
    connector: TeamsConnectorStandIn
    sender: TeamsProactiveSender
    turn_errors: list[BaseException]
    sleeps: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.connector.url

    def message(self, conversation_id: str, message_id: int, **options) -> TeamsMessage:
        return message(self.url, conversation_id, message_id, **options)


def counting_turn_errors(host) -> list[BaseException]:
    """Wrap the SDK adapter's on_turn_error (ours, from bot/hosts/) so a test sees every call."""
    adapter = host.adapter
    errors: list[BaseException] = []
    original = adapter.on_turn_error

    async def on_turn_error(context, error):
        errors.append(error)
        await original(context, error)

    adapter.on_turn_error = on_turn_error
    return errors


def make_sender(host, app_id: str, sleeps: list[float], **options) -> TeamsProactiveSender:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(seconds)

    options = {"max_retries": 3, "backoff_base": 0.01, "backoff_cap": 2.0, "timeout": 5.0, **options}
    return TeamsProactiveSender(host.connector(), app_id, limits=TeamsLimits(), sleep=sleep, **options)


HOSTS_MADE: list = []


def authenticated_host(credentials=None):
    settings = settings_from(with_host({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "local-test-secret"}))
    host = build_host(settings, credentials or static_credentials(APP_ID))
    HOSTS_MADE.append(host)
    return host


@pytest.fixture(autouse=True)
async def close_hosts():
    yield
    while HOSTS_MADE:
        await HOSTS_MADE.pop().close()


@pytest.fixture
async def teams():
    async with TeamsConnectorStandIn(require_token=OUTBOUND_TOKEN) as connector:
        host = authenticated_host()
        errors = counting_turn_errors(host)
        sleeps: list[float] = []
        teams = Teams(connector, make_sender(host, APP_ID, sleeps), errors, sleeps)
        yield teams
        assert errors == [], "an exception reached adapter.on_turn_error"


async def test_a_card_arrives_with_the_text_as_its_summary(teams):
    await teams.sender.send_teams(teams.message("a:conv-1", 1))

    [delivered] = teams.connector.delivered
    assert delivered.conversation_id == "a:conv-1"
    assert delivered.cards == [card(1)]
    assert delivered.summary.endswith(outbox_marker(1))
    assert delivered.authorization == f"Bearer {OUTBOUND_TOKEN}"
    assert delivered.tenant_id == TENANT
    assert teams.connector.violations == 0


async def test_429_with_retry_after_is_honoured_then_delivered_once(teams):
    teams.connector.fail_next(1, 429, retry_after="1")
    started = time.monotonic()

    await teams.sender.send_teams(teams.message("a:conv-1", 7))

    assert time.monotonic() - started >= 1.0
    assert teams.sleeps and teams.sleeps[0] >= 1.0
    assert teams.connector.outbox_counts() == {7: 1}
    assert teams.connector.statuses[429] == 1


@pytest.mark.parametrize("status", [503, 412, 502, 504])
async def test_a_passing_failure_is_retried_then_delivered_once(teams, status):
    teams.connector.fail_next(2, status)

    await teams.sender.send_teams(teams.message("a:conv-1", 8))

    assert teams.connector.outbox_counts() == {8: 1}
    assert teams.connector.statuses[status] == 2
    assert len(teams.sleeps) == 2 and all(0 <= s <= 0.02 for s in teams.sleeps)  # full jitter


@pytest.mark.parametrize("status", [403, 404])
async def test_403_and_404_mean_the_conversation_is_gone(teams, status):
    teams.connector.fail_conversation("a:conv-1", status)

    with pytest.raises(ConversationGone) as raised:
        await teams.sender.send_teams(teams.message("a:conv-1", 9))

    assert raised.value.reason.startswith(f"Teams {status}")
    assert PERSON_NAME not in raised.value.reason and "outbox" not in raised.value.reason
    assert teams.connector.statuses[status] == 1  # not retried
    assert teams.connector.delivered == []


async def test_403_says_the_app_was_removed_or_blocked(teams):
    teams.connector.fail_conversation("a:conv-1", 403)
    with pytest.raises(ConversationGone, match="Teams 403: app removed or blocked"):
        await teams.sender.send_teams(teams.message("a:conv-1", 9))


async def test_another_4xx_fails_for_good_without_retrying(teams):
    teams.connector.fail_conversation("a:conv-1", 400)

    with pytest.raises(PermanentFailure) as raised:
        await teams.sender.send_teams(teams.message("a:conv-1", 10))

    assert not isinstance(raised.value, ConversationGone)
    assert raised.value.reason == "Teams 400: bad request"
    assert teams.connector.statuses[400] == 1


async def test_a_persistent_502_is_a_temporary_failure_after_max_retries(teams):
    teams.connector.fail_conversation("a:conv-1", 502)

    with pytest.raises(TemporaryFailure) as raised:
        await teams.sender.send_teams(teams.message("a:conv-1", 11))

    assert raised.value.reason == "Teams 502: bad gateway"
    assert teams.connector.statuses[502] == 1 + 3  # the first attempt and max_retries=3
    assert len(teams.sleeps) == 3
    assert teams.connector.delivered == []


async def test_a_retry_after_longer_than_the_cap_is_left_to_the_dispatcher(teams):
    teams.connector.fail_conversation("a:conv-1", 429, retry_after="120")

    with pytest.raises(TemporaryFailure) as raised:
        await teams.sender.send_teams(teams.message("a:conv-1", 12))

    assert raised.value.retry_after == 120.0
    assert teams.sleeps == [] and teams.connector.statuses[429] == 1


async def test_a_timeout_is_retried(teams):
    host = authenticated_host()
    errors = counting_turn_errors(host)
    sender = make_sender(host, APP_ID, [], timeout=0.3)
    teams.connector.stall_next(1, 1.0)

    await sender.send_teams(teams.message("a:conv-1", 13))

    assert teams.connector.outbox_counts() == {13: 1}
    assert errors == []


async def test_a_connector_that_cannot_be_reached_is_a_temporary_failure(teams):
    async with TeamsConnectorStandIn() as gone:
        url = gone.url
    with pytest.raises(TemporaryFailure) as raised:
        await teams.sender.send_teams(message(url, "a:conv-1", 14))
    assert raised.value.reason.startswith("Teams: connection failed")
    assert len(teams.sleeps) == 3


async def test_an_unexpected_error_comes_back_to_the_caller_not_to_on_turn_error(teams):
    class BrokenTokens(StaticCredentialsFactory):
        async def create_credentials(self, app_id, oauth_scope, login_endpoint, validate_authority):
            class Broken(StaticTokenCredentials):
                def get_access_token(self, force_refresh: bool = False) -> str:
                    raise RuntimeError("the token service is unreachable")

            return Broken(app_id, oauth_scope=oauth_scope)

    async def broken_token() -> str:
        raise RuntimeError("the token service is unreachable")

    host = authenticated_host(broken_token if current_host() == "agents" else BrokenTokens(APP_ID))
    errors = counting_turn_errors(host)
    sender = make_sender(host, APP_ID, [])

    with pytest.raises(RuntimeError, match="token service"):
        await sender.send_teams(teams.message("a:conv-1", 15))

    assert errors == []
    assert teams.connector.delivered == []


async def test_300_messages_to_30_conversations_at_once_all_arrive_once_within_the_limits(teams):
    messages = [teams.message(f"a:conv-{n % 30}", n) for n in range(300)]
    started = time.monotonic()

    await asyncio.gather(*(teams.sender.send_teams(m) for m in messages))

    elapsed = time.monotonic() - started
    assert teams.connector.violations == 0
    assert teams.connector.outbox_counts() == dict.fromkeys(range(300), 1)
    assert set(teams.connector.statuses) == {201}
    # 50 a second for the tenant: the first 50 at once, then 250 more at 50 a second.
    assert elapsed >= 5.0


async def test_a_new_personal_conversation_can_be_created_and_then_used():
    async with TeamsConnectorStandIn(require_token=OUTBOUND_TOKEN, strict=True) as connector:
        host = authenticated_host()
        errors = counting_turn_errors(host)
        sender = make_sender(host, APP_ID, [])

        created = await sender.create_personal_conversation(connector.url, TENANT, "29:new-person")
        again = await sender.create_personal_conversation(connector.url, TENANT, "29:new-person")

        assert created["conversation"]["id"] == again["conversation"]["id"]
        assert created["conversation"]["tenantId"] == TENANT
        assert created["user"]["id"] == "29:new-person"
        assert created["serviceUrl"] == connector.url and created["channelId"] == "msteams"
        [parameters, _] = connector.created
        assert parameters["members"] == [{"id": "29:new-person"}]
        assert parameters["channelData"] == {"tenant": {"id": TENANT}}
        assert parameters["isGroup"] is False

        await sender.send_teams(
            TeamsMessage(
                reference=created,
                rendered=Rendered("s", f"hello {outbox_marker(21)}", "", card(21)),
                message_id=21,
                tenant_id=TENANT,
                conversation_id=created["conversation"]["id"],
            )
        )
        assert connector.outbox_counts() == {21: 1}
        assert connector.delivered[0].conversation_id == created["conversation"]["id"]
        assert errors == []


async def test_creating_a_conversation_for_someone_without_the_app_is_refused():
    async with TeamsConnectorStandIn() as connector:
        connector.fail_next(1, 403)
        sender = make_sender(authenticated_host(), APP_ID, [])
        with pytest.raises(ConversationGone):
            await sender.create_personal_conversation(connector.url, TENANT, "29:no-app")


async def test_without_an_app_id_messages_go_unauthenticated_as_the_playground_expects():
    """Local development: no MicrosoftAppId, the SDK's own (empty) credentials, no Authorization."""
    async with TeamsConnectorStandIn() as connector:
        host = build_host(settings_from(with_host({})))
        HOSTS_MADE.append(host)
        errors = counting_turn_errors(host)
        sender = make_sender(host, "", [])

        await sender.send_teams(message(connector.url, "a:conv-1", 31))

        [delivered] = connector.delivered
        assert delivered.authorization is None
        assert connector.outbox_counts() == {31: 1}
        assert errors == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), ("0.5", 0.5), ("-1", 0.0), ("", None), (None, None), ("soon", None),
     ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_is_read_as_seconds_or_a_date(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_retry_after_as_a_date_in_the_future():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:30 GMT", now=lambda: 1445412480.0) == 30.0
