"""Build the Teams app package: manifest.json, color.png and outline.png at the root of a zip."""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "manifest.template.json"
ICONS = ("color.png", "outline.png")
DEFAULT_VERSION = "1.0.0"

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
_DOMAIN = re.compile(r"(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?")
# A fixed timestamp keeps the zip byte-for-byte reproducible.
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Publisher:
    """Who publishes the app, as Teams shows it: from the settings (PUBLISHER_NAME, PUBLISHER_WEBSITE_URL,
    PUBLISHER_PRIVACY_URL, PUBLISHER_TERMS_URL). The example's are placeholders for a trial only."""

    name: str = "Peer Challenge Programme"
    website_url: str = "https://peer-challenge.example/"
    privacy_url: str = "https://peer-challenge.example/privacy"
    terms_url: str = "https://peer-challenge.example/terms"

    @property
    def placeholder(self) -> bool:
        return any(".example/" in url or url.endswith(".example") for url in (self.website_url, self.privacy_url, self.terms_url))


def _check_publisher(publisher: Publisher) -> Publisher:
    if not publisher.name.strip() or len(publisher.name) > 32:
        raise ValueError(f"PUBLISHER_NAME must be 1 to 32 characters, as Teams shows it; got {publisher.name!r}")
    for name, url in (("PUBLISHER_WEBSITE_URL", publisher.website_url), ("PUBLISHER_PRIVACY_URL", publisher.privacy_url),
                      ("PUBLISHER_TERMS_URL", publisher.terms_url)):
        if not re.fullmatch(r"https://[^\s]{4,2000}", url):
            raise ValueError(f"{name} must be an https:// address, such as https://council.example/privacy; got {url!r}")
    return publisher


@dataclass(frozen=True)
class Command:
    """A command the bot offers in its personal chat (shown by Teams as a suggestion)."""

    title: str
    description: str


COMMANDS: tuple[Command, ...] = (
    Command("help", "What I can do for you"),
    Command("status", "Your group, dates and Lead Reviewer pairs"),
    Command("team", "Add or remove your authority's delegates and participants"),
    Command("feedback", "Send feedback to the programme coordinators"),
    Command("nominate", "Nominate a colleague to the regional panel"),
    Command("enquiry", "Ask for independent moderation of a conclusion"),
    Command("my enquiries", "Your authority's moderation enquiries"),
    Command("my assignments", "Your panel invitations, assignments and days"),
    Command("enquiries", "Coordinators: every moderation enquiry, by stage"),
    Command("directory", "The directory of support: offers by theme"),
)


def _check_app_id(app_id: str) -> str:
    if not isinstance(app_id, str) or not _GUID.fullmatch(app_id):
        raise ValueError(
            f"The Teams app id must be the bot's Microsoft App ID, a GUID such as "
            f"00000000-0000-0000-0000-000000000000; got {app_id!r}"
        )
    return app_id


def _check_version(version: str) -> str:
    if not _SEMVER.fullmatch(version):
        raise ValueError(f"The app version must look like 1.2.3 (MAJOR.MINOR.PATCH); got {version!r}")
    return version


def _check_domains(valid_domains: Iterable[str]) -> list[str]:
    if isinstance(valid_domains, str):
        raise ValueError("valid_domains must be a list of domain names, not a single string")
    domains: list[str] = []
    for domain in valid_domains:
        if not _DOMAIN.fullmatch(domain):
            raise ValueError(
                f"A valid domain is a host name such as assistant.example.org or *.example.org, "
                f"without https:// or a path; got {domain!r}"
            )
        if domain not in domains:
            domains.append(domain)
    return domains


def _unfilled(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, dict):
        return any(_unfilled(item) for item in value.values())
    if isinstance(value, list):
        return any(_unfilled(item) for item in value)
    return False


def build_manifest(
    app_id: str,
    *,
    valid_domains: Iterable[str] = (),
    version: str = DEFAULT_VERSION,
    publisher: Publisher | None = None,
) -> dict[str, Any]:
    """The manifest for this deployment: the template with its app id, version, publisher, domains and commands."""
    manifest: dict[str, Any] = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    publisher = _check_publisher(publisher or Publisher())
    manifest["developer"].update({"name": publisher.name, "websiteUrl": publisher.website_url, "privacyUrl": publisher.privacy_url,
                                  "termsOfUseUrl": publisher.terms_url})
    manifest["id"] = _check_app_id(app_id)
    manifest["version"] = _check_version(version)
    manifest["validDomains"] = _check_domains(valid_domains)
    bot = manifest["bots"][0]
    bot["botId"] = app_id
    bot["commandLists"] = [
        {
            "scopes": ["personal"],
            "commands": [{"title": c.title, "description": c.description} for c in COMMANDS],
        }
    ]
    if _unfilled(manifest):
        raise RuntimeError(f"{TEMPLATE.name} has a placeholder that build_manifest does not fill")
    return manifest


def write_package(
    output: Path,
    app_id: str,
    *,
    valid_domains: Iterable[str] = (),
    version: str = DEFAULT_VERSION,
    publisher: Publisher | None = None,
) -> Path:
    """Write the app package zip to `output` (parent directories created) and return its path."""
    manifest = build_manifest(app_id, valid_domains=valid_domains, version=version, publisher=publisher)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    entries = {"manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"}
    entries.update({name: (HERE / name).read_bytes() for name in ICONS})
    # Write beside the target, then rename: a failed build never leaves half a zip behind.
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(handle, "wb") as file, zipfile.ZipFile(file, "w") as archive:
            for name, data in entries.items():
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; the package is not a secret
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return output
