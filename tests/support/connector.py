"""A local stand-in for the Bot Connector service: it records what the bot sends and answers the
roster API from a table of members, so tests see exactly what a person would receive."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class ConnectorStandIn:
    members: dict[str, dict] = field(default_factory=dict)  # user id -> TeamsChannelAccount JSON
    sent: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)  # cards replaced in place, with "_replaces"
    files: dict[str, bytes] = field(default_factory=dict)  # name -> content, served at /files/{name}
    refuse_new_chats: bool = False  # answer 403 to creating a conversation, as when the person has not installed the app
    _arrived: asyncio.Event | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._send)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/v3/conversations/{conversation}/members", self._members)
        app.router.add_post("/v3/conversations", self._create)
        return app

    async def _send(self, request: web.Request) -> web.Response:
        activity = await request.json()
        if nulls := sorted(key for key, value in activity.items() if value is None):
            # The Agents Playground refuses a field sent as null (400): so does this stand-in, whichever SDK sent it.
            return web.json_response({"error": {"code": "BadArgument", "message": f"null fields: {nulls}"}}, status=400)
        activity["_conversation"] = request.match_info["conversation"]
        self.sent.append(activity)
        return web.json_response({"id": str(uuid.uuid4())})

    async def _file(self, request: web.Request) -> web.Response:
        content = self.files.get(request.match_info["name"])
        return web.Response(body=content) if content is not None else web.Response(status=404)

    async def _update(self, request: web.Request) -> web.Response:
        activity = await request.json()
        activity["_conversation"] = request.match_info["conversation"]
        activity["_replaces"] = request.match_info["activity"]
        self.updated.append(activity)
        return web.json_response({"id": request.match_info["activity"]})

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        return web.json_response(member)

    async def _members(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.members.values()))

    async def _create(self, request: web.Request) -> web.Response:
        if self.refuse_new_chats:
            return web.json_response({"error": {"code": "Forbidden", "message": "The bot is not installed for the user"}}, status=403)
        return web.json_response({"id": f"a:{uuid.uuid4()}", "activityId": str(uuid.uuid4())})

    def cards(self) -> list[dict]:
        return [
            attachment["content"]
            for activity in self.sent
            for attachment in activity.get("attachments") or []
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    def texts_of_cards(self) -> str:
        return texts_in(self.cards())


def texts_in(node) -> str:
    """Every text, title and value in a card (or list of cards), for assertions about what a person reads."""
    found: list[str] = []

    def walk(item):
        if isinstance(item, dict):
            for key in ("text", "title", "value"):
                if isinstance(item.get(key), str):
                    found.append(item[key])
            for child in item.values():
                walk(child)
        elif isinstance(item, list):
            for child in item:
                walk(child)

    walk(node)
    return "\n".join(found)
