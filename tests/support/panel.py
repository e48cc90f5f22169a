"""Nominating to the regional panel on the example cycle, as the programme does: who nominates (by
email address: strings, not the Teams users of tests.support.people), a nomination form, and the
three nominations the panel tests start from (`_nominate_three`), on the test databases and from
the command line."""

from __future__ import annotations

from datetime import UTC, datetime

from programme.panel.nomination import submit_nomination
from programme.people.identity import find_person
from programme.people.profile import load_profile

NOW = datetime(2022, 10, 3, 9, 0, tzinfo=UTC)
WOKINGHAM_DCS = "harriet.quillfeather@wokingham.example"
WOKINGHAM_DELEGATE = "leo.brandwick@wokingham.example"
KENT_DCS = "grace.albury@kent.example"
KENT_DELEGATE = "rosa.inglebrook@kent.example"
COORDINATOR = "jo.carverley@seslip.example"
OTHER_COORDINATOR = "sam.whitlockes@seslip.example"


def _form(authority, email, name, covers, areas, job_title="Head of Quality Assurance"):
    return {
        "authority": authority,
        "nominee_name": name,
        "nominee_email": email,
        "job_title": job_title,
        "service_area": "Children's social care",
        "covers": covers,
        "areas": areas,
        "agreed": "yes",
    }


def _profile(session, email):
    return load_profile(session, find_person(session, email=email), NOW.date(), detail=False)


def _nominate(session, by, token, form) -> int:
    outcome = submit_nomination(session, _profile(session, by), token, form, NOW)
    assert outcome.done, outcome.errors or outcome.message
    return outcome.nomination_id


def _nominate_three(session) -> dict[str, int]:
    return {
        "sam": _nominate(session, WOKINGHAM_DCS, "t-sam", _form("wokingham", "sam.example@wokingham.example", "Sam Example", "both", "send, Fostering")),
        "kit": _nominate(session, KENT_DELEGATE, "t-kit", _form("kent", "kit.example@kent.example", "Kit Example", "universal", "open")),
        "lee": _nominate(session, COORDINATOR, "t-lee", _form("medway", "lee.example@medway.example", "Lee Example", "small_packages", "safeguarding")),
    }
