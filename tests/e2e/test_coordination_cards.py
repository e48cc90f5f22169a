"""Coordinators' cards through the real app: the reminders timeline and the deliveries to retry or cancel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.outbox import OutboxMessage, enqueue
from storage.people import Person
from tests.support.connector import texts_in
from tests.support.conversation import act, button, say
from tests.support.people import COORDINATOR, DCS

NOW = datetime(2022, 11, 1, 10, tzinfo=UTC)

pytestmark = pytest.mark.assistant(now=NOW, roster=(DCS, COORDINATOR))


async def test_the_timeline_card_groups_the_reminders_by_day(assistant):
    card = await say(assistant, COORDINATOR, "timeline 2022-11-21 2022-11-24")
    said = texts_in(card)
    assert "Reminders from Monday 21 November 2022 to Thursday 24 November 2022" in said
    assert "11 reminders" in said and "Monday 21 November 2022" in said and "Thursday 24 November 2022" in said
    assert "Harriet Quillfeather (Wokingham): the moderation window closes" in said
    assert "four weeks" not in said
    assert "YYYY-MM-DD" in texts_in(await say(assistant, COORDINATOR, "timeline 2022-13-01"))
    assert "must not be before" in texts_in(await say(assistant, COORDINATOR, "timeline 2022-12-01 2022-11-01"))
    assert "Only the programme coordinators" in texts_in(await say(assistant, DCS, "timeline"))


async def test_failed_and_missed_deliveries_are_retried_or_cancelled_from_the_card(assistant):
    with assistant.database.session() as session:
        harriet = session.scalar(select(Person.id).where(Person.email == DCS["email"]))
        for key, status in (("d/failed", "failed"), ("d/missed", "missed"), ("d/sent", "sent")):
            enqueue(session, key=key, kind="delivery_test", payload={"person_name": "Harriet"}, due_at=NOW, recipient_person_id=harriet)
            session.execute(
                OutboxMessage.__table__.update()
                .where(OutboxMessage.idempotency_key == key)
                .values(status=status, last_error="SMTP 550: mailbox unavailable" if status == "failed" else None)
            )
        session.commit()
        failed, missed = (session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == k)) for k in ("d/failed", "d/missed"))
    card = await say(assistant, COORDINATOR, "deliveries")
    said = texts_in(card)
    assert "Deliveries that need you: 2" in said and "SMTP 550: mailbox unavailable" in said and "Harriet Quillfeather" in said
    retried = await act(assistant, COORDINATOR, button(card, f"Retry {failed}")["verb"], {"id": failed})
    assert f"Notification {failed} will be sent again now" in texts_in(retried) and "Deliveries that need you: 1" in texts_in(retried)
    again = await act(assistant, COORDINATOR, "delivery.retry", {"id": failed})
    assert "only failed, missed or cancelled ones can be retried" in texts_in(again)
    cancelled = await act(assistant, COORDINATOR, "delivery.cancel", {"id": missed})
    assert "is cancelled" in texts_in(cancelled) and "Deliveries that need you: 0" in texts_in(cancelled)
    assert "Only the programme coordinators" in texts_in(await act(assistant, DCS, "delivery.retry", {"id": missed}))
    assert "Only the programme coordinators" in texts_in(await say(assistant, DCS, "deliveries"))
    with assistant.database.session() as session:
        statuses = dict(session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status).where(OutboxMessage.idempotency_key.like("d/%"))).all())
    assert statuses == {"d/failed": "pending", "d/missed": "cancelled", "d/sent": "sent"}


async def test_a_coordinator_moves_a_groups_date_and_the_timeline_follows(assistant):
    before = texts_in(await say(assistant, COORDINATOR, "timeline 2022-12-02 2022-12-02"))
    assert "Grace Albury (Kent): the moderation window opens" in before  # Triad 2, 24 February: 12 weeks before
    form = await say(assistant, COORDINATOR, "group 2")
    assert any(e.get("id") == "date" and e.get("value") == "2023-02-24" for e in form["body"])
    save = button(form, "Save the change")
    bad = await act(assistant, COORDINATOR, save["verb"], {**save["data"], "date": "next week", "format": "face_to_face", "location": "Brighton"})
    assert any(e.get("id") == "date-error" for e in bad["body"])
    done = await act(assistant, COORDINATOR, save["verb"], {**save["data"], "date": "2023-03-10", "format": "virtual", "location": ""})
    assert "Triad 2 is changed: The challenge day moved from 24 Feb 2023 to 10 Mar 2023. It is now virtual." in texts_in(done)
    again = await act(assistant, COORDINATOR, save["verb"], {**save["data"], "date": "2023-03-10", "format": "virtual", "location": ""})
    assert "No change" in texts_in(again)
    assert "Kent" not in texts_in(await say(assistant, COORDINATOR, "timeline 2022-12-02 2022-12-02"))
    assert "Grace Albury (Kent): the moderation window opens" in texts_in(await say(assistant, COORDINATOR, "timeline 2022-12-16 2022-12-16"))
    with assistant.database.session() as session:
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "group_changed")).all()
    assert told and all(r.payload["group_name"] == "Triad 2" for r in told)
    refused = await act(assistant, DCS, "group.save", {"group": "2", "date": "2023-03-17", "format": "virtual", "location": ""})
    assert "Only the programme coordinators" in texts_in(refused)


async def test_a_coordinator_records_a_new_dcs(assistant):
    form = await say(assistant, COORDINATOR, "dcs kent")
    save = button(form, "Save the new DCS")
    done = await act(assistant, COORDINATOR, save["verb"], {**save["data"], "name": "Morgan Example", "email": "morgan.example@kent.example"})
    assert "Morgan Example is now the DCS of Kent" in texts_in(done)
    assert "already the DCS" in texts_in(
        await act(assistant, COORDINATOR, save["verb"], {**save["data"], "name": "Morgan Example", "email": "morgan.example@kent.example"})
    )
    assert "Only the programme coordinators" in texts_in(await act(assistant, DCS, "dcs.save", {"authority": "kent", "name": "X", "email": "x@kent.example"}))


async def test_a_coordinator_replaces_a_groups_facilitator(assistant):
    form = await say(assistant, COORDINATOR, "facilitator 2")
    save = button(form, "Save the new facilitator")
    done = await act(assistant, COORDINATOR, save["verb"], {**save["data"], "name": "Ash Example", "email": "ash.example@seslip.example"})
    assert "Ash Example now facilitates Triad 2" in texts_in(done)
    assert "already facilitates" in texts_in(
        await act(assistant, COORDINATOR, save["verb"], {**save["data"], "name": "Ash Example", "email": "ash.example@seslip.example"})
    )
    from storage.people import RoleAssignment

    with assistant.database.session() as session:
        holders = session.scalars(select(Person.email).join(RoleAssignment, RoleAssignment.person_id == Person.id).where(
            RoleAssignment.role == "facilitator", RoleAssignment.scope == "group:2022-23/2", RoleAssignment.active.is_(True))).all()
    assert holders == ["ash.example@seslip.example"]
    assert "Only the programme coordinators" in texts_in(await act(assistant, DCS, "facilitator.save", {"group": "2", "name": "X", "email": "x@kent.example"}))


async def test_a_group_cannot_move_into_the_past_or_out_of_its_cycle(assistant):
    for date, expected in (("2022-10-01", "has passed"), ("2023-05-01", "runs from")):
        card = await act(assistant, COORDINATOR, "group.save", {"group": "2", "date": date, "format": "virtual", "location": ""})
        assert any(e.get("id") == "date-error" and expected in e["text"] for e in card["body"]), texts_in(card)
