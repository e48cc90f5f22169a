"""Signed, short-lived download links for exports in Teams.

A link names the export, the coordinator it was made for and when it expires, signed with HMAC-SHA256
under a key from the settings (EXPORT_LINK_KEY; without one, a random key made at start, so links
die with the process). Changing any part breaks the signature; a link made for one coordinator
works only while that person is still a coordinator, and only until it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

LIFETIME = timedelta(minutes=10)


class BadLink(ValueError):
    """Why a link does not work: safe to show the person who followed it."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make(key: bytes, what: str, person_id: int, now: datetime) -> str:
    body = _b64(json.dumps({"w": what, "p": person_id, "e": int((now + LIFETIME).timestamp())}, separators=(",", ":")).encode())
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def read(key: bytes, token: str, now: datetime) -> tuple[str, int]:
    """(what, person id) of a genuine link still in date; BadLink otherwise."""
    body, _, signature = token.partition(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        raise BadLink("This link is not one the assistant made, or it was changed.")
    try:
        claims = json.loads(_unb64(body))
        what, person_id, expires = str(claims["w"]), int(claims["p"]), int(claims["e"])
    except (ValueError, KeyError, TypeError):
        raise BadLink("This link is not one the assistant made, or it was changed.") from None
    if now.astimezone(UTC).timestamp() > expires:
        raise BadLink("This link has expired: ask the assistant for the export again.")
    return what, person_id


class ExportLinks:
    """Makes links for this service's address; built once by the composition root."""

    def __init__(self, key: bytes, base_url: str):
        self.key = key
        self.base_url = base_url.rstrip("/")

    def url_for(self, what: str, person_id: int, now: datetime) -> str:
        return f"{self.base_url}/exports/{make(self.key, what, person_id, now)}"
