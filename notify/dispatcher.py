"""The dispatcher: claims due outbox rows, sends each on the right channel, records the outcome.

Claims are safe between processes: on PostgreSQL the candidates are locked with
`FOR UPDATE SKIP LOCKED`, and on every database the claim itself is a conditional update that
only takes rows still free, marked with a token unique to this claim. A claim lasts
`claim_seconds` and is renewed while a send is under way, so a slow send (waiting out a
Retry-After, say) is never taken over; a process that dies mid-send leaves a claim that expires,
and the row is sent again then. That is the only way a message can go twice.

No recipient holds up another. Rows are claimed as room frees (up to `batch_size` in hand), not
batch by batch, so one slow send never holds back the rows claimed after it. Email and Teams have
their own send slots (`concurrency` each). In Teams, one conversation's rows go one at a time and
at most `queue_per_conversation` wait in hand behind it; the rest are put back in the outbox for a
moment later, as is a row whose conversation or tenant would have to wait longer than `max_wait`
seconds for Teams' rate limits. A row put back is not an attempt: nothing is sent, nothing is
counted, and it comes due again when the limits should allow it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from notify.message import ConversationGone, DeliveryFailure, EmailMessage, EmailSender, PermanentFailure, Rendered, TeamsMessage, TeamsSender, TemporaryFailure
from storage.base import Clock
from storage.conversations import ConversationReferenceRecord, deactivate, replace_reference
from storage.database import Database
from storage.outbox import OutboxMessage, OutboxStatus, claim_due, record_outcome, renew_claim
from storage.people import Person

if TYPE_CHECKING:
    from notify.render import Renderer

log = logging.getLogger(__name__)
TEAMS = "teams"
EMAIL = "email"
SKIPPED = "none"  # an update with nothing to update


@dataclass(frozen=True)
class _Job:
    """What one send needs, read in one short transaction."""

    id: int
    kind: str
    payload: dict[str, Any]
    channel: str
    attempts: int
    email: str | None
    teams_reference: dict[str, Any] | None
    teams_reference_id: int | None
    tenant_id: str | None
    conversation_id: str
    replaces: tuple[str | None, str | None] | None = None  # the earlier message's (channel, Teams id)


@dataclass
class _Conversation:
    """A Teams conversation with rows in this dispatcher's hands: one is sent at a time."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # rows holding or waiting for the lock
    put_back: int = 0  # rows put back while it had a queue, to spread their return


def _conversation_type(reference: dict[str, Any]) -> str:
    return (reference.get("conversation") or {}).get("conversationType") or "personal"


