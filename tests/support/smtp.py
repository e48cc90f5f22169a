"""A real SMTP server in the test process (aiosmtpd, on 127.0.0.1 and a free port) that records what
arrives and fails on request, so the senders are tested over the wire, not against a mock.

    with SmtpServer() as server:
        server.fail_next(451, at="DATA")   # the next message is refused with 451 after its content
        server.drop_next()                 # the one after: taken, then the connection closes unanswered
        ...                                # send to server.host, server.port
        server.messages                    # what the server holds, in order

Faults are used up in the order they were asked for, one per message, by the first message to
reach the fault's stage. A 421 also closes the connection, as a real server does.
`SmtpServer(tls=server_context, login=("user", "secret"))` requires STARTTLS and that login; see
`self_signed_tls()`.
"""

from __future__ import annotations

import asyncio
import email
import email.message
import email.policy
import ssl
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.tls import write_certificate

HOST = "127.0.0.1"
REPLIES = {
    421: "421 4.3.2 Service not available, closing transmission channel",
    451: "451 4.3.0 Requested action aborted: local error in processing",
    452: "452 4.2.2 Insufficient system storage",
    550: "550 5.1.1 Mailbox unavailable",
    553: "553 5.1.3 Mailbox name not allowed",
    554: "554 5.6.0 Transaction failed",
}
Stage = Literal["RCPT", "DATA"]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


@dataclass(frozen=True)
class _Fault:
    stage: Stage
    code: int | None  # None: drop the connection instead of replying


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    faults: deque[_Fault] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _take(self, stage: Stage) -> _Fault | None:
        with self.lock:
            if self.faults and self.faults[0].stage == stage:
                return self.faults.popleft()
        return None

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options):
        fault = self._take("RCPT")
        if fault is not None:
            return _refuse(server, fault.code)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope):
        fault = self._take("DATA")
        if fault is not None and fault.code is not None:
            return _refuse(server, fault.code)
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.original_content))
            )
        if fault is not None:
            # Taken but never confirmed: the client cannot know whether it went.
            server.transport.close()
            await asyncio.get_running_loop().create_future()  # cancelled by connection_lost
        return "250 2.0.0 Message accepted for delivery"


def _refuse(server: SMTP, code: int) -> str:
    if code == 421:
        transport = server.transport
        asyncio.get_running_loop().call_soon(transport.close)  # after the reply is written
    return REPLIES[code]


class _Controller(Controller):
    """Binds port 0 and reads back the port the system chose, so parallel runs never collide."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    def __init__(self, *, tls: ssl.SSLContext | None = None, login: tuple[str, str] | None = None):
        self._handler = _Handler()
        options: dict = {}
        if tls is not None:
            options.update(tls_context=tls, require_starttls=True)
        if login is not None:
            options.update(authenticator=_Authenticator(*login), auth_required=True)
        self._controller = _Controller(self._handler, hostname=HOST, port=0, **options)
        self.host = HOST

    @property
    def port(self) -> int:
        return self._controller.port

    @property
    def messages(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.received)

    def fail_next(self, code: int, *, at: Stage = "DATA", count: int = 1) -> None:
        """Reply `code` (421, 451, 452, 550, 553 or 554) at RCPT or after DATA to the next `count` messages."""
        if code not in REPLIES:
            raise ValueError(f"no reply text for {code}; add it to REPLIES")
        with self._handler.lock:
            self._handler.faults.extend(_Fault(at, code) for _ in range(count))

    def drop_next(self, count: int = 1) -> None:
        """Take the next `count` messages, then close the connection before the reply to DATA."""
        with self._handler.lock:
            self._handler.faults.extend(_Fault("DATA", None) for _ in range(count))

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


@dataclass(frozen=True)
class _Authenticator:
    username: str
    password: str

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (self.username, self.password)
        return AuthResult(success=ok, handled=False)


def self_signed_tls() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh certificate for 127.0.0.1, and a client context that trusts it."""
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as directory:  # load_cert_chain reads files only
        cert_file, key_file = write_certificate(Path(directory))
        server.load_cert_chain(cert_file, key_file)
        client = ssl.create_default_context(cadata=cert_file.read_text())
    return server, client
