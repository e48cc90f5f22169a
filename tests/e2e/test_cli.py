"""The `peer-challenge` command as a coordinator uses it."""

from __future__ import annotations

import zipfile
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.cli import main
from storage.calendar import Group
from storage.database import Database
from storage.outbox import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "south-east-2022-23.yaml"
HANDBOOK = ROOT / "tests" / "fixtures" / "handbook-original-2022-23.yaml"


@pytest.fixture
def database_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    return url


def _groups(url: str) -> int:
    database = Database(url)
    database.upgrade()
    with database.session() as session:
        count = session.scalar(select(func.count()).select_from(Group))
    database.dispose()
    return count


def test_import_reports_every_problem_and_writes_nothing(database_url, capsys):
    assert main(["import-calendar", str(HANDBOOK)]) == 1
    error = capsys.readouterr().err
    assert "nothing was imported" in error
    assert "groups[4].date" in error and "groups[5].format" in error and "Virtua" in error
    assert _groups(database_url) == 0


def test_a_cycle_already_ended_is_refused_without_past_cycle(database_url, capsys):
    assert main(["import-calendar", str(EXAMPLE)]) == 1  # 2022-23 ended on 31 March 2023
    error = capsys.readouterr().err
    assert "wholly in the past and nothing was imported" in error and "again with --past-cycle" in error
    assert "Traceback" not in error
    assert _groups(database_url) == 0


def test_dry_run_then_import_then_reimport(database_url, capsys):
    assert main(["import-calendar", str(EXAMPLE), "--dry-run", "--past-cycle"]) == 0
    assert "Dry run" in capsys.readouterr().out
    assert _groups(database_url) == 0
    assert main(["import-calendar", str(EXAMPLE), "--past-cycle"]) == 0
    assert _groups(database_url) == 6
    capsys.readouterr()
    assert main(["import-calendar", str(EXAMPLE), "--past-cycle"]) == 0
    assert "no changes" in capsys.readouterr().out


def test_db_upgrade(database_url, capsys):
    assert main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_manifest_needs_an_app_id_then_writes_the_package(database_url, tmp_path, monkeypatch, capsys):
    output = tmp_path / "app.zip"
    assert main(["manifest", "--output", str(output)]) == 2
    assert "MicrosoftAppId" in capsys.readouterr().err
    # No secret is needed: the app id as an option, the version from this release, the publisher from the settings.
    monkeypatch.setenv("PUBLISHER_NAME", "South East Children's")
    monkeypatch.setenv("PUBLISHER_WEBSITE_URL", "https://seslip.council.example.org/")
    monkeypatch.setenv("PUBLISHER_PRIVACY_URL", "https://seslip.council.example.org/privacy")
    monkeypatch.setenv("PUBLISHER_TERMS_URL", "https://seslip.council.example.org/terms")
    assert main(["manifest", "--app-id", "8f0b2f5c-3c49-4a44-9a51-0c6f4b1d2e3a", "--output", str(output),
                 "--domain", "assistant.council.example"]) == 0
    assert set(zipfile.ZipFile(output).namelist()) == {"manifest.json", "color.png", "outline.png"}
    import json

    manifest = json.loads(zipfile.ZipFile(output).read("manifest.json"))
    assert manifest["version"] == "0.1.0" and manifest["developer"]["privacyUrl"] == "https://seslip.council.example.org/privacy"
    assert manifest["developer"]["name"] == "South East Children's" and "placeholders" not in capsys.readouterr().err
    assert main(["manifest", "--app-id", "8f0b2f5c-3c49-4a44-9a51-0c6f4b1d2e3a", "--app-version", "2.3.4", "--output", str(output)]) == 0
    assert json.loads(zipfile.ZipFile(output).read("manifest.json"))["version"] == "2.3.4"


def test_bad_settings_stop_with_a_message(monkeypatch, capsys):
    monkeypatch.setenv("PORT", "eighty")
    assert main(["db", "upgrade"]) == 2
    assert "PORT" in capsys.readouterr().err


