"""The `peer-challenge` command."""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy.orm import Session

from service.bootstrap import command_database, zone_of
from service.settings import PROJECT_ROOT, Settings, SettingsError, load_settings
from storage.base import utcnow

log = logging.getLogger(__name__)
CLI = "cli"  # the channel the command line's changes are recorded under in the audit trail
EXAMPLE_CALENDAR = PROJECT_ROOT / "examples" / "south-east-2022-23.yaml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peer-challenge", description="Peer Challenge Assistant")
    parser.add_argument("--version", action="version", version=f"peer-challenge {_version()}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="say more: -v for what each step does (INFO), -vv for everything (DEBUG); LOG_LEVEL overrides")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error, and log at DEBUG")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the assistant's web service")
    serve.add_argument("--host", default=None,
                       help="the address to listen on (default: HOST, else 127.0.0.1 in local mode and 0.0.0.0 with MicrosoftAppId)")
    serve.add_argument("--port", type=int, default=None, help="default: PORT, or 3978")

    commands.add_parser("check", help="check the settings, and try the database, the mail server or Graph, and the Bot Framework login")

    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"], help="upgrade: apply the migrations not yet applied")

    importer = commands.add_parser("import-calendar", help="import or update a cycle from a YAML calendar file")
    importer.add_argument("file", type=Path, help="the calendar file (YAML): docs/calendar.md says what it holds")
    importer.add_argument("--dry-run", action="store_true", help="report what would change; change nothing")
    importer.add_argument("--past-cycle", action="store_true",
                          help="the file is the record of an earlier year: import a cycle that has already ended")

    demo = commands.add_parser("demo-calendar", help="import the example cycle moved forward so its dates lie ahead")
    demo.add_argument("--output", type=Path, default=Path("var") / "demo-calendar.yaml", help="where to write the demo calendar (default: var/ here)")

    commands.add_parser("dispatcher", help="run the outbox dispatcher alone (serve runs one unless DISPATCHER=off)")
    commands.add_parser("scheduler", help="run the programme's clock alone (serve runs it unless SCHEDULER=off)")

    received = commands.add_parser("mark-received", help="mark an authority's self-assessment received")
    received.add_argument("--authority", required=True, help="the authority's code, e.g. kent")
    received.add_argument("--cycle", default=None, help="default: the current cycle")

    notes_sent = commands.add_parser("notes-sent", help="record that a group's notes were sent (each DCS is asked to agree)")
    notes_sent.add_argument("--group", required=True, help="the group's key in the calendar, e.g. 1")
    notes_sent.add_argument("--link", required=True, help="the link to the notes")
    notes_sent.add_argument("--authority", default=None, help="a revised note for this authority only")

    digest = commands.add_parser("digest", help="queue this week's coordinators' digest (Teams and email), or print it")
    digest.add_argument("--dry-run", action="store_true", help="print the digest as text; queue nothing")
    digest.add_argument("--on", type=date.fromisoformat, default=None,
                        help="YYYY-MM-DD: the digest as it stands at 08:00 that day (default: now)")

    trail = commands.add_parser("audit", help="the latest changes: who, when, what, from which channel")
    trail.add_argument("--authority", default=None, help="an authority's code")
    trail.add_argument("--person", default=None, help="a person's email")
    trail.add_argument("--limit", type=_positive, default=50, help="how many entries, newest first (default 50)")

    person = commands.add_parser("person", help="one person's data: export it (a subject access request) or erase it")
    person.add_argument("action", choices=["export", "erase"],
                        help="export: everything held about them, as JSON and HTML; erase: remove or anonymise them everywhere")
    person.add_argument("email", help="the person's email address")
    person.add_argument("--output", type=Path, default=Path("."), help="export: the folder to write the two files in (default: here)")
    person.add_argument("--confirm", default="", metavar="EMAIL",
                        help="erase: the same address again, to erase for real; without it, erase only reports what it would do")

    reminders = commands.add_parser("reminders", help="the timeline of reminders: what will be sent to whom, and why")
    reminders.add_argument("--from", dest="start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    reminders.add_argument("--to", dest="end", type=date.fromisoformat, required=True, help="YYYY-MM-DD")

    outbox = commands.add_parser("outbox", help="see, retry and cancel notifications")
    outbox_actions = outbox.add_subparsers(dest="outbox_action", required=True)
    listing = outbox_actions.add_parser("list", help="the latest notifications, newest first")
    listing.add_argument("--status", help="pending, sending, sent, failed, cancelled or missed")
    listing.add_argument("--limit", type=_positive, default=50, help="how many, newest first (default 50)")
    for action in ("retry", "cancel"):
        acted = outbox_actions.add_parser(action, help=f"{action} a notification, by its number in the list")
        acted.add_argument("id", type=_positive, help="the notification's number")

    export = commands.add_parser("export", help="export records for operators")
    export.add_argument(
        "what", choices=["panel", "enquiries", "asks-offers", "matches"],
        help="panel: everyone nominated and not withdrawn or declined; enquiries: every moderation enquiry; "
             "asks-offers: every ask, offer and plenary suggestion, withdrawn ones too; matches: every confirmed match",
    )
    export.add_argument("--format", choices=["csv"], default="csv", help="csv (the only one)")
    export.add_argument("--output", type=Path, default=None, help="default: standard output")

    report = commands.add_parser("report", help="reports for the programme team")
    report.add_argument("what", choices=["days"], help="days: days given in a cycle, by nominating authority")
    report.add_argument("--cycle", required=True, help="the cycle's name, for example 2022-23")
    report.add_argument("--format", choices=["text", "csv"], default="text", help="text to read, or csv (default text)")
    report.add_argument("--output", type=Path, default=None, help="default: standard output")

    manifest = commands.add_parser("manifest", help="write the Teams app package (no secret needed)")
    manifest.add_argument("--app-id", default=None, help="the bot's Microsoft App ID (default: MicrosoftAppId)")
    manifest.add_argument("--app-version", default=None, help="the package's version, 1.2.3 (default: this release's)")
    manifest.add_argument("--check", action="store_true",
                          help="also validate the manifest against the Teams schema (needs Node and `npm ci`'s node_modules)")
    manifest.add_argument("--output", type=Path, default=Path("build") / "app.zip", help="where to write the package (default: build/app.zip here)")
    manifest.add_argument("--domain", action="append", default=[], help="a valid domain (repeatable)")
    return parser


LONG_RUNNING = frozenset({"serve", "dispatcher", "scheduler"})  # these say what they do (INFO) by default


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("peer-challenge-assistant")
    except PackageNotFoundError:
        return "unknown"


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    from service.logs import configure_logging

    args = _parser().parse_args(argv)
    quiet = "INFO" if args.command in LONG_RUNNING else "WARNING"
    chosen = "DEBUG" if args.debug or args.verbose > 1 else "INFO" if args.verbose else quiet
    configure_logging(os.environ.get("LOG_LEVEL") or chosen, os.environ.get("LOG_FORMAT", "text"))
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](settings, args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        if args.debug:
            raise
        print(f"peer-challenge {args.command}: {_one_line(error, settings, args)}", file=sys.stderr)
        return 1


def _one_line(error: Exception, settings: Settings, args: argparse.Namespace) -> str:
    """What went wrong, in a sentence that says what to do: for the failures an operator meets."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    from service.bootstrap import MigrationsPending

    if isinstance(error, MigrationsPending):
        return str(error)
    if isinstance(error, (ArgumentError, NoSuchModuleError)):
        return "DATABASE_URL is not a database address; use one such as postgresql://user:password@host/database or sqlite:///var/peer-challenge.sqlite3."
    if isinstance(error, OperationalError):
        return ("the database could not be reached or opened (check DATABASE_URL, that the server is running and accepts this "
                "machine, and the user and password). Run `peer-challenge check` to test it.")
    if isinstance(error, OSError) and error.errno in (errno.EADDRINUSE, errno.EACCES) and args.command == "serve":
        port = args.port or settings.port
        return (f"port {port} is already in use (another process listens on it): stop that process, or set PORT or --port to another."
                if error.errno == errno.EADDRINUSE else f"port {port} needs other permissions: choose a port above 1024.")
    return f"unexpected {type(error).__name__}; run again with --debug for the details"


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from service.bootstrap import MigrationsPending, create_app

    try:
        app = create_app(settings)
    except MigrationsPending as error:
        print(error, file=sys.stderr)
        return 2
    # What start-up built lives as long as the process: keep the collector from scanning it again.
    gc.collect()
    gc.freeze()
    host, port = args.host or settings.host, args.port or settings.port
    print(_listening(settings, host, port), file=sys.stderr, flush=True)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
    return 0


def _listening(settings: Settings, host: str, port: int) -> str:
    """What `serve` says at start: where it listens, and who can reach it."""
    sdk = "the Microsoft 365 Agents SDK" if settings.bot_host == "agents" else "the Bot Framework SDK"
    where = f"Listening on http://{host}:{port}/api/messages, hosted on {sdk} (BOT_HOST={settings.bot_host})"
    if settings.authenticated:
        return f"{where} (Bot Framework authentication on)."
    if host in ("127.0.0.1", "localhost", "::1"):
        return f"{where}: local mode, without authentication, so only this machine can reach it (set HOST to change)."
    return (f"{where}: WARNING: local mode, without authentication, on an address other machines can reach: anyone on the "
            "network can act as anyone. Set MicrosoftAppId, or leave HOST unset to listen on 127.0.0.1 only.")


def _check(settings: Settings, args: argparse.Namespace) -> int:
    """Each part the service needs, tried: reachable or not, and what to do. Exit 1 if any is not."""
    results = [("settings", True, "every setting is valid")]
    results.append(_try_database(settings))
    results.append(asyncio.run(_try_mail(settings)))
    results.append(asyncio.run(_try_bot_login(settings)))
    for part, ok, said in results:
        print(f"{'ok  ' if ok else 'FAIL'} {part}: {said}")
    return 0 if all(ok for _, ok, _ in results) else 1


def _try_database(settings: Settings) -> tuple[str, bool, str]:
    from storage.database import Database

    try:
        database = Database(settings.database_url)
        try:
            if not database.healthy():
                return "database", False, "not reachable: check DATABASE_URL, the server, and the user and password"
            if database.pending_migrations():
                return "database", False, "reachable, but migrations are not applied: run `peer-challenge db upgrade`"
        finally:
            database.dispose()
    except Exception as error:  # noqa: BLE001 - a bad URL, a missing driver: reported, not raised
        return "database", False, f"cannot be opened ({type(error).__name__}): check DATABASE_URL"
    return "database", True, "reachable, migrations applied"


async def _try_mail(settings: Settings) -> tuple[str, bool, str]:
    if settings.mail_backend == "file":
        folder = Path(settings.mail_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".check"
            probe.write_text("ok", encoding="utf-8")
            probe.unlink()
        except OSError as error:
            return "mail (file)", False, f"MAIL_DIR {folder} is not writable ({type(error).__name__})"
        return "mail (file)", True, f"emails are written to {folder}"
    if settings.mail_backend == "smtp":
        import aiosmtplib

        client = aiosmtplib.SMTP(hostname=settings.smtp_host, port=settings.smtp_port, timeout=10,
                                 use_tls=settings.smtp_security == "tls", start_tls=False)
        try:
            await client.connect()
            if settings.smtp_security == "starttls":
                await client.starttls()
            if settings.smtp_username:
                await client.login(settings.smtp_username, settings.smtp_password)
            await client.quit()
        except (aiosmtplib.SMTPException, OSError) as error:
            return "mail (SMTP)", False, f"{settings.smtp_host}:{settings.smtp_port} refused or unreachable ({type(error).__name__})"
        return "mail (SMTP)", True, f"{settings.smtp_host}:{settings.smtp_port} answered" + (" and the login worked" if settings.smtp_username else "")
    from notify.graph_token import GraphTokenProvider

    tokens = GraphTokenProvider(tenant_id=settings.graph_tenant_id, client_id=settings.graph_client_id,
                                client_secret=settings.graph_client_secret, authority_host=settings.graph_authority_host)
    try:
        await tokens.token()
    except Exception as error:  # noqa: BLE001 - the endpoint unreachable or the secret refused: reported
        return "mail (Graph)", False, f"no token from the login endpoint ({type(error).__name__}): check GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET"
    finally:
        await tokens.close()
    return "mail (Graph)", True, "a token was issued"


async def _try_bot_login(settings: Settings) -> tuple[str, bool, str]:
    if not settings.authenticated:
        return "Bot Framework login", True, "not tried: local mode (no MicrosoftAppId), for the Agents Playground and tests"
    import msal

    authority = f"https://login.microsoftonline.com/{settings.app_tenant_id or 'botframework.com'}"
    try:
        app = msal.ConfidentialClientApplication(settings.app_id, client_credential=settings.app_password, authority=authority)
        token = await asyncio.to_thread(app.acquire_token_for_client, scopes=["https://api.botframework.com/.default"])
    except Exception as error:  # noqa: BLE001 - the login endpoint unreachable: reported
        return "Bot Framework login", False, f"the login endpoint could not be reached ({type(error).__name__})"
    if "access_token" not in token:
        return "Bot Framework login", False, f"refused ({token.get('error', 'no token')}): check MicrosoftAppId and MicrosoftAppPassword"
    return "Bot Framework login", True, "a token was issued"


def _db(settings: Settings, args: argparse.Namespace) -> int:
    with command_database(settings) as database:
        database.upgrade()
    print("The database schema is up to date.")
    return 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from programme.calendar.file import CalendarProblems
    from programme.calendar.importer import import_calendar, load_calendar_file

    try:
        spec = load_calendar_file(args.file)
    except CalendarProblems as problems:
        print(f"{args.file}: nothing was imported. Fix these and run the import again:", file=sys.stderr)
        for problem in problems.problems:
            print(f"  {problem.place}: {problem.message}", file=sys.stderr)
        return 1
    from programme.calendar.spec import PastCycle

    today = utcnow().astimezone(zone_of(settings)).date()
    with command_database(settings, migrate=True) as database:
        try:
            report = import_calendar(database.sessions, spec, dry_run=args.dry_run, today=today, past_cycle=args.past_cycle, channel=CLI)
        except PastCycle as past:
            print(f"{args.file}: {past.problems[0].message}.", file=sys.stderr)
            print("To import it as the record of an earlier year, run the import again with --past-cycle.", file=sys.stderr)
            return 1
        if not args.dry_run and not args.past_cycle:
            # The invitations (and any reminder now due) go at once, not at the clock's next round.
            from programme.reminders.planning import run_planning

            with database.session() as session:
                run_planning(session, utcnow(), zone_of(settings), organizer=settings.mail_from)
    print(report.format())
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from programme.calendar.demo import demo_calendar_text

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(demo_calendar_text(EXAMPLE_CALENDAR.read_text(encoding="utf-8"), utcnow().astimezone(zone_of(settings)).date()), encoding="utf-8")
    args.file, args.dry_run, args.past_cycle = args.output, False, False
    return _import(settings, args)


def _manifest(settings: Settings, args: argparse.Namespace) -> int:
    from manifest.package import Publisher, write_package

    app_id = args.app_id or settings.app_id
    if not app_id:
        print("Give the bot registration's app id: --app-id GUID, or set MicrosoftAppId. No secret is needed.", file=sys.stderr)
        return 2
    defaults = Publisher()
    publisher = Publisher(settings.publisher_name or defaults.name, settings.publisher_website_url or defaults.website_url,
                          settings.publisher_privacy_url or defaults.privacy_url, settings.publisher_terms_url or defaults.terms_url)
    version = args.app_version or _version().split("+")[0]
    try:
        path = write_package(args.output, app_id, valid_domains=args.domain, version=version, publisher=publisher)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"Wrote {path} (version {version})")
    if publisher.placeholder:
        print("Its publisher pages are the example's placeholders: set PUBLISHER_WEBSITE_URL, PUBLISHER_PRIVACY_URL and "
              "PUBLISHER_TERMS_URL (and PUBLISHER_NAME) before publishing it.", file=sys.stderr)
    return _check_manifest(path) if args.check else 0


def _check_manifest(package: Path) -> int:
    """Validate the package's manifest.json with Microsoft's own validator (scripts/validate_manifest.js), offline."""
    import shutil
    import subprocess
    import tempfile
    import zipfile

    validator = PROJECT_ROOT / "scripts" / "validate_manifest.js"
    node = shutil.which("node")
    if node is None or not validator.exists() or not (PROJECT_ROOT / "node_modules" / "@microsoft" / "app-manifest").exists():
        print("Cannot check: it needs Node.js and the packages `npm ci` installs (in the source checkout).", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        manifest = Path(folder) / "manifest.json"
        manifest.write_bytes(zipfile.ZipFile(package).read("manifest.json"))
        result = subprocess.run([node, str(validator), str(manifest)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
                                check=False)
    if result.returncode == 0:
        print("The manifest is valid against its Teams schema.")
        return 0
    print("The manifest is not valid:\n" + (result.stdout + result.stderr).strip(), file=sys.stderr)
    return 1


def _dispatcher(settings: Settings, args: argparse.Namespace) -> int:
    from service.bootstrap import build_dispatcher, build_host, run_dispatcher

    with command_database(settings, migrate=True) as database:
        host = build_host(settings)

        async def dispatch(stop: asyncio.Event) -> None:
            try:
                await run_dispatcher(build_dispatcher(settings, database, host, utcnow), stop)
            finally:
                await host.close()

        asyncio.run(_until_stopped(dispatch))
    return 0


async def _until_stopped(work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `work(stop)` until SIGINT or SIGTERM sets `stop`."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await work(stop)


def _outbox(settings: Settings, args: argparse.Namespace) -> int:
    from programme.coordination.deliveries import cancel, retry
    from programme.errors import ProgrammeError
    from storage.outbox import OutboxError, list_messages

    try:
        with command_database(settings, migrate=True) as database, database.session() as session:
            if args.outbox_action == "list":
                rows = list_messages(session, status=args.status, limit=args.limit)
                print(f"{'id':>7}  {'status':9}  {'kind':24}  {'channel':8}  {'due (UTC)':16}  tries  last error")
                for row in rows:
                    print(
                        f"{row.id:>7}  {row.status:9}  {row.kind[:24]:24}  {(row.delivered_channel or row.channel):8}  "
                        f"{row.due_at:%Y-%m-%d %H:%M}  {row.attempts:>5}  {row.last_error or ''}"
                    )
                if not rows:
                    print("No notifications" + (f" with status {args.status}." if args.status else "."))
            elif args.outbox_action == "retry":
                print(retry(session, None, args.id, utcnow(), channel=CLI))
            else:
                print(cancel(session, None, args.id, channel=CLI))
    except (OutboxError, ProgrammeError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from programme.coordination.exports import export

    noun = {"panel": "panel nominations", "enquiries": "enquiries", "asks-offers": "asks, offers and suggestions",
            "matches": "matches"}[args.what]
    now = utcnow()
    with command_database(settings, migrate=True) as database, database.session() as session:
        _, header, rows = export(session, None, args.what, now.astimezone(zone_of(settings)).date(), person_id=None, channel=CLI)
    _write_csv(header, rows, args.output)
    if args.output is not None:
        print(f"Wrote {len(rows)} {noun} to {args.output}")
    return 0


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from programme.coordination.exports import days_report
    from programme.errors import NotFound
    from programme.moderation.days_report import days_report_rows, days_report_text

    try:
        with command_database(settings, migrate=True) as database, database.session() as session:
            report = days_report(session, None, args.cycle, person_id=None, channel=CLI)
    except NotFound as error:
        print(error, file=sys.stderr)
        return 1
    if args.format == "csv":
        _write_csv(*days_report_rows(report), args.output)
    elif args.output is None:
        print(days_report_text(report))
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(days_report_text(report) + "\n", encoding="utf-8")
    if args.output is not None:
        print(f"Wrote the days report for cycle {report.cycle_name} to {args.output}")
    return 0


def _person(settings: Settings, args: argparse.Namespace) -> int:
    from bot.exports_person import file_names, html_bytes, json_bytes
    from programme.errors import ProgrammeError
    from programme.people.erasure import erase_person
    from programme.people.subject_access import subject_access
    from programme.validation import normalise_email

    if args.action == "erase":
        for_real = bool(args.confirm) and normalise_email(args.confirm) == normalise_email(args.email)
        if args.confirm and not for_real:
            print("--confirm must repeat the same address: nothing was erased.", file=sys.stderr)
            return 1
        try:
            with command_database(settings, migrate=True) as database, database.session() as session:
                report = erase_person(session, None, args.email, utcnow(), dry_run=not for_real, channel=CLI)
        except ProgrammeError as error:
            print(error, file=sys.stderr)
            return 1
        print(report.format())
        if not for_real:
            print(f"To erase them, run again with --confirm {normalise_email(args.email)}. What is kept and why: docs/privacy.md.")
        return 0

    try:
        with command_database(settings, migrate=True) as database, database.session() as session:
            found = subject_access(session, None, args.email, utcnow(), channel=CLI)
    except ProgrammeError as error:
        print(error, file=sys.stderr)
        return 1
    args.output.mkdir(parents=True, exist_ok=True)
    for name, data in zip(file_names(found), (json_bytes(found), html_bytes(found)), strict=True):
        (args.output / name).write_bytes(data)
    print(f"Everything held about person {found.person_id}: {found.count} records, written to "
          f"{args.output / file_names(found)[0]} and {args.output / file_names(found)[1]}. The files are personal data: keep them safe.")
    return 0


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    from programme.audit import entries
    from programme.errors import ProgrammeError

    try:
        with command_database(settings, migrate=True) as database, database.session() as session:
            rows = entries(session, None, authority=args.authority, person=args.person, limit=args.limit)
    except ProgrammeError as error:
        print(error, file=sys.stderr)
        return 1
    zone = zone_of(settings)
    for e in rows:
        print(f"{e.at.astimezone(zone):%Y-%m-%d %H:%M}  {e.who:24}  {e.channel:7}  {e.action:22}  {e.subject}  {e.authority}".rstrip())
    if not rows:
        print("No entries.")
    return 0


def _write_csv(header: list[str], rows: list[list[str]], output: Path | None) -> None:
    import csv

    if output is None:
        csv.writer(sys.stdout).writerows([header, *rows])
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    # With a byte order mark, Excel reads the names as UTF-8.
    with output.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows([header, *rows])


def _scheduler(settings: Settings, args: argparse.Namespace) -> int:
    from service.bootstrap import run_scheduler

    with command_database(settings, migrate=True) as database:
        asyncio.run(_until_stopped(lambda stop: run_scheduler(database, utcnow, zone_of(settings), stop, settings.retention_days, settings.mail_from,
                                                              settings.plan_every_seconds)))
    return 0


def _programme_change(settings: Settings, change: Callable[[Session, datetime, date], str]) -> int:
    """Run one change from the command line, as the programme's own rules allow it (audited there); print the answer."""
    from programme.errors import ProgrammeError

    now = utcnow()
    try:
        with command_database(settings, migrate=True) as database, database.session() as session:
            print(change(session, now, now.astimezone(zone_of(settings)).date()))
    except ProgrammeError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def _mark_received(settings: Settings, args: argparse.Namespace) -> int:
    from programme.calendar.self_assessment import mark_received

    return _programme_change(settings, lambda session, now, today: mark_received(
        session, None, args.authority, now, today, cycle_name=args.cycle, channel=CLI))


def _notes_sent(settings: Settings, args: argparse.Namespace) -> int:
    from programme.notes.agreement import record_sent

    return _programme_change(settings, lambda session, now, today: record_sent(
        session, None, args.group, args.link, now, today, authority_code=args.authority, channel=CLI))


def _digest(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime, time

    from notify.render import Renderer
    from programme.digest.weekly import KIND, build_digest, digest_payload, queue_weekly_digest, week_name

    zone = zone_of(settings)
    now = datetime.combine(args.on, time(8), tzinfo=zone).astimezone(UTC) if args.on else utcnow()
    with command_database(settings, migrate=True) as database, database.session() as session:
        if args.dry_run:
            print(Renderer().render(KIND, digest_payload(build_digest(session, now, zone))).text, end="")
            return 0
        queued = queue_weekly_digest(session, now, zone)
    print(
        f"Queued {queued} digest messages for {week_name(now, zone)}."
        + ("" if queued else " This week's were queued already, or there are no coordinators.")
    )
    return 0


def _reminders(settings: Settings, args: argparse.Namespace) -> int:
    from programme.reminders.plan import RULES
    from programme.reminders.planning import reminders_between

    if args.end < args.start:
        print("--to must not be before --from.", file=sys.stderr)
        return 2
    zone = zone_of(settings)
    with command_database(settings, migrate=True) as database, database.session() as session:
        reminders = reminders_between(session, args.start, args.end, zone)
    day = None
    for reminder in reminders:
        if reminder.on != day:
            day = reminder.on
            print(f"\n{day:%A %d %B %Y}")
        local = reminder.due_at.astimezone(zone)
        print(f"  {local:%H:%M}  {reminder.person.name}  {reminder.payload['authority_name']}: {RULES[reminder.rule]}; {reminder.why}")
    print(f"\n{len(reminders)} reminders from {args.start} to {args.end}, if nothing changes meanwhile.")
    return 0


COMMANDS = {
    "dispatcher": _dispatcher,
    "scheduler": _scheduler,
    "reminders": _reminders,
    "digest": _digest,
    "mark-received": _mark_received,
    "audit": _audit,
    "person": _person,
    "notes-sent": _notes_sent,
    "export": _export,
    "outbox": _outbox,
    "report": _report,
    "serve": _serve,
    "db": _db,
    "import-calendar": _import,
    "check": _check,
    "demo-calendar": _demo,
    "manifest": _manifest,
}

if __name__ == "__main__":
    sys.exit(main())