class Dispatcher:
    def __init__(
        self,
        database: Database,
        *,
        renderer: Renderer,
        email: EmailSender,
        teams: TeamsSender | None = None,
        clock: Clock,
        name: str | None = None,
        claim_seconds: float = 60.0,
        batch_size: int = 50,
        concurrency: int = 16,
        max_attempts: int = 10,
        backoff_base: float = 30.0,
        backoff_cap: float = 3600.0,
        queue_per_conversation: int = 7,
        max_wait: float = 2.0,
    ):
        self._database = database
        self._renderer = renderer
        self._email = email
        self._teams = teams
        self._clock = clock
        self.name = name or f"dispatcher-{uuid.uuid4().hex[:8]}"
        self._claim = timedelta(seconds=claim_seconds)
        self._batch_size = batch_size
        self._slots = {TEAMS: asyncio.Semaphore(concurrency), EMAIL: asyncio.Semaphore(concurrency)}
        self._conversations: dict[str, _Conversation] = {}  # Teams conversations with rows in hand
        self._queue_per_conversation = queue_per_conversation
        self._max_wait = max_wait
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap

    # -- claiming -------------------------------------------------------------------------

    def claim(self, limit: int | None = None) -> tuple[str, list[int]]:
        now = self._clock()
        token = f"{self.name}/{uuid.uuid4().hex}"
        return token, claim_due(self._database.sessions, now, token, until=now + self._claim, limit=limit or self._batch_size)

    def _renew(self, row_id: int, token: str) -> None:
        renew_claim(self._database.sessions, row_id, token, self._clock() + self._claim)

    # -- sending --------------------------------------------------------------------------

    async def close(self) -> None:
        await self._email.close()

    async def run_once(self) -> int:
        """Claim one batch of due rows and send them. Returns how many were claimed."""
        token, ids = self.claim()
        if ids:
            await asyncio.gather(*(self._deliver(row_id, token) for row_id in ids))
        return len(ids)

    async def drain(self, *, max_rounds: int = 10_000) -> int:
        """Send everything due now; returns how many rows were claimed in all."""
        return await self._pump(None, idle_seconds=0.0, max_rounds=max_rounds)

    async def run(self, stop: asyncio.Event, *, idle_seconds: float = 2.0) -> None:
        log.info("dispatcher %s started", self.name)
        await self._pump(stop, idle_seconds=idle_seconds)
        log.info("dispatcher %s stopped", self.name)

    async def _pump(self, stop: asyncio.Event | None, *, idle_seconds: float, max_rounds: int | None = None) -> int:
        """Keep up to `batch_size` rows in hand, claiming more once half of them are done, until
        `stop` (then the sends under way finish) or, without `stop`, until nothing is due or in hand."""
        in_hand: set[asyncio.Task[None]] = set()
        stopping = asyncio.ensure_future(stop.wait()) if stop is not None else None
        total = rounds = 0
        try:
            while stop is None or not stop.is_set():
                room = self._batch_size - len(in_hand)
                claimed = 0
                if room >= max(1, self._batch_size // 2) or not in_hand:
                    try:
                        token, ids = self.claim(room)
                    except Exception:
                        if stop is None:
                            raise
                        log.exception("dispatcher %s: a claim failed; trying again shortly", self.name)
                        ids = []
                    for row_id in ids:
                        in_hand.add(asyncio.create_task(self._deliver(row_id, token)))
                    claimed = len(ids)
                    total += claimed
                    rounds += 1
                if (stop is None and not in_hand) or (max_rounds is not None and rounds >= max_rounds):
                    break
                # Wait for room (a send done), for `stop`, or, when nothing more was due, a while.
                waiting: set[asyncio.Future[Any]] = set(in_hand) | ({stopping} if stopping is not None else set())
                full = claimed == room and claimed > 0
                if waiting:
                    done, _ = await asyncio.wait(waiting, timeout=None if full or stop is None else idle_seconds,
                                                 return_when=asyncio.FIRST_COMPLETED)
                    in_hand -= done
                elif stop is not None:
                    await asyncio.sleep(idle_seconds)
            if in_hand:
                await asyncio.wait(in_hand)  # the sends under way finish, and are recorded
        finally:
            if stopping is not None:
                stopping.cancel()
        return total

    async def _deliver(self, row_id: int, token: str) -> None:
        try:
            job = self._load(row_id, token)
            if job is None:
                return
            conversation = self._teams_conversation(job)
            if conversation is None:
                async with self._slots[EMAIL]:
                    await self._attempt(job, token)
                return
            await self._deliver_in_teams(job, token, conversation)
        except Exception:
            log.exception("outbox %s: delivery failed unexpectedly; it will be retried when its claim expires", row_id)

    def _teams_conversation(self, job: _Job) -> str | None:
        """The stored Teams conversation the row will go to, or None for a row that goes by email."""
        if job.teams_reference is None or self._teams is None or job.channel not in (TEAMS, "best"):
            return None
        if job.replaces is not None and job.replaces[0] != TEAMS:
            return None  # nothing to update in Teams
        return job.conversation_id or f"reference/{job.teams_reference_id}"

    async def _deliver_in_teams(self, job: _Job, token: str, key: str) -> None:
        """One at a time per conversation; a long queue or a long wait for the limits goes back to the outbox."""
        conversation = self._conversations.get(key)
        if conversation is None:
            conversation = self._conversations[key] = _Conversation()
        if conversation.users > self._queue_per_conversation:
            conversation.put_back += 1
            self._put_back(job, token, self._burst_seconds() * (1 + (conversation.put_back - 1) // self._queue_per_conversation),
                           "its conversation has a queue")
            self._forget(key, conversation)
            return
        conversation.users += 1
        try:
            async with conversation.lock:
                assert self._teams is not None  # as _teams_conversation says
                wait = self._teams.expected_wait(job.conversation_id, job.tenant_id)
                if wait > self._max_wait:
                    self._put_back(job, token, wait, "Teams' rate limits")
                    return
                async with self._slots[TEAMS]:
                    await self._attempt(job, token)
        finally:
            conversation.users -= 1
            self._forget(key, conversation)

    def _forget(self, key: str, conversation: _Conversation) -> None:
        if conversation.users == 0 and self._conversations.get(key) is conversation:
            del self._conversations[key]

    def _burst_seconds(self) -> float:
        return 1.0  # Teams' shortest window: `queue_per_conversation` rows of a conversation a second

    def _put_back(self, job: _Job, token: str, seconds: float, why: str) -> None:
        """Not an attempt: the row is due again in `seconds`, unclaimed, its attempts as they were."""
        self._record(job, token, status=OutboxStatus.PENDING, next_attempt_at=self._clock() + timedelta(seconds=seconds))
        log.info("outbox %s: put back for %.1f s (%s)", job.id, seconds, why)

    async def _attempt(self, job: _Job, token: str) -> None:
        renewer = asyncio.create_task(self._keep_claim(job.id, token))
        try:
            channel = await self._send(job)
        except DeliveryFailure as failure:
            self._failed(job, token, failure)
        except Exception as error:  # noqa: BLE001 - an unexpected error is retried, not lost
            log.error("outbox %s: unexpected %s while sending", job.id, type(error).__name__)
            self._failed(job, token, TemporaryFailure(f"unexpected {type(error).__name__}"))
        else:
            self._sent(job, token, *channel)
        finally:
            renewer.cancel()

    async def _keep_claim(self, row_id: int, token: str) -> None:
        interval = max(self._claim.total_seconds() / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            self._renew(row_id, token)

    def _load(self, row_id: int, token: str) -> _Job | None:
        with self._database.session() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or row.claimed_by != token:
                return None
            email, reference = row.recipient_address, None
            if row.recipient_person_id is not None:
                person = session.get(Person, row.recipient_person_id)
                email = person.email if person is not None and person.active else None
                reference = session.scalar(
                    select(ConversationReferenceRecord)
                    .where(
                        ConversationReferenceRecord.person_id == row.recipient_person_id,
                        ConversationReferenceRecord.channel_id == "msteams",
                        ConversationReferenceRecord.active.is_(True),
                    )
                    .order_by(ConversationReferenceRecord.updated_at.desc())
                    .limit(1)
                )
            replaces = None
            if isinstance(row.payload, dict) and row.payload.get("replaces"):
                earlier = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == str(row.payload["replaces"])))
                replaces = (earlier.delivered_channel, earlier.teams_activity_id) if earlier is not None else (None, None)
            return _Job(
                replaces=replaces,
                id=row.id,
                kind=row.kind,
                payload=dict(row.payload or {}),
                channel=row.channel,
                attempts=row.attempts,
                email=email,
                teams_reference=dict(reference.reference) if reference else None,
                teams_reference_id=reference.id if reference else None,
                tenant_id=reference.tenant_id if reference else None,
                conversation_id=reference.conversation_id if reference else "",
            )

    async def _send(self, job: _Job) -> tuple[str, str | None]:
        """Sends the row; returns the channel used and, for Teams, the id of the posted message."""
        rendered = self._renderer.render(job.kind, job.payload, reference_code=job.payload.get("reference_code"))
        if job.replaces is not None:
            return await self._update(job, rendered)
        wants_teams = job.channel in (TEAMS, "best") and job.teams_reference is not None and self._teams is not None
        if job.channel == TEAMS and not wants_teams:
            raise PermanentFailure("no active Teams conversation for the recipient")
        if wants_teams:
            assert job.teams_reference is not None and self._teams is not None  # as wants_teams says
            if _conversation_type(job.teams_reference) != "personal":
                job = await self._open_personal_chat(job)
            try:
                activity_id = await self._teams.send_teams(self._teams_message(job, rendered))
                return TEAMS, activity_id
            except ConversationGone:
                self._deactivate(job.teams_reference_id)
                if job.channel == TEAMS:
                    raise
                log.info("outbox %s: Teams conversation gone; falling back to email", job.id)
        if not job.email:
            raise PermanentFailure("the recipient has no email address on record")
        await self._email.send_email(EmailMessage(to=job.email, rendered=rendered, message_id=job.id))
        return EMAIL, None

    def _teams_message(self, job: _Job, rendered: Rendered) -> TeamsMessage:
        assert job.teams_reference is not None  # only for a job with a Teams conversation
        return TeamsMessage(
            reference=job.teams_reference, rendered=rendered, message_id=job.id,
            tenant_id=job.tenant_id, conversation_id=job.conversation_id,
        )

    async def _update(self, job: _Job, rendered: Rendered) -> tuple[str, str | None]:
        """A newer version of a card we posted: replace it in place. An email cannot be changed once
        sent, and a card not yet posted will be posted as it then stands: nothing to do for those."""
        assert job.replaces is not None  # _send calls this only for a job that replaces an earlier one
        channel, activity_id = job.replaces
        if channel != TEAMS or not activity_id or job.teams_reference is None or self._teams is None:
            return SKIPPED, None
        try:
            await self._teams.update_teams(self._teams_message(job, rendered), activity_id)
        except ConversationGone:
            self._deactivate(job.teams_reference_id)
            return SKIPPED, None
        return TEAMS, activity_id

    async def _open_personal_chat(self, job: _Job) -> _Job:
        """We know the person from a team or group chat only: notices go to a one-to-one chat."""
        old, record_id = job.teams_reference, job.teams_reference_id
        # _send opens one only for a job with a stored Teams conversation, and a Teams sender.
        assert old is not None and record_id is not None and self._teams is not None
        reference = await self._teams.create_personal_conversation(
            old.get("serviceUrl", ""), job.tenant_id or "", (old.get("user") or {}).get("id", "")
        )
        replace_reference(self._database.sessions, record_id, reference)
        log.info("outbox %s: opened a personal chat for conversation record %s", job.id, job.teams_reference_id)
        return replace(job, teams_reference=reference, conversation_id=reference["conversation"]["id"])

    # -- recording ------------------------------------------------------------------------

    def _deactivate(self, reference_id: int | None) -> None:
        if reference_id is not None:
            deactivate(self._database.sessions, reference_id)

    def _record(self, job: _Job, token: str, **values: object) -> None:
        record_outcome(self._database.sessions, job.id, token, **values)

    def _sent(self, job: _Job, token: str, channel: str, activity_id: str | None = None) -> None:
        self._record(
            job, token, status=OutboxStatus.SENT, delivered_channel=channel, sent_at=self._clock(), last_error=None,
            teams_activity_id=activity_id,
        )
        log.info("outbox %s: sent by %s", job.id, channel)

    def _failed(self, job: _Job, token: str, failure: DeliveryFailure) -> None:
        attempts = job.attempts + 1
        if isinstance(failure, PermanentFailure) or attempts >= self._max_attempts:
            self._record(job, token, status=OutboxStatus.FAILED, attempts=attempts, last_error=failure.reason)
            log.warning("outbox %s: failed for good after %s attempts: %s", job.id, attempts, failure.reason)
            return
        delay = self._backoff(attempts, getattr(failure, "retry_after", None))
        self._record(
            job,
            token,
            status=OutboxStatus.PENDING,
            attempts=attempts,
            last_error=failure.reason,
            next_attempt_at=self._clock() + timedelta(seconds=delay),
        )
        log.info("outbox %s: attempt %s failed (%s); next in %.0f s", job.id, attempts, failure.reason, delay)

    def _backoff(self, attempts: int, retry_after: float | None) -> float:
        ceiling = min(self._backoff_cap, self._backoff_base * 2 ** (attempts - 1))
        delay = random.uniform(ceiling / 2, ceiling)  # jitter, so retries from many rows spread out
        return max(delay, retry_after or 0.0)
