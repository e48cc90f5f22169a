"""Write a Microsoft 365 Agents Playground configuration whose current user is someone from a calendar.

The Playground (`@microsoft/m365agentsplayground`) reads `.m365agentsplayground.yml` from the
directory it starts in, or the file named by M365_AGENTS_PLAYGROUND_CONFIG_PATH. That file says who
"you" are in the emulated Teams client and what the Teams roster API (TeamsInfo.get_member and
friends) answers, so the assistant recognises you as the person chosen here.

The Playground refuses to start unless the file holds `version`, `tenantId`, `bot`, `currentUser`,
exactly five other `users`, `personalChat`, `groupChat` and `team` with at most one channel.

    python scripts/playground_config.py --calendar var/demo-calendar.yaml \\
        --authority wokingham --role dcs --output .m365agentsplayground.yml

Every id here is made up but stable: a person's Entra object id is a UUID derived from their email,
so it stays the same between runs and the assistant can link it to them once their email matched.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

import yaml

CONFIG_VERSION = "0.1.1"
# Made up: the namespace for every id derived here, and the tenant the Playground pretends to be.
ID_NAMESPACE = uuid.UUID("6f1c0b4e-6a57-5d43-9c35-2f0a1c4e9b10")
TENANT_ID = "7d3c9a52-1f4e-4b8a-9c61-0e2d5b8f4a17"
BOT = {"id": "5b2e8f10-3c4d-4e6f-8a9b-0c1d2e3f4a5b", "name": "Peer Challenge Assistant"}
OTHER_USERS = 5  # the Playground's schema wants exactly five
# Roles tried, in order, for the other users once the chosen person's group is used up.
FILLER_ROLES = ("coordinator", "dcs", "moderation_coordinator", "facilitator", "delegate", "participant", "panel_member")


class ConfigError(ValueError):
    """The calendar does not hold the person asked for, or not enough other people."""


def aad_object_id(email: str) -> str:
    """The made-up, stable Entra object id of the person with this email."""
    return str(uuid.uuid5(ID_NAMESPACE, "aad:" + email.strip().lower()))


def teams_user_id(email: str) -> str:
    """A Teams-style channel account id (`29:...`) for the person with this email."""
    return "29:" + uuid.uuid5(ID_NAMESPACE, "teams:" + email.strip().lower()).hex


def playground_user(person: dict) -> dict:
    """A Playground `User` entry (its schema spells the UPN key `userPrincipleName`)."""
    name = str(person["name"]).strip()
    email = str(person["email"]).strip().lower()
    given, _, surname = name.partition(" ")
    return {
        "id": teams_user_id(email),
        "name": name,
        "userPrincipleName": email,
        "aadObjectId": aad_object_id(email),
        "givenName": given,
        "surname": surname or given,
        "email": email,
    }


def _roles(person: dict) -> list[dict]:
    return [role for role in person.get("roles") or [] if isinstance(role, dict)]


def _holds(person: dict, role: str, authority: str | None) -> bool:
    return any(
        held.get("role") == role and (authority is None or held.get("authority") == authority)
        for held in _roles(person)
    )


def choose_person(calendar: dict, *, authority: str | None, role: str = "dcs", email: str | None = None) -> dict:
    """The calendar's person with this email, or else the one holding `role` (for `authority`)."""
    people = [p for p in calendar.get("people") or [] if isinstance(p, dict) and p.get("email")]
    if email:
        for person in people:
            if str(person["email"]).strip().lower() == email.strip().lower():
                return person
        raise ConfigError(f"nobody in the calendar has the email {email}")
    matches = [person for person in people if _holds(person, role, authority)]
    if not matches:
        where = f" for {authority}" if authority else ""
        held = sorted({f"{r.get('role')}:{r.get('authority') or '-'}" for p in people for r in _roles(p)})
        raise ConfigError(f"nobody in the calendar is {role}{where}; the calendar has: {', '.join(held)}")
    return matches[0]


def _group_authorities(calendar: dict, person: dict) -> list[str]:
    """The other authorities in the groups of the chosen person's authorities, in calendar order."""
    own = {r.get("authority") for r in _roles(person) if r.get("authority")}
    found: list[str] = []
    for group in calendar.get("groups") or []:
        codes = [m.get("authority") for m in group.get("members") or [] if isinstance(m, dict)]
        if own & set(codes):
            found += [code for code in codes if code not in own and code not in found]
    return found