def test_outbox_list_retry_and_cancel(database_url, capsys):
    from datetime import datetime

    from storage.outbox import enqueue

    database = Database(database_url)
    database.upgrade()
    with database.session() as session:
        enqueue(session, key="k", kind="delivery_test", payload={"person_name": "Sam"}, due_at=datetime.now(UTC), recipient_address="team@council.example")
        session.commit()
    database.dispose()
    assert main(["outbox", "list"]) == 0
    assert "delivery_test" in capsys.readouterr().out
    assert main(["outbox", "retry", "1"]) == 1
    assert "only failed, missed or cancelled" in capsys.readouterr().err
    assert main(["outbox", "cancel", "1"]) == 0
    assert main(["outbox", "list", "--status", "cancelled"]) == 0
    assert "cancelled" in capsys.readouterr().out
    assert main(["outbox", "retry", "1"]) == 0
    assert main(["outbox", "list", "--status", "nonsense"]) == 1
    assert "no status" in capsys.readouterr().err


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port`, as Linux's /proc/net/tcp lists them."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the listening sockets from Linux's /proc")
def test_serve_in_local_mode_listens_on_this_machine_only_and_says_so(tmp_path):
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}", "MicrosoftAppId": "", "HOST": "", "PORT": str(port),
           "MAIL_DIR": str(tmp_path / "mail"), "DISPATCHER": "off", "SCHEDULER": "off"}
    process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve"], cwd=tmp_path, env=env, stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True)
    try:
        said = ""
        assert process.stderr is not None
        for _ in range(20):  # the start-up lines, up to the one that says where it listens
            said = process.stderr.readline()
            if "Listening on" in said or not said:
                break
        for _ in range(100):
            try:
                with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        assert f"Listening on http://127.0.0.1:{port}/api/messages" in said and "only this machine can reach it" in said, said
        assert f"(BOT_HOST={os.environ['BOT_HOST']})" in said, said  # which SDK it runs on: the test's host
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_person_export_writes_everything_held_about_them_as_json_and_html(database_url, tmp_path, capsys):
    import json

    assert main(["import-calendar", str(EXAMPLE), "--past-cycle"]) == 0
    capsys.readouterr()
    assert main(["person", "export", "harriet.quillfeather@wokingham.example", "--output", str(tmp_path / "sar")]) == 0
    said = capsys.readouterr().out
    assert "records, written to" in said and "personal data" in said
    written = sorted(p.name for p in (tmp_path / "sar").iterdir())
    assert [name.rsplit(".", 1)[1] for name in written] == ["html", "json"]
    held = json.loads((tmp_path / "sar" / written[1]).read_text(encoding="utf-8"))
    assert held["person"]["email"] == "harriet.quillfeather@wokingham.example" and held["records"]["role_assignments"]
    assert main(["person", "export", "nobody@kent.example"]) == 1
    assert "Nobody with the address" in capsys.readouterr().err


def test_person_erase_reports_first_and_erases_only_when_the_address_is_confirmed(database_url, capsys):
    assert main(["import-calendar", str(EXAMPLE), "--past-cycle"]) == 0
    capsys.readouterr()
    address = "tom.radleigh@oxfordshire.example"
    assert main(["person", "erase", address]) == 0
    said = capsys.readouterr().out
    assert "Dry run, nothing changed" in said and f"--confirm {address}" in said
    assert main(["person", "erase", address, "--confirm", "someone.else@oxfordshire.example"]) == 1
    assert "nothing was erased" in capsys.readouterr().err
    assert main(["person", "erase", address, "--confirm", address.upper()]) == 0
    assert "were deleted" in capsys.readouterr().out
    database = Database(database_url)
    with database.session() as session:
        from storage.people import Person

        assert session.scalar(select(func.count()).select_from(Person).where(Person.email == address)) == 0
    database.dispose()


def test_the_command_line_has_a_version_and_help_on_every_option(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("peer-challenge ")
    from service.cli import _parser

    parser = _parser()
    undocumented = []
    for action in parser._actions:  # every subcommand's options say what they are
        for name, sub in getattr(action, "choices", {}).items() if hasattr(action, "choices") and isinstance(action.choices, dict) else []:
            for option in sub._actions:
                if option.help is None and option.dest != "help" and not isinstance(option.choices, dict):
                    undocumented.append(f"{name} {option.dest}")
    assert not undocumented, undocumented


def test_quiet_by_default_and_known_failures_are_one_line_without_a_traceback(database_url, monkeypatch, capsys):
    assert main(["export", "panel"]) == 0  # an empty, new database: migrated, exported, and no INFO lines
    err = capsys.readouterr().err
    assert "alembic" not in err and "INFO" not in err

    with pytest.raises(SystemExit) as refused:
        main(["audit", "--limit", "-5"])
    assert refused.value.code == 2 and "is not a whole number of 1 or more" in capsys.readouterr().err

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    assert main(["audit"]) == 1
    err = capsys.readouterr().err
    assert "the database could not be reached or opened" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("DATABASE_URL", "not a url")
    assert main(["audit"]) == 1
    assert "DATABASE_URL is not a database address" in capsys.readouterr().err


def test_check_tries_each_part_and_says_what_is_wrong(database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MAIL_DIR", str(tmp_path / "mail"))
    assert main(["check"]) == 1  # a new SQLite file: reachable, not migrated
    out = capsys.readouterr().out
    assert "ok   settings" in out and "FAIL database: reachable, but migrations are not applied" in out
    assert "ok   mail (file)" in out and "not tried: local mode" in out
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["check"]) == 0
    assert "ok   database: reachable, migrations applied" in capsys.readouterr().out
    monkeypatch.setenv("MAIL_BACKEND", "smtp")
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", "1")
    monkeypatch.setenv("SMTP_SECURITY", "none")
    assert main(["check"]) == 1
    assert "FAIL mail (SMTP): 127.0.0.1:1 refused or unreachable" in capsys.readouterr().out


def test_serve_on_a_port_in_use_says_so_in_one_line(database_url, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"port {port} is already in use" in err and "Traceback" not in err


def test_importing_a_coming_cycle_sends_its_invitations_at_once(database_url, tmp_path, capsys):
    output = tmp_path / "demo.yaml"
    assert main(["demo-calendar", "--output", str(output)]) == 0  # the example moved so its dates lie ahead
    database = Database(database_url)
    with database.session() as session:
        invitations = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "calendar_invitation"))
    database.dispose()
    assert invitations and invitations > 30  # everyone of every group, and each DCS's and delegate's two dates
