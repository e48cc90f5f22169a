"""Nominations to the regional panel: who may nominate, one nomination per form, who is told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from programme.calendar.importer import import_calendar, load_calendar_file
from programme.errors import NotAllowed
from programme.panel.nomination import submit_nomination
from programme.people.identity import find_person
from programme.people.profile import load_profile
from storage.form_submissions import FormSubmission
from storage.outbox import OutboxMessage
from storage.panel import Nomination
from tests.support.assistant import EXAMPLE
from tests.support.calendars import AS_RECORD

NOW = datetime(2022, 10, 3, 9, 0, tzinfo=UTC)
FORM = {
    "authority": "wokingham",
    "nominee_name": "Sam Example",
    "nominee_email": "sam.example@wokingham.example",
    "job_title": "Head of Quality Assurance",
    "service_area": "Children's social care",
    "covers": "both",
    "areas": "send, Fostering",
    "agreed": "true",
}


def _profile(session, email):
    return load_profile(session, find_person(session, email=email), NOW.date(), detail=False)


@pytest.fixture
def calendar(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    return database


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_a_dcs_nominates_once_however_often_the_form_arrives(calendar):
    with calendar.session() as session:
        dcs = _profile(session, "harriet.quillfeather@wokingham.example")
        first = submit_nomination(session, dcs, "token-1", dict(FORM), NOW)
        again = submit_nomination(session, dcs, "token-1", dict(FORM), NOW)
        assert first.done and again.done and first.nomination_id == again.nomination_id
        assert _count(session, Nomination) == 1
        nomination = session.scalar(select(Nomination))
        assert nomination.areas == ["send", "fostering"] and nomination.covers == "both" and not nomination.on_behalf
        kinds = sorted(session.scalars(select(OutboxMessage.kind)))
        assert kinds.count("nomination_received") == 2  # the two coordinators of the example
        assert kinds.count("panel_invitation") == 1 and kinds.count("nomination_confirmation") == 1


def test_a_second_form_for_someone_already_nominated_says_so(calendar):
    with calendar.session() as session:
        dcs = _profile(session, "harriet.quillfeather@wokingham.example")
        submit_nomination(session, dcs, "token-1", dict(FORM), NOW)
        second = submit_nomination(session, dcs, "token-2", {**FORM, "areas": "open"}, NOW)
        assert not second.done and second.already_on_panel and "my nominations" in second.message
        assert _count(session, Nomination) == 1


def test_invalid_forms_store_nothing_and_say_what_is_wrong(calendar):
    with calendar.session() as session:
        dcs = _profile(session, "harriet.quillfeather@wokingham.example")
        outcome = submit_nomination(session, dcs, "token-1", {**FORM, "nominee_email": "sam@", "areas": "open, send", "agreed": ""}, NOW)
        assert not outcome.done and set(outcome.errors) == {"nominee_email", "areas", "agreed"}
        assert _count(session, Nomination) == 0 and _count(session, FormSubmission) == 0 and _count(session, OutboxMessage) == 0
        # The same token can be used again once the form is corrected.
        assert submit_nomination(session, dcs, "token-1", dict(FORM), NOW).done


def test_who_may_nominate_for_which_authority(calendar):
    with calendar.session() as session:
        delegate = _profile(session, "rosa.inglebrook@kent.example")  # delegate of Kent
        refused = submit_nomination(session, delegate, "t1", dict(FORM), NOW)  # for Wokingham
        assert not refused.done and "authority" in refused.errors
        assert submit_nomination(session, delegate, "t2", {**FORM, "authority": "kent", "nominee_email": "sam.example@kent.example"}, NOW).done

        participant = _profile(session, "maya.okafield@east-sussex.example")
        with pytest.raises(NotAllowed):
            submit_nomination(session, participant, "t3", {**FORM, "authority": "east-sussex"}, NOW)

        coordinator = _profile(session, "jo.carverley@seslip.example")
        on_behalf = submit_nomination(session, coordinator, "t4", {**FORM, "authority": "medway", "nominee_email": "kim.example@medway.example"}, NOW)
        assert on_behalf.done
        assert session.get(Nomination, on_behalf.nomination_id).on_behalf is True


field_values = st.one_of(st.none(), st.text(max_size=200), st.integers(), st.lists(st.text(max_size=30), max_size=4), st.booleans())


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries({}, optional=dict.fromkeys(FORM, field_values)).filter(lambda d: d != FORM))
def test_malformed_submissions_never_crash_and_never_store(sqlite_database, submitted):
    database = sqlite_database
    with database.session() as session:
        if _count(session, FormSubmission) == 0 and find_person(session, email="harriet.quillfeather@wokingham.example") is None:
            import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
        dcs = _profile(session, "harriet.quillfeather@wokingham.example")
        outcome = submit_nomination(session, dcs, "fuzz", submitted, NOW)
        assert not outcome.done and outcome.errors and all(isinstance(m, str) and m for m in outcome.errors.values())
        assert _count(session, Nomination) == 0 and _count(session, OutboxMessage) == 0


def test_two_submissions_of_one_form_at_the_same_moment_store_one_nomination_and_answer_alike(calendar):
    """As two web processes would, each with its own connection, both past the first look at once: the
    second waits for the first's claim of the form, then answers as the first did."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from storage.audit import AuditEntry

    start = Barrier(2)

    def submit(token: str):
        with calendar.session() as session:
            dcs = _profile(session, "harriet.quillfeather@wokingham.example")
            start.wait()
            return submit_nomination(session, dcs, token, dict(FORM), NOW, channel="msteams")

    for round_ in range(5):
        form_token = f"race-{round_}"
        with ThreadPoolExecutor(2) as pool:
            one, two = pool.map(submit, [form_token, form_token])
        assert (one.done, one.message, one.nomination_id) == (two.done, two.message, two.nomination_id)
        with calendar.session() as session:
            session.execute(Nomination.__table__.update().values(status="withdrawn"))  # the next round nominates Sam afresh
            session.commit()
    with calendar.session() as session:
        assert _count(session, Nomination) == 5 and _count(session, FormSubmission) == 5
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "nomination.submit")) == 5


def test_a_form_sent_again_and_again_is_audited_once_and_a_refused_one_not_at_all(calendar):
    from storage.audit import AuditEntry

    with calendar.session() as session:
        dcs = _profile(session, "harriet.quillfeather@wokingham.example")
        for _ in range(25):
            submit_nomination(session, dcs, "token-25", dict(FORM), NOW, channel="email")
        participant = _profile(session, "maya.okafield@east-sussex.example")
        with pytest.raises(NotAllowed):
            submit_nomination(session, participant, "token-refused", dict(FORM, authority="east-sussex"), NOW, channel="msteams")
        entries = session.scalars(select(AuditEntry)).all()
    assert [(e.action, e.channel) for e in entries] == [("nomination.submit", "email")]
