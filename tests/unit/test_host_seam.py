"""The seam between the assistant and its SDK (bot/host.py): an activity read as plain data,
whatever shape its JSON has, and a stored reference either SDK can read."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.host import File, Inbound, InvokeAnswer, Reply
from notify.teams import with_both_tenant_spellings

BOT = "28:peer-challenge-bot"


def teams_group_message(text: str, entities: list) -> dict:
    return {
        "type": "message", "id": "1", "channelId": "msteams", "serviceUrl": "https://smba.example/emea/", "text": text,
        "from": {"id": "29:jo", "name": "Jo", "aadObjectId": "aad-1", "extra": {"nested": True}},
        "recipient": {"id": BOT, "name": "Peer Challenge"},
        "conversation": {"id": "19:group", "conversationType": "groupChat", "tenantId": "tenant-1", "secret": "x"},
        "channelData": {"tenant": {"id": "tenant-1"}}, "entities": entities,
    }


def test_the_mention_of_the_assistant_is_removed_and_others_kept():
    mention = {"type": "mention", "mentioned": {"id": BOT, "name": "Peer Challenge"}, "text": "<at>Peer Challenge</at>"}
    other = {"type": "mention", "mentioned": {"id": "29:sam", "name": "Sam"}, "text": "<at>Sam</at>"}
    inbound = Inbound.from_json(teams_group_message("<at>Peer Challenge</at> status for <at>Sam</at>", [mention, other]))
    assert inbound.text.strip() == "status for <at>Sam</at>"
    assert inbound.conversation_type == "groupChat" and inbound.tenant_id == "tenant-1"


def test_a_reference_keeps_only_the_accounts_plain_fields():
    reference = Inbound.from_json(teams_group_message("hi", [])).reference()
    assert reference == {
        "activityId": "1", "user": {"id": "29:jo", "name": "Jo", "aadObjectId": "aad-1"}, "bot": {"id": BOT, "name": "Peer Challenge"},
        "conversation": {"id": "19:group", "conversationType": "groupChat", "tenantId": "tenant-1"},
        "channelId": "msteams", "serviceUrl": "https://smba.example/emea/",
    }


def test_both_sdks_read_the_tenant_of_a_stored_reference():
    for spelling in ("tenantId", "tenantID"):
        readable = with_both_tenant_spellings({"conversation": {"id": "a:1", spelling: "t-1"}})
        assert readable["conversation"]["tenantId"] == readable["conversation"]["tenantID"] == "t-1"
    assert with_both_tenant_spellings({"conversation": {"id": "a:1"}}) == {"conversation": {"id": "a:1"}}


def test_a_reply_carries_its_card_first_then_its_files():
    reply = Reply(text="attached", card={"type": "AdaptiveCard"}, files=(File("panel.csv", "text/csv", b"a,b\n"),))
    assert reply.attachments() == [
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard"}},
        {"contentType": "text/csv", "name": "panel.csv", "contentUrl": "data:text/csv;base64,YSxiCg=="},
    ]
    assert InvokeAnswer.card({"type": "AdaptiveCard"}).body == {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive",
                                                               "value": {"type": "AdaptiveCard"}}


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=20)
FIELDS = st.sampled_from(["type", "id", "name", "channelId", "text", "value", "action", "serviceUrl", "conversation", "from", "recipient",
                          "channelData", "attachments", "membersAdded", "membersRemoved", "entities", "locale"])


@given(st.dictionaries(FIELDS, JSON, max_size=10))
def test_any_json_object_is_read_without_failing(body):
    inbound = Inbound.from_json(body)
    assert isinstance(inbound.text, str) and isinstance(inbound.sender_id, str) and isinstance(inbound.tenant_id, str)
    assert all(isinstance(item, dict) for item in inbound.attachments)
    assert isinstance(inbound.reference(), dict)


def test_a_verified_token_is_trusted_until_its_expiry_and_the_clock_skew_only():
    from bot.host import VerifiedTokens

    now = [1000.0]
    tokens = VerifiedTokens(skew=300, size=2, clock=lambda: now[0])
    tokens.put("t", "msteams", "https://smba.example/", 1600, "identity")
    assert tokens.get("t", "msteams", "https://smba.example/") == "identity"
    assert tokens.get("t", "email", "https://smba.example/") is None  # another channel: checked in full
    assert tokens.get("t", "msteams", "https://other.example/") is None  # another service URL: checked in full
    now[0] = 1901.0
    assert tokens.get("t", "msteams", "https://smba.example/") is None  # past exp + skew
    tokens.put("no-exp", "msteams", "u", None, "identity")
    assert tokens.get("no-exp", "msteams", "u") is None  # no lifetime: never kept
    for n in range(3):
        tokens.put(f"t{n}", "msteams", "u", 5000, n)
    assert tokens.get("t0", "msteams", "u") is None and tokens.get("t2", "msteams", "u") == 2  # bounded
