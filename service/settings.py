"""Settings, read and checked once at start, then passed down.

Nothing else in the project reads environment variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_TYPES = ("SingleTenant", "MultiTenant", "UserAssignedMSI")
APP_ENVS = ("development", "production")
MAIL_BACKENDS = ("file", "smtp", "graph")
BOT_HOSTS = ("botbuilder", "agents")  # which SDK hosts the assistant (bot/hosts/): BOT_HOST

# The Agents SDK's own names for the bot registration's values, accepted beside the standard ones
# (which win when both are set). AUTHTYPE maps onto MicrosoftAppType.
AGENTS_CONNECTION = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
AGENTS_NAMES = {
    "MicrosoftAppId": AGENTS_CONNECTION + "CLIENTID",
    "MicrosoftAppPassword": AGENTS_CONNECTION + "CLIENTSECRET",
    "MicrosoftAppTenantId": AGENTS_CONNECTION + "TENANTID",
}
AGENTS_AUTH_TYPES = {"clientsecret": "SingleTenant", "usermanagedidentity": "UserAssignedMSI"}

# The Bot Framework's own names for sovereign- and test-cloud overrides, passed to the SDK as they are.
# The values go to the SDK under the attribute names its configuration object uses.
SDK_OVERRIDES = {
    "ToBotFromChannelOpenIdMetadataUrl": "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL",
    "ToBotFromChannelTokenIssuer": "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER",
    "ToChannelFromBotLoginUrl": "TO_CHANNEL_FROM_BOT_LOGIN_URL",
    "ToChannelFromBotOAuthScope": "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE",
}


class SettingsError(ValueError):
    """The configuration cannot be used; the message says what to set."""


@dataclass(frozen=True)
class Settings:
    app_id: str = ""
    app_password: str = ""
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    bot_host: str = "botbuilder"
    database_url: str = ""
    port: int = 3978
    host: str = "127.0.0.1"  # where `serve` listens: 127.0.0.1 in local mode, 0.0.0.0 when authenticated, or HOST
    app_env: str = "development"
    timezone: str = "Europe/London"
    mail_backend: str = "file"
    mail_dir: str = ""
    mail_from: str = "peer-challenge@assistant.example"
    assistant_mailbox: str = "peer-challenge@assistant.example"
    moderation_mailbox: str = ""
    coordinators_email: str = ""  # where people not in the calendar are told to write
    mail_from_name: str = "Peer Challenge Assistant"  # the From line's display name
    export_link_key: str = ""  # signs export download links; empty: a random key per process
    public_url: str = ""  # this service's address as people reach it, for download links
    library_url: str = ""  # the peer challenge library (PEER_CHALLENGE_LIBRARY_URL): programme/links.py says where it is shown
    benchmarking_url: str = ""  # the benchmarking pack (BENCHMARKING_PACK_URL)
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_security: str = "starttls"  # starttls | tls | none
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: float = 30.0
    graph_tenant_id: str = ""
    graph_client_id: str = ""
    graph_client_secret: str = ""
    graph_mailbox: str = ""
    graph_authority_host: str = "https://login.microsoftonline.com"
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    dispatcher_enabled: bool = True
    scheduler_enabled: bool = True
    dispatcher_name: str = ""
    teams_tenant_share: float = 1.0
    publisher_name: str = ""  # the Teams app's publisher, and its website, privacy and terms pages (PUBLISHER_*)
    publisher_website_url: str = ""
    publisher_privacy_url: str = ""
    publisher_terms_url: str = ""
    plan_every_seconds: int = 900  # how often the programme's clock asks what is due (PLAN_EVERY_SECONDS)
    retention_days: int = 90  # notification bodies and held codes go this long after they are done with
    sdk_overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def authenticated(self) -> bool:
        return bool(self.app_id)

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def sdk_configuration(self) -> object:
        """An object with the attribute names ConfigurationBotFrameworkAuthentication reads."""
        values = {
            "APP_ID": self.app_id,
            "APP_PASSWORD": self.app_password,
            # Without an app id the SDK only accepts anonymous traffic in its multi-tenant mode.
            "APP_TYPE": self.app_type if self.app_id else "MultiTenant",
            "APP_TENANTID": self.app_tenant_id,
        }
        values.update({SDK_OVERRIDES[name]: value for name, value in self.sdk_overrides.items()})
        return type("SdkConfiguration", (), values)()


def default_database_url(root: Path | None = None) -> str:
    """var/peer-challenge.sqlite3 in the working directory: where the service runs, never inside the package."""
    return f"sqlite:///{(root or Path.cwd()) / 'var' / 'peer-challenge.sqlite3'}"


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = None
) -> Settings:
    """Settings from a `.env` file overlaid by the process environment."""
    values: dict[str, str] = {}
    env_file = env_file if env_file is not None else Path.cwd() / ".env"  # the working directory's, as for var/
    if env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return settings_from(values)


GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
SWITCHES = {"on": True, "1": True, "true": True, "yes": True, "off": False, "0": False, "false": False, "no": False}
ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
WEB_ADDRESS = re.compile(r"https?://[^\s/$.?#][^\s]*")


def _value_problems(get: Callable[..., str], app_id: str, app_type: str, tenant: str) -> list[str]:
    """The values that are there but malformed, each with its name, what is wrong and a good example."""
    problems = []
    if app_id and not GUID.fullmatch(app_id):
        problems.append(f"MicrosoftAppId is '{app_id[:40]}'; set it to the registration's Application (client) ID, a GUID such as "
                        "0b5e7a00-1234-4000-8000-00000000abcd.")
    if tenant and not GUID.fullmatch(tenant):
        problems.append("MicrosoftAppTenantId is not a GUID; set it to the tenant's Directory (tenant) ID, such as "
                        "72f988bf-86f1-41af-91ab-2d7cd011db47.")
    if app_id and app_type == "UserAssignedMSI" and not tenant:
        problems.append("MicrosoftAppType is UserAssignedMSI: set MicrosoftAppTenantId to the managed identity's tenant id.")
    for name in ("MAIL_FROM", "ASSISTANT_MAILBOX", "MODERATION_MAILBOX", "COORDINATORS_EMAIL"):  # GRAPH_MAILBOX may be an object id
        value = get(name)
        if value and not ADDRESS.fullmatch(value):
            problems.append(f"{name} is '{value[:60]}'; set it to one email address, such as peer-challenge@council.example.")
    for name in ("PUBLIC_URL", "PEER_CHALLENGE_LIBRARY_URL", "BENCHMARKING_PACK_URL", "PUBLISHER_WEBSITE_URL", "PUBLISHER_PRIVACY_URL",
                 "PUBLISHER_TERMS_URL"):
        value = get(name)
        if value and not WEB_ADDRESS.fullmatch(value):
            problems.append(f"{name} is '{value[:60]}'; set it to a web address starting https://, such as https://assistant.council.example.")
    for name in ("DISPATCHER", "SCHEDULER"):
        value = get(name)
        if value and value.lower() not in SWITCHES:
            problems.append(f"{name} is '{value[:20]}'; set it to on or off.")
    timeout = get("SMTP_TIMEOUT")
    if timeout and not re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", timeout):
        problems.append(f"SMTP_TIMEOUT is '{timeout[:20]}'; set it to a number of seconds, such as 30.")
    return problems


def _with_agents_names(values: Mapping[str, str], problems: list[str]) -> Mapping[str, str]:
    """The values with the Agents SDK's CONNECTIONS__... names read as the standard ones they stand for."""
    if not any(name.startswith(AGENTS_CONNECTION) for name in values):
        return values
    merged = dict(values)
    for standard, agents in AGENTS_NAMES.items():
        if not (merged.get(standard) or "").strip() and (values.get(agents) or "").strip():
            merged[standard] = values[agents]
    auth_type = (values.get(AGENTS_CONNECTION + "AUTHTYPE") or "").strip()
    if auth_type and not (merged.get("MicrosoftAppType") or "").strip():
        if auth_type.lower() not in AGENTS_AUTH_TYPES:
            problems.append(f"{AGENTS_CONNECTION}AUTHTYPE is '{auth_type[:30]}'; set it to ClientSecret or UserManagedIdentity "
                            "(or set MicrosoftAppType instead).")
        elif auth_type.lower() == "clientsecret":
            # A client secret is single-tenant with a tenant id, and multi-tenant without one.
            merged["MicrosoftAppType"] = "SingleTenant" if (merged.get("MicrosoftAppTenantId") or "").strip() else "MultiTenant"
        else:
            merged["MicrosoftAppType"] = AGENTS_AUTH_TYPES[auth_type.lower()]
    return merged


