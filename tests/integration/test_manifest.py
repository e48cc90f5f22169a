"""The Teams app package: its contents, its icons, and the manifest checked by Microsoft's own schema."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import manifest.package as package
from manifest import COMMANDS, build_manifest, write_package

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "node_modules"
VALIDATOR = REPO / "scripts" / "validate_manifest.js"
APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


# --- reading the package ----------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    channels: int  # 3 (RGB) or 4 (RGBA)
    pixels: list[tuple[int, ...]]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(data: bytes) -> Image:
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG (all five row filters)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, header, idat = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, (depth, colour_type, interlace)
    channels = 3 if colour_type == 2 else 4
    stride = width * channels
    raw = zlib.decompress(idat)
    previous = bytearray(stride)
    pixels: list[tuple[int, ...]] = []
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up_left = previous[i - channels] if i >= channels else 0
            up = previous[i]
            predictor = (0, left, up, (left + up) // 2, _paeth(left, up, up_left))[kind]
            row[i] = (row[i] + predictor) & 0xFF
        pixels += [tuple(row[x : x + channels]) for x in range(0, stride, channels)]
        previous = row
    return Image(width, height, channels, pixels)


@pytest.fixture
def app_zip(tmp_path: Path) -> Iterator[zipfile.ZipFile]:
    domains = ["assistant.peer-challenge.example"]
    path = write_package(tmp_path / "build" / "app.zip", APP_ID, valid_domains=domains)
    with zipfile.ZipFile(path) as archive:
        yield archive


# --- contents -----------------------------------------------------------------------------


def test_package_holds_manifest_and_icons_at_its_root(app_zip: zipfile.ZipFile) -> None:
    assert sorted(app_zip.namelist()) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(app_zip.read("manifest.json"))
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["assistant.peer-challenge.example"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_bot_is_conversational_in_every_scope_with_personal_commands() -> None:
    manifest = build_manifest(APP_ID)
    (bot,) = manifest["bots"]
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert bot["supportsFiles"] is True  # coordinators send the calendar file in the personal chat
    assert bot["isNotificationOnly"] is False
    assert bot["commandLists"] == [
        {
            "scopes": ["personal"],
            "commands": [
                {"title": "help", "description": "What I can do for you"},
                {"title": "status", "description": "Your group, dates and Lead Reviewer pairs"},
                {"title": "team", "description": "Add or remove your authority's delegates and participants"},
                {"title": "feedback", "description": "Send feedback to the programme coordinators"},
                {"title": "nominate", "description": "Nominate a colleague to the regional panel"},
                {"title": "enquiry", "description": "Ask for independent moderation of a conclusion"},
                {"title": "my enquiries", "description": "Your authority's moderation enquiries"},
                {"title": "my assignments", "description": "Your panel invitations, assignments and days"},
                {"title": "enquiries", "description": "Coordinators: every moderation enquiry, by stage"},
                {"title": "directory", "description": "The directory of support: offers by theme"},
            ],
        }
    ]
    assert [command.title for command in COMMANDS] == [
        "help",
        "status",
        "team",
        "feedback",
        "nominate",
        "enquiry",
        "my enquiries",
        "my assignments",
        "enquiries",
        "directory",
    ]


def test_names_descriptions_and_fictional_urls() -> None:
    manifest = build_manifest(APP_ID)
    assert manifest["name"] == {"short": "Peer Challenge", "full": "Peer Challenge Assistant"}
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert manifest["developer"][key].startswith("https://peer-challenge.example/")
    assert manifest["version"] == package.DEFAULT_VERSION
    assert manifest["validDomains"] == []


def test_version_and_domains_are_set_and_checked() -> None:
    domains = ["a.example", "*.b.example", "a.example"]
    manifest = build_manifest(APP_ID, version="2.3.4", valid_domains=domains)
    assert manifest["version"] == "2.3.4"
    assert manifest["validDomains"] == ["a.example", "*.b.example"]
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR\.PATCH"):
        build_manifest(APP_ID, version="1.0")
    with pytest.raises(ValueError, match="without https://"):
        build_manifest(APP_ID, valid_domains=["https://a.example/api"])
    with pytest.raises(ValueError, match="not a single string"):
        build_manifest(APP_ID, valid_domains="a.example")


@pytest.mark.parametrize(
    "app_id",
    [
        "",
        "not-a-guid",
        "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}",
        "3f2504e0-4f89-41d3-9a0c-0305e82c3301\n",
        "3f2504e04f8941d39a0c0305e82c3301",
    ],
)
def test_app_id_must_be_a_guid(tmp_path: Path, app_id: str) -> None:
    with pytest.raises(ValueError, match="must be the bot's Microsoft App ID, a GUID"):
        write_package(tmp_path / "app.zip", app_id)
    assert list(tmp_path.iterdir()) == []


def test_files_come_from_the_package_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    written = write_package(Path("out") / "app.zip", APP_ID)
    assert (tmp_path / "out" / "app.zip").is_file()
    assert written == Path("out") / "app.zip"


def test_package_is_reproducible(tmp_path: Path) -> None:
    first = write_package(tmp_path / "1.zip", APP_ID).read_bytes()
    second = write_package(tmp_path / "2.zip", APP_ID).read_bytes()
    assert first == second


# --- icons --------------------------------------------------------------------------------


def test_colour_icon_is_192_square_and_opaque(app_zip: zipfile.ZipFile) -> None:
    icon = read_png(app_zip.read("color.png"))
    assert (icon.width, icon.height) == (192, 192)
    assert icon.channels == 3 or all(pixel[3] == 255 for pixel in icon.pixels)
    assert len({pixel[:3] for pixel in icon.pixels}) > 2, "expected a colour background and a symbol"


def test_outline_icon_is_32_square_white_on_transparent(app_zip: zipfile.ZipFile) -> None:
    icon = read_png(app_zip.read("outline.png"))
    assert (icon.width, icon.height) == (32, 32)
    assert icon.channels == 4, "the outline icon needs an alpha channel"
    visible = [pixel for pixel in icon.pixels if pixel[3] > 0]
    assert all(pixel[:3] == (255, 255, 255) for pixel in visible), "every visible pixel must be white"
    assert any(pixel[3] == 0 for pixel in icon.pixels), "the background must be transparent"
    assert any(pixel[3] == 255 for pixel in icon.pixels), "the symbol must be opaque somewhere"
    assert icon.pixels[0][3] == 0 and icon.pixels[-1][3] == 0, "corners are background"


# --- Microsoft's schema, through @microsoft/app-manifest ---------------------------------


def _node() -> str:
    """The node executable, once the validator's packages are known to be installed.

    Missing tools fail the test in CI (CI=true), so the schema check can never silently
    vanish there, and skip it elsewhere.
    """
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not on PATH"
    else:
        for name in ("@microsoft/app-manifest", "fs-extra"):
            if not (NODE_MODULES / name / "package.json").is_file():
                problem = f"{NODE_MODULES / name} is missing: run `npm ci` in {REPO}"
                break
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot validate the Teams manifest: {problem}", pytrace=False)
        pytest.skip(problem)
    assert node is not None
    return node


def validate(manifest: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return subprocess.run(
        [_node(), str(VALIDATOR), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )


def test_built_manifest_passes_the_teams_schema(app_zip: zipfile.ZipFile, tmp_path: Path) -> None:
    manifest = json.loads(app_zip.read("manifest.json"))
    result = validate(manifest, tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "valid against https://developer.microsoft.com/json-schemas/teams/v1.30/" in result.stdout


def test_validator_rejects_the_old_lower_case_groupchat_scope(tmp_path: Path) -> None:
    manifest = build_manifest(APP_ID)
    manifest["bots"][0]["scopes"] = ["personal", "team", "groupchat"]
    result = validate(manifest, tmp_path)
    assert result.returncode == 1, result.stdout
    assert "/bots/0/scopes/2" in result.stderr


def test_validator_refuses_a_schema_it_would_have_to_download(tmp_path: Path) -> None:
    manifest = build_manifest(APP_ID)
    manifest["$schema"] = "https://peer-challenge.example/MicrosoftTeams.schema.json"
    result = validate(manifest, tmp_path)
    assert result.returncode == 1
    assert "not bundled" in result.stderr


def test_missing_tools_fail_in_ci_and_skip_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: f"/opt/{name}")
    monkeypatch.setattr(sys.modules[__name__], "NODE_MODULES", tmp_path)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="npm ci"):
        _node()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _node()


def test_a_placeholder_left_in_the_template_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = json.loads(package.TEMPLATE.read_text(encoding="utf-8"))
    template["developer"]["mpnId"] = "{{MPN_ID}}"
    changed = tmp_path / "manifest.template.json"
    changed.write_text(json.dumps(template), encoding="utf-8")
    monkeypatch.setattr(package, "TEMPLATE", changed)
    with pytest.raises(RuntimeError, match="placeholder"):
        build_manifest(APP_ID)


def test_the_command_line_checks_the_package_against_the_teams_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import shutil

    from service.cli import main

    if shutil.which("node") is None or not (REPO / "node_modules" / "@microsoft" / "app-manifest").exists():
        pytest.skip("needs Node.js and npm ci's node_modules")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'm.sqlite3'}")
    assert main(["manifest", "--app-id", APP_ID, "--output", str(tmp_path / "app.zip"), "--check"]) == 0
    said = capsys.readouterr()
    assert "The manifest is valid against its Teams schema." in said.out and "placeholders" in said.err
