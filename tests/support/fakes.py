"""Fakes for the interfaces we own: senders that record, or fail as told, and a plain renderer."""

from __future__ import annotations

from dataclasses import dataclass, field

from notify.message import EmailMessage, Rendered, TeamsMessage


class PlainRenderer:
    def render(self, kind: str, data: dict, *, reference_code: str | None = None) -> Rendered:
        text = f"{kind}: {sorted(data.items())}"
        return Rendered(subject=kind, text=text, html=f"<p>{text}</p>", card={"type": "AdaptiveCard"}, reference_code=reference_code)


@dataclass
class RecordingSender:
    """Records what it sends; `failures` holds exceptions to raise, one per call, before succeeding."""

    emails: list[EmailMessage] = field(default_factory=list)
    teams: list[TeamsMessage] = field(default_factory=list)
    updates: list[tuple[str, TeamsMessage]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    delay: float = 0.0
    waits: dict[str, float] = field(default_factory=dict)  # what expected_wait says, per conversation

    def expected_wait(self, conversation_id: str, tenant_id: str | None) -> float:
        return self.waits.get(conversation_id, 0.0)

    async def _maybe_fail(self):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        if self.failures:
            raise self.failures.pop(0)

    async def send_email(self, message: EmailMessage) -> None:
        await self._maybe_fail()
        self.emails.append(message)

    async def send_teams(self, message: TeamsMessage) -> str:
        await self._maybe_fail()
        self.teams.append(message)
        return f"activity-{len(self.teams)}"

    async def update_teams(self, message: TeamsMessage, activity_id: str) -> None:
        await self._maybe_fail()
        self.updates.append((activity_id, message))

    async def create_personal_conversation(self, service_url: str, tenant_id: str, user_id: str) -> dict:
        return {
            "serviceUrl": service_url,
            "user": {"id": user_id},
            "conversation": {"id": f"a:personal-{user_id}", "conversationType": "personal", "tenantId": tenant_id},
        }

    async def close(self) -> None:
        return None