def settings_from(values: Mapping[str, str]) -> Settings:
    problems: list[str] = []
    values = _with_agents_names(values, problems)

    def get(name: str, default: str = "") -> str:
        return (values.get(name) or default).strip()

    app_env = get("APP_ENV", "development").lower()
    if app_env not in APP_ENVS:
        problems.append(f"APP_ENV is '{app_env}'; set it to one of {', '.join(APP_ENVS)}.")
    app_id = get("MicrosoftAppId")
    app_type = get("MicrosoftAppType", "MultiTenant")
    if app_type not in APP_TYPES:
        problems.append(f"MicrosoftAppType is '{app_type}'; set it to one of {', '.join(APP_TYPES)}.")
    tenant = get("MicrosoftAppTenantId")
    bot_host = get("BOT_HOST", "botbuilder").lower()
    if bot_host not in BOT_HOSTS:
        problems.append(f"BOT_HOST is '{bot_host[:20]}'; set it to botbuilder (the Bot Framework SDK, the default) or agents "
                        "(the Microsoft 365 Agents SDK).")
    password = get("MicrosoftAppPassword")
    if app_env == "production" and not app_id:
        problems.append(
            "APP_ENV is production but MicrosoftAppId is empty: set MicrosoftAppId, "
            "MicrosoftAppPassword, MicrosoftAppType and MicrosoftAppTenantId from the Azure bot registration."
        )
    if app_id and app_type == "SingleTenant" and not tenant:
        problems.append("MicrosoftAppType is SingleTenant: set MicrosoftAppTenantId to the host tenant's id.")
    if app_id and app_type != "UserAssignedMSI" and not password:
        problems.append("MicrosoftAppId is set: set MicrosoftAppPassword to the registration's client secret.")
    port_text = get("PORT", "3978")
    port = 0
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        problems.append(f"PORT is '{port_text}'; set it to a port number such as 3978.")
    else:
        port = int(port_text)
    timezone = get("TIMEZONE", "Europe/London")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"TIMEZONE is '{timezone}'; set it to an IANA name such as Europe/London.")
    mail_backend = get("MAIL_BACKEND", "file").lower()
    if mail_backend not in MAIL_BACKENDS:
        problems.append(f"MAIL_BACKEND is '{mail_backend}'; set it to one of {', '.join(MAIL_BACKENDS)}.")
    smtp_security = get("SMTP_SECURITY", "starttls").lower()
    if smtp_security not in ("starttls", "tls", "none"):
        problems.append(f"SMTP_SECURITY is '{smtp_security}'; set it to starttls, tls or none.")
    smtp_port_text = get("SMTP_PORT", "465" if smtp_security == "tls" else "587" if smtp_security == "starttls" else "25")
    if not smtp_port_text.isdigit():
        problems.append(f"SMTP_PORT is '{smtp_port_text}'; set it to a port number such as 587.")
    plan_text = get("PLAN_EVERY_SECONDS", "900")
    plan_every = int(plan_text) if plan_text.isascii() and plan_text.isdigit() else 0
    if not 1 <= plan_every <= 86400:
        problems.append(f"PLAN_EVERY_SECONDS is '{plan_text}'; set it to a number of seconds from 1 to 86400, such as 900.")
        plan_every = 900
    retention_text = get("RETENTION_DAYS", "90")
    retention_days = int(retention_text) if retention_text.isascii() and retention_text.isdigit() else 0
    if not 1 <= retention_days <= 3650:
        problems.append(f"RETENTION_DAYS is '{retention_text}'; set it to a number of days from 1 to 3650, such as 90.")
        retention_days = 90
    share_text = get("TEAMS_TENANT_SHARE", "1")
    try:
        share = float(share_text)
        if not 0 < share <= 1:
            raise ValueError
    except ValueError:
        share = 1.0
        problems.append(
            f"TEAMS_TENANT_SHARE is '{share_text}'; set it to this process's share of the tenant's Teams budget, between 0 and 1, e.g. 0.5 for two dispatchers."
        )
    if mail_backend == "smtp" and not get("SMTP_HOST"):
        problems.append("MAIL_BACKEND is smtp: set SMTP_HOST (and SMTP_PORT, SMTP_SECURITY, SMTP_USERNAME, SMTP_PASSWORD as needed).")
    if mail_backend == "graph":
        missing = [n for n in ("GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET") if not get(n)]
        if missing:
            problems.append(f"MAIL_BACKEND is graph: set {', '.join(missing)} (an app registration with the Mail.Send application permission).")
    database_url = get("DATABASE_URL") or default_database_url()
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    problems += _value_problems(get, app_id, app_type, tenant)
    if problems:
        raise SettingsError("The configuration cannot be used:\n- " + "\n- ".join(problems))
    return Settings(
        app_id=app_id,
        app_password=password,
        app_type=app_type,
        app_tenant_id=tenant,
        bot_host=bot_host,
        database_url=database_url,
        port=port,
        host=get("HOST") or ("0.0.0.0" if get("MicrosoftAppId") else "127.0.0.1"),
        app_env=app_env,
        timezone=timezone,
        mail_backend=mail_backend,
        mail_dir=get("MAIL_DIR") or str(Path.cwd() / "var" / "mail"),
        mail_from=get("MAIL_FROM", "peer-challenge@assistant.example"),
        assistant_mailbox=get("ASSISTANT_MAILBOX", "peer-challenge@assistant.example"),
        moderation_mailbox=get("MODERATION_MAILBOX"),
        coordinators_email=get("COORDINATORS_EMAIL"),
        mail_from_name=get("MAIL_FROM_NAME", "Peer Challenge Assistant"),
        library_url=get("PEER_CHALLENGE_LIBRARY_URL"),
        benchmarking_url=get("BENCHMARKING_PACK_URL"),
        export_link_key=get("EXPORT_LINK_KEY"),
        public_url=get("PUBLIC_URL"),
        smtp_host=get("SMTP_HOST", "localhost"),
        smtp_port=int(smtp_port_text) if smtp_port_text.isdigit() else 0,
        smtp_security=smtp_security,
        smtp_username=get("SMTP_USERNAME"),
        smtp_password=get("SMTP_PASSWORD"),
        graph_tenant_id=get("GRAPH_TENANT_ID"),
        graph_client_id=get("GRAPH_CLIENT_ID"),
        graph_client_secret=get("GRAPH_CLIENT_SECRET"),
        graph_mailbox=get("GRAPH_MAILBOX") or get("MAIL_FROM", "peer-challenge@assistant.example"),
        graph_authority_host=get("GRAPH_AUTHORITY_HOST", "https://login.microsoftonline.com").rstrip("/"),
        graph_base_url=get("GRAPH_BASE_URL", "https://graph.microsoft.com/v1.0").rstrip("/"),
        dispatcher_enabled=get("DISPATCHER", "on").lower() not in ("off", "0", "false", "no"),
        scheduler_enabled=get("SCHEDULER", "on").lower() not in ("off", "0", "false", "no"),
        dispatcher_name=get("DISPATCHER_NAME"),
        teams_tenant_share=share,
        retention_days=retention_days,
        plan_every_seconds=plan_every,
        publisher_name=get("PUBLISHER_NAME"),
        publisher_website_url=get("PUBLISHER_WEBSITE_URL"),
        publisher_privacy_url=get("PUBLISHER_PRIVACY_URL"),
        publisher_terms_url=get("PUBLISHER_TERMS_URL"),
        sdk_overrides={name: values[name] for name in SDK_OVERRIDES if values.get(name)},
    )