def other_people(calendar: dict, person: dict, count: int = OTHER_USERS) -> list[dict]:
    """`count` other people: the DCSs of the chosen person's group first, then coordinators, then the rest."""
    people = [p for p in calendar.get("people") or [] if isinstance(p, dict) and p.get("email")]
    chosen_email = str(person["email"]).strip().lower()
    picked: list[dict] = []
    seen = {chosen_email}

    def add(candidate: dict) -> None:
        email = str(candidate["email"]).strip().lower()
        if len(picked) < count and email not in seen:
            seen.add(email)
            picked.append(candidate)

    for code in _group_authorities(calendar, person):
        for candidate in people:
            if _holds(candidate, "dcs", code):
                add(candidate)
    for role in FILLER_ROLES:
        for candidate in people:
            if _holds(candidate, role, None):
                add(candidate)
    for candidate in people:
        add(candidate)
    if len(picked) < count:
        raise ConfigError(f"the calendar has {len(picked) + 1} people; the Playground needs at least {count + 1}")
    return picked


def playground_config(calendar: dict, *, authority: str | None, role: str = "dcs", email: str | None = None) -> dict:
    person = choose_person(calendar, authority=authority, role=role, email=email)
    current = playground_user(person)
    return {
        "version": CONFIG_VERSION,
        "tenantId": TENANT_ID,
        "bot": dict(BOT),
        "currentUser": current,
        "users": [playground_user(other) for other in other_people(calendar, person)],
        "personalChat": {"id": "a:peer-challenge-personal-" + current["aadObjectId"]},
        "groupChat": {"id": "19:peer-challenge-group@thread.v2", "name": "Peer challenge chat"},
        "team": {
            "id": "19:peer-challenge-team@thread.tacv2",
            "name": "Peer Challenge",
            "aadGroupId": str(uuid.uuid5(ID_NAMESPACE, "team:peer-challenge")),
            "channels": [{"id": "19:peer-challenge-announcements@thread.tacv2", "name": "Announcements"}],
        },
    }


HEADER = """\
# Microsoft 365 Agents Playground configuration, written by scripts/playground_config.py from
# {calendar}. The current user is {name} <{email}>; every id is made up.
# Start the Playground with M365_AGENTS_PLAYGROUND_CONFIG_PATH set to this file.
"""


def write_playground_config(
    calendar_path: str | Path,
    output: str | Path,
    *,
    authority: str | None,
    role: str = "dcs",
    email: str | None = None,
) -> dict:
    """Write the configuration to `output`; returns the chosen (current) user's Playground entry."""
    calendar = yaml.safe_load(Path(calendar_path).read_text(encoding="utf-8")) or {}
    if not isinstance(calendar, dict):
        raise ConfigError(f"{calendar_path} is not a calendar file (expected a mapping at the top)")
    config = playground_config(calendar, authority=authority, role=role, email=email)
    user = config["currentUser"]
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    text = HEADER.format(calendar=calendar_path, name=user["name"], email=user["email"])
    text += yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=120)
    output.write_text(text, encoding="utf-8")
    return user


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calendar", type=Path, required=True, help="a calendar YAML file, e.g. var/demo-calendar.yaml")
    parser.add_argument("--authority", help="authority code of the person to be, e.g. wokingham (not needed for regional roles)")
    parser.add_argument("--role", default="dcs", help="their role: dcs (default), delegate, participant, panel_member, coordinator, ...")
    parser.add_argument("--email", help="choose the person by email instead of by role and authority")
    parser.add_argument("--output", type=Path, default=Path(".m365agentsplayground.yml"))
    args = parser.parse_args(argv)
    if not args.email and not args.authority and args.role in {"dcs", "delegate", "participant", "panel_member"}:
        parser.error(f"--authority is needed with --role {args.role}")
    try:
        user = write_playground_config(args.calendar, args.output, authority=args.authority, role=args.role, email=args.email)
    except (OSError, yaml.YAMLError, ConfigError) as error:
        print(f"playground_config: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {args.output}: you are {user['name']} <{user['email']}> (aadObjectId {user['aadObjectId']}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
