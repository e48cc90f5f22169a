"""No personal data, message body or token in any log line, even at DEBUG: the flows run with
marked names, addresses, free text and a bearer token, through Teams, email, the dispatcher (SMTP
and Teams) and the command line's logging set-up (service/logs.py), and every line is searched."""

from __future__ import annotations

import asyncio
import logging
import traceback

from sqlalchemy import func, select

from service.logs import CONTENT_LOGGERS, configure_logging
from storage.audit import AuditEntry
from storage.outbox import OutboxMessage
from tests.support.activities import card_action, email_message, teams_install, teams_message
from tests.support.assistant import start_assistant
from tests.support.enquiries import ENQUIRY, MAILBOX
from tests.support.nominations import GOOD
from tests.support.people import COORDINATOR, DCS, roster_entry
from tests.support.smtp import SmtpServer

NAME = "Zebedee Quillmarker"
ADDRESS = "zebedee.quillmarker@wokingham.example"
FREE_TEXT = "FREETEXT-9f3a1c"
CONCLUSION = "CONCLUSION-77c1e2 our early help offer"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.TOKENMARKER-5b2d.c2lnbmF0dXJl"
MARKERS = (NAME, "Quillmarker", ADDRESS, FREE_TEXT, CONCLUSION, "CONCLUSION-77c1e2", TOKEN, "TOKENMARKER-5b2d",
           "Harriet Quillfeather", "harriet.quillfeather@wokingham.example")


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        self.lines.append(f"{record.name} {record.levelname} {text}")


async def test_no_log_line_holds_personal_data_a_body_or_a_token_at_debug(database):
    root = logging.getLogger()
    saved = (root.level, {name: logging.getLogger(name).level for name in CONTENT_LOGGERS})
    handler = Everything()
    configure_logging("DEBUG")
    root.addHandler(handler)
    try:
        with SmtpServer() as server:
            settings = {"DISPATCHER": "on", "MAIL_BACKEND": "smtp", "SMTP_HOST": server.host, "SMTP_PORT": str(server.port),
                        "SMTP_SECURITY": "none", "MODERATION_MAILBOX": MAILBOX}
            running, connector_server = await start_assistant(database, settings=settings)
            try:
                for person in (DCS, COORDINATOR):
                    running.connector.members[person["id"]] = roster_entry(person)
                    await running.post(teams_install(running.service_url, user_id=person["id"], aad_object_id=person["aadObjectId"]))
                dcs = {"user_id": DCS["id"], "aad_object_id": DCS["aadObjectId"]}
                await running.post(card_action(running.service_url, "team.add",
                                               {"authority": "wokingham", "name": NAME, "email": ADDRESS, "role": "participant"}, **dcs))
                await running.post(card_action(running.service_url, "nomination.submit",
                                               {"token": "log-test", **GOOD, "nominee_name": NAME, "nominee_email": ADDRESS}, **dcs))
                await running.post(card_action(running.service_url, "enquiry.submit", {"token": "log-enquiry", **ENQUIRY,
                                                                                        "conclusion": CONCLUSION}, **dcs))
                await running.post(teams_message(running.service_url, f"feedback {FREE_TEXT} from {NAME}", **dcs))
                await running.post(email_message(running.service_url, DCS["email"], f"feedback {FREE_TEXT} by email, {ADDRESS}"))
                await running.post(email_message(running.service_url, DCS["email"], f"team add participant {NAME}, {ADDRESS}"))
                await running.client.post("/api/messages", json=teams_message(running.service_url, "status", **dcs),
                                          headers={"Authorization": f"Bearer {TOKEN}"})
                for _ in range(200):  # the dispatcher sends every notice: by SMTP, and in Teams through the stand-in
                    with database.session() as session:
                        pending = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                            OutboxMessage.status.in_(["pending", "sending"]))) or 0
                    if not pending:
                        break
                    await asyncio.sleep(0.05)
                assert server.messages and running.connector.sent  # the flows did send, by email and in Teams
                with database.session() as session:  # the audit trail, too, holds ids and codes, never content
                    subjects = [f"{e.action} {e.subject}" for e in session.scalars(select(AuditEntry))]
                assert len(subjects) >= 3 and not [s for s in subjects for m in MARKERS if m.lower() in s.lower()], subjects
            finally:
                await running.client.close()
                await connector_server.close()
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)

    assert any(" DEBUG " in line or " INFO " in line for line in handler.lines)  # the lines were seen
    leaks = [(marker, line[:300]) for line in handler.lines for marker in MARKERS if marker.lower() in line.lower()]
    assert not leaks, leaks[:5]
