"""Run the assistant and the Microsoft 365 Agents Playground as real processes, for tests that
drive the Playground's web page as a person would.

    with running_playground(tmp_path, authority="wokingham") as stack:
        page.goto(stack.playground_url)

Each run has its own free ports, its own SQLite database holding the demo cycle (written by
`peer-challenge demo-calendar`) and its own Playground configuration (scripts/playground_config.py),
so runs never share state. Every wait is bounded and, when it fails, says what it waited for and
shows the end of each process's log. Both processes are stopped, with their children, whatever
happens.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PLAYGROUND_BIN = PROJECT_ROOT / "node_modules" / ".bin" / "agentsplayground"
CONFIG_SCRIPT = PROJECT_ROOT / "scripts" / "playground_config.py"

DEMO_TIMEOUT = 90.0
START_TIMEOUT = 45.0
STOP_TIMEOUT = 10.0


class PlaygroundError(RuntimeError):
    """A process would not start or answer; the message carries the end of its log."""


# --- what the tests need on the machine ------------------------------------------------------------


def missing_tools() -> list[str]:
    """What is missing for the Playground tests, each with how to install it; empty when all is there."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium, or `bash scripts/setup.sh --browser`)")
    if shutil.which("node") is None:
        missing.append("Node.js (apt-get install nodejs npm)")
    if not PLAYGROUND_BIN.exists():
        missing.append(f"the Agents Playground at {PLAYGROUND_BIN.relative_to(PROJECT_ROOT)} (npm ci)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("Playwright for Python (pip install -e '.[dev]')")
    return missing


def require_tools() -> None:
    """Skip the calling test when a tool is missing; in CI (CI=true) fail instead, so it is seen."""
    import pytest

    missing = missing_tools()
    if not missing:
        return
    message = "The Agents Playground tests need: " + "; ".join(missing) + "."
    if os.environ.get("CI") == "true":
        pytest.fail(message + " CI must install them (scripts/setup.sh --browser).", pytrace=False)
    pytest.skip(message)


# --- processes -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    tail = text.splitlines()[-lines:]
    return "\n".join(tail) if tail else "(empty log)"


@dataclass
class ManagedProcess:
    name: str
    process: subprocess.Popen
    log_path: Path

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)

    def report(self, lines: int = 40) -> str:
        state = "running" if self.running else f"exited with code {self.process.returncode}"
        return f"--- {self.name} ({state}), last lines of {self.log_path}:\n{self.tail(lines)}"

    def stop(self) -> None:
        """Stop the process and everything it started (its own process group): TERM, then KILL."""
        if self.running:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        # Children (node's workers) may outlive their parent: make sure the group is gone.
        _signal_group(self.process.pid, signal.SIGKILL)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:  # pragma: no cover - the kernel did not reap it in time
            pass


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def start_process(name: str, command: list[str], *, env: dict[str, str], cwd: Path, log_path: Path) -> ManagedProcess:
    """Start `command` in its own session (so it can be stopped as a group), logging to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return ManagedProcess(name, process, log_path)


def wait_until(
    ready: Callable[[], object],
    *,
    what: str,
    timeout: float,
    processes: list[ManagedProcess],
    interval: float = 0.2,
):
    """Poll `ready()` until it returns something truthy; fail early if a process dies, or at `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = ready()
        if result:
            return result
        dead = [p for p in processes if not p.running]
        if dead:
            raise PlaygroundError(
                f"{dead[0].name} exited while waiting for {what}.\n" + "\n".join(p.report() for p in processes)
            )
        if time.monotonic() >= deadline:
            raise PlaygroundError(
                f"Gave up after {timeout:.0f} s waiting for {what}.\n" + "\n".join(p.report() for p in processes)
            )
        time.sleep(interval)


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with _NO_PROXY.open(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code
    except (OSError, ValueError):
        return None


# --- the assistant and the Playground --------------------------------------------------------------


def _peer_challenge() -> list[str]:
    script = Path(sys.executable).parent / "peer-challenge"
    return [str(script)] if script.exists() else [sys.executable, "-m", "service.cli"]


def assistant_env(workdir: Path, database_url: str, port: int) -> dict[str, str]:
    """The environment for `peer-challenge`: unauthenticated local mode, everything under `workdir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "PORT": str(port),
            "APP_ENV": "development",
            # Empty values win over a developer's .env: the Playground sends unauthenticated traffic.
            "MicrosoftAppId": "",
            "MicrosoftAppPassword": "",
            "MicrosoftAppTenantId": "",
            # The clock's reminders would arrive in the chats at unpredictable moments: the tests drive the people.
            "SCHEDULER": "off",
            "MAIL_BACKEND": "file",
            "MAIL_DIR": str(workdir / "mail"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def write_demo_calendar(workdir: Path, database_url: str) -> Path:
    """Run `peer-challenge demo-calendar`: the example cycle moved forward, written and imported."""
    output = workdir / "demo.yaml"
    env = assistant_env(workdir, database_url, 0)
    env.pop("PORT")
    try:
        result = subprocess.run(
            _peer_challenge() + ["demo-calendar", "--output", str(output)],
            check=False,  # its exit code is read below
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=DEMO_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        raise PlaygroundError(f"`peer-challenge demo-calendar` took more than {DEMO_TIMEOUT:.0f} s") from error
    (workdir / "demo-calendar.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0 or not output.exists():
        raise PlaygroundError(
            f"`peer-challenge demo-calendar` failed (exit code {result.returncode}):\n"
            + "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        )
    return output


def start_assistant(workdir: Path, database_url: str, port: int) -> ManagedProcess:
    assistant = start_process(
        "assistant (peer-challenge serve)",
        _peer_challenge() + ["serve", "--host", "127.0.0.1", "--port", str(port)],
        env=assistant_env(workdir, database_url, port),
        cwd=workdir,
        log_path=workdir / "assistant.log",
    )
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        wait_until(lambda: http_status(url) == 200, what=f"the assistant to answer {url}", timeout=START_TIMEOUT, processes=[assistant])
        # It runs on the test's host (BOT_HOST, inherited), and says so.
        host = os.environ.get("BOT_HOST", "botbuilder")
        wait_until(lambda: f"(BOT_HOST={host})" in assistant.log_path.read_text(errors="replace"), what=f"the assistant to say it runs on {host}",
                   timeout=START_TIMEOUT, processes=[assistant])
    except BaseException:
        assistant.stop()
        raise
    return assistant


def write_config(calendar: Path, output: Path, *, authority: str | None, role: str = "dcs", email: str | None = None) -> dict:
    """scripts/playground_config.py's write_playground_config, loaded from its file."""
    spec = importlib.util.spec_from_file_location("playground_config", CONFIG_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_playground_config(calendar, output, authority=authority, role=role, email=email)


_LISTENING = re.compile(r"Listening on (\d+)")


def start_playground(workdir: Path, config: Path, assistant_port: int, port: int) -> tuple[ManagedProcess, int]:
    """Start the Playground headless; returns it and the port it listens on.

    It falls back to a random port when the one asked for is taken, so the port is read from its log
    ("Listening on N").
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(
        {
            "TEAMSAPPTESTER_BROWSER": "none",  # without it, it exits at once on a machine without a desktop browser
            "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(config),
            "NO_UPDATE_NOTIFIER": "1",
        }
    )
    playground = start_process(
        "Agents Playground",
        [
            str(PLAYGROUND_BIN),
            "-e", f"http://127.0.0.1:{assistant_port}/api/messages",
            "-c", "msteams",
            "--dt",
            "-p", str(port),
        ],
        env=env,
        cwd=workdir,
        log_path=workdir / "playground.log",
    )

    def listening() -> int | None:
        match = _LISTENING.search(playground.tail(200))
        if match and http_status(f"http://127.0.0.1:{match.group(1)}/") == 200:
            return int(match.group(1))
        return None

    try:
        actual = wait_until(listening, what=f"the Agents Playground to listen (asked for port {port})", timeout=START_TIMEOUT, processes=[playground])
    except PlaygroundError as error:
        exited = not playground.running
        playground.stop()
        if not exited:
            raise
        raise PlaygroundError(
            f"{error}\nThe Playground exits with code 1, saying nothing, when its configuration is not valid: "
            f"check {config} (scripts/playground_config.py writes a valid one)."
        ) from None
    except BaseException:
        playground.stop()
        raise
    return playground, actual


@dataclass
class PlaygroundStack:
    workdir: Path
    calendar: Path
    config: Path
    user: dict  # the Playground's currentUser: name, email, aadObjectId, ...
    assistant_url: str
    playground_url: str
    processes: list[ManagedProcess] = field(default_factory=list)
    database_url: str = ""  # the assistant's own SQLite database

    def report(self, lines: int = 40) -> str:
        return "\n".join(process.report(lines) for process in self.processes)


@contextmanager
def running_playground(
    workdir: Path, *, authority: str | None = "wokingham", role: str = "dcs", email: str | None = None
) -> Iterator[PlaygroundStack]:
    """The assistant with the demo cycle, and the Playground signed in as the chosen person."""
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{workdir / 'assistant.sqlite3'}"
    calendar = write_demo_calendar(workdir, database_url)
    config = workdir / "playground" / ".m365agentsplayground.yml"
    user = write_config(calendar, config, authority=authority, role=role, email=email)

    assistant_port = free_port()
    processes: list[ManagedProcess] = []
    try:
        processes.append(start_assistant(workdir, database_url, assistant_port))
        playground, port = start_playground(config.parent, config, assistant_port, free_port())
        processes.append(playground)
        yield PlaygroundStack(
            workdir=workdir,
            calendar=calendar,
            config=config,
            user=user,
            assistant_url=f"http://127.0.0.1:{assistant_port}/api/messages",
            playground_url=f"http://127.0.0.1:{port}/",
            processes=processes,
            database_url=database_url,
        )
    finally:
        for process in reversed(processes):
            process.stop()


# --- one assistant, one Playground per person --------------------------------------------------------


@dataclass
class PersonPlayground:
    """One person's Playground: its own configuration file, port and log."""

    key: str
    config: Path
    user: dict  # the Playground's currentUser: name, email, aadObjectId, ...
    url: str
    process: ManagedProcess


@dataclass
class SharedStack:
    """One assistant and several Playgrounds, one per person, all talking to that assistant."""

    workdir: Path
    calendar: Path
    database_url: str
    assistant_url: str
    assistant: ManagedProcess
    people: dict[str, PersonPlayground] = field(default_factory=dict)

    def __getitem__(self, key: str) -> PersonPlayground:
        return self.people[key]

    @property
    def processes(self) -> list[ManagedProcess]:
        return [self.assistant, *(person.process for person in self.people.values())]

    def report(self, lines: int = 40) -> str:
        return "\n".join(process.report(lines) for process in self.processes)


_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@contextmanager
def running_playgrounds(workdir: Path, people: dict[str, dict]) -> Iterator[SharedStack]:
    """The assistant with the demo cycle, and one Playground per person, side by side.

        with running_playgrounds(tmp_path, {"dcs": {"email": "harriet.quillfeather@wokingham.example"},
                                            "coordinator": {"authority": None, "role": "moderation_coordinator"}}) as stack:
            page.goto(stack["dcs"].url)

    Each person is given as write_config's keyword arguments (authority, role, email). Each Playground
    starts in its own directory, workdir/playground-<key>/, holding its configuration file and its log,
    and listens on its own port; all of them send to the same assistant, so what one person does, the
    others see. Every process is stopped, with its children, whatever happens.
    """
    for key in people:
        if not _KEY.match(key):
            raise ValueError(f"a person's key names a directory: use lower-case letters, digits, - and _ (not {key!r})")
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{workdir / 'assistant.sqlite3'}"
    calendar = write_demo_calendar(workdir, database_url)
    configs = {}
    for key, chosen in people.items():
        config = workdir / f"playground-{key}" / ".m365agentsplayground.yml"
        user = write_config(
            calendar, config, authority=chosen.get("authority"), role=chosen.get("role", "dcs"), email=chosen.get("email")
        )
        configs[key] = (config, user)

    assistant_port = free_port()
    started: list[ManagedProcess] = []
    try:
        assistant = start_assistant(workdir, database_url, assistant_port)
        started.append(assistant)
        stack = SharedStack(
            workdir=workdir,
            calendar=calendar,
            database_url=database_url,
            assistant_url=f"http://127.0.0.1:{assistant_port}/api/messages",
            assistant=assistant,
        )
        for key, (config, user) in configs.items():
            try:
                playground, port = start_playground(config.parent, config, assistant_port, free_port())
            except PlaygroundError as error:
                raise PlaygroundError(f"{key}'s Playground ({user['email']}): {error}\n{assistant.report()}") from None
            playground.name = f"Agents Playground of {key} ({user['name']})"
            started.append(playground)
            stack.people[key] = PersonPlayground(key, config, user, f"http://127.0.0.1:{port}/", playground)
        yield stack
    finally:
        for process in reversed(started):
            process.stop()
