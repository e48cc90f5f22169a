"""Talking to the running assistant (`tests.support.assistant.RunningAssistant`) as a person would:
card actions and messages in Teams, emails and replies to them, and finding a card's buttons."""

from __future__ import annotations

from tests.support.activities import card_action, email_message, teams_message
from tests.support.connector import texts_in


async def act(assistant, user, verb, data) -> dict:
    """An `adaptiveCard/action` invoke from `user`, as Teams sends it; the card in the answer."""
    response = await assistant.post(card_action(assistant.service_url, verb, data, user_id=user["id"], aad_object_id=user["aadObjectId"]))
    assert response.status == 200
    return (await response.json())["value"]


async def say(assistant, user, text) -> dict:
    """A Teams message from `user`; the last card the assistant sent back."""
    assistant.connector.sent.clear()
    await assistant.post(teams_message(assistant.service_url, text, user_id=user["id"], aad_object_id=user["aadObjectId"]))
    return assistant.connector.cards()[-1]


def button(card: dict, title: str) -> dict:
    """The card's Action.Execute titled `title`."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("title") == title:
                found.append(node)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card)
    assert found, f"no button {title!r} in: {texts_in(card)[:400]}"
    return found[0]


async def press(assistant, user, card: dict, title: str, **inputs) -> dict:
    """`user` presses the button titled `title` on `card`, with the form's `inputs`."""
    action = button(card, title)
    return await act(assistant, user, action["verb"], {**action["data"], **inputs})


async def send(assistant, sender: str, text: str, subject: str = "") -> dict:
    """An email from `sender`; the assistant's answer."""
    await assistant.post(email_message(assistant.service_url, sender, text, subject=subject))
    return assistant.connector.sent[-1]


async def reply(assistant, sender: str, to: dict, text: str) -> dict:
    """A reply as mail programs write it: the answer on top, then the quoted message."""
    quoted = "\n\nOn Monday, the assistant wrote:\n> " + to["text"].replace("\n", "\n> ")
    return await send(assistant, sender, text + quoted, f"RE: {to['channelData']['subject']}")
