"""The default backend: what would be sent, as files a person can open; and choosing the backend."""

from __future__ import annotations

import email
import email.policy
import sys
import types
from pathlib import Path

import pytest

from notify.email_file import FileEmailSender, file_stem, slug
from notify.email_smtp import SmtpEmailSender
from notify.message import EmailMessage, Rendered, TemporaryFailure
from service.bootstrap import build_email_sender
from service.settings import Settings

MAIL_FROM = "Peer Challenge Assistant <peer-challenge@assistant.example>"
ASSISTANT = "replies@assistant.example"
TO = "alex.example@wokingham.example"


def outbox(message_id=42, subject="Note agreement: reminder", text="Please agree the note.", code="AB12CD"):
    html = f"<p>{text}</p>"
    return EmailMessage(TO, Rendered(subject, text + "\n", html, {}, code), message_id)


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    return tmp_path / "var" / "mail"  # not there yet: the sender makes it


@pytest.fixture
def sender(mail_dir) -> FileEmailSender:
    return FileEmailSender(mail_dir, mail_from=MAIL_FROM, reply_to=ASSISTANT)


def names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


async def test_a_message_becomes_an_eml_and_an_html_file(sender, mail_dir):
    await sender.send_email(outbox())

    assert names(mail_dir) == [
        "000042-note-agreement-reminder-ab12cd.eml",
        "000042-note-agreement-reminder-ab12cd.html",
    ]
    assert (mail_dir / "000042-note-agreement-reminder-ab12cd.html").read_text("utf-8") == (
        "<p>Please agree the note.</p>"
    )


async def test_the_eml_parses_back_with_its_headers_and_both_parts(sender, mail_dir):
    await sender.send_email(outbox())

    raw = (mail_dir / "000042-note-agreement-reminder-ab12cd.eml").read_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["From"] == MAIL_FROM
    assert parsed["To"] == TO
    assert parsed["Reply-To"] == ASSISTANT
    assert parsed["Subject"] == "Note agreement: reminder [AB12CD]"
    assert parsed["Message-ID"] == "<outbox-42@assistant.example>"
    # Text travels with CRLF line ends, MIME's canonical form; readers show them as line breaks.
    assert parsed.get_body(("plain",)).get_content() == "Please agree the note.\r\n"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>Please agree the note.</p>"
    assert b"\r\n" in raw  # as on the wire, and as mail clients save messages


async def test_a_resend_replaces_the_files_of_its_row(sender, mail_dir):
    await sender.send_email(outbox(text="First version."))
    await sender.send_email(outbox(text="Second version."))

    assert len(names(mail_dir)) == 2
    assert "Second version." in (mail_dir / "000042-note-agreement-reminder-ab12cd.html").read_text("utf-8")


async def test_a_resend_under_a_new_subject_still_leaves_one_pair_per_row(sender, mail_dir):
    await sender.send_email(outbox(subject="Old subject"))
    await sender.send_email(outbox(message_id=420, subject="Old subject"))
    await sender.send_email(outbox(subject="New subject"))

    assert names(mail_dir) == [
        "000042-new-subject-ab12cd.eml",
        "000042-new-subject-ab12cd.html",
        "000420-old-subject-ab12cd.eml",
        "000420-old-subject-ab12cd.html",
    ]


async def test_no_temporary_files_are_left(sender, mail_dir):
    for message_id in range(1, 6):
        await sender.send_email(outbox(message_id=message_id))
    assert not [name for name in names(mail_dir) if name.startswith(".") or name.endswith(".tmp")]
    assert len(names(mail_dir)) == 10


async def test_an_unwritable_directory_is_a_temporary_failure(tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the directory should be")
    sender = FileEmailSender(blocked / "mail", mail_from=MAIL_FROM, reply_to=ASSISTANT)

    with pytest.raises(TemporaryFailure) as raised:
        await sender.send_email(outbox())
    assert raised.value.reason.startswith("mail directory not writable")
    assert TO not in raised.value.reason


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("Note agreement: reminder [AB12CD]", "note-agreement-reminder-ab12cd"),
        ("Brighton & Hove — note agreed ✓", "brighton-hove-note-agreed"),
        ("Zoë’s invitation", "zoes-invitation"),
        ("✓✓✓", "message"),
        ("x" * 100, "x" * 60),
    ],
)
def test_slug(subject, expected):
    assert slug(subject) == expected


def test_file_names_sort_by_outbox_id():
    assert file_stem(7, "Digest") == "000007-digest"
    assert file_stem(1234567, "Digest") == "1234567-digest"


# -- choosing the backend ------------------------------------------------------------------------


def test_file_is_the_backend_by_default(tmp_path):
    sender = build_email_sender(Settings(mail_dir=str(tmp_path), assistant_mailbox=ASSISTANT))
    assert isinstance(sender, FileEmailSender)
    assert sender.directory == tmp_path
    assert sender.reply_to == ASSISTANT
    assert sender.mail_from == "Peer Challenge Assistant <peer-challenge@assistant.example>"  # the display name, by default


def test_the_from_display_name_is_a_setting(tmp_path):
    sender = build_email_sender(Settings(mail_dir=str(tmp_path), mail_from="pc@council.example", mail_from_name="SESLIP Peer Challenge"))
    assert sender.mail_from == "SESLIP Peer Challenge <pc@council.example>"


def test_smtp_backend_takes_the_smtp_settings():
    sender = build_email_sender(
        Settings(
            mail_backend="smtp",
            smtp_host="smtp.example",
            smtp_port=587,
            smtp_security="starttls",
            smtp_username="user",
            smtp_password="secret",
            smtp_timeout=12.0,
            assistant_mailbox=ASSISTANT,
        )
    )
    assert isinstance(sender, SmtpEmailSender)
    assert (sender.host, sender.port, sender.security, sender.timeout) == ("smtp.example", 587, "starttls", 12.0)
    assert (sender.username, sender.password, sender.reply_to) == ("user", "secret", ASSISTANT)


def test_graph_backend_is_imported_only_when_chosen(monkeypatch):
    built = object()

    def GraphEmailSender(tokens, *, base_url, mailbox, reply_to):  # noqa: N802 - stands in for the class
        assert base_url == "https://graph.microsoft.com/v1.0"
        return built

    module = types.ModuleType("notify.email_graph")
    module.GraphEmailSender = GraphEmailSender
    monkeypatch.setitem(sys.modules, "notify.email_graph", module)

    assert build_email_sender(Settings(mail_backend="graph")) is built


async def test_the_log_says_which_message_was_written_but_not_its_subject(sender, caplog):
    caplog.set_level("INFO", logger="notify.email_file")
    await sender.send_email(outbox(subject="Note for Harriet Quillfeather"))
    assert "outbox 42 written" in caplog.text
    assert "harriet" not in caplog.text.lower() and "note-for" not in caplog.text.lower()
