"""Knowing who wrote: the conversation is stored once, however many first turns arrive at once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from programme.people import identity
from storage.conversations import ConversationReferenceRecord
from storage.people import Person

TODAY = date(2026, 12, 7)


def _sender(conversation: str = "a:personal-chat") -> identity.Sender:
    return identity.Sender(
        channel="msteams",
        user_id="29:sam",
        aad_object_id="aad-sam",
        tenant_id="tenant-example",
        conversation_id=conversation,
        service_url="https://smba.example/teams/",
        reference={"conversation": {"id": conversation}, "activity_id": "1"},
    )


def test_two_first_turns_at_once_store_one_conversation(database):
    # Teams sends the install (conversationUpdate) and the first message together: both turns read
    # "no conversation yet" before either has written. The second must not fail; it updates the row.
    with database.sessions() as session:
        session.add(Person(email="sam.example@kent.example", name="Sam Example"))
        session.commit()
    first, second = database.sessions(), database.sessions()
    try:
        first_known = identity.known_sender(first, _sender())
        second_known = identity.known_sender(second, _sender("a:personal-chat-2"))
        assert first_known.conversation is None and second_known.conversation is None
        sam = first.scalar(select(Person))
        identity.recognise(first, _sender(), first_known, sam, TODAY, teams=True)
        sam_again = second.scalar(select(Person))
        identity.recognise(second, _sender("a:personal-chat-2"), second_known, sam_again, TODAY, teams=True)
    finally:
        first.close()
        second.close()
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ConversationReferenceRecord)) == 1
        record = session.scalar(select(ConversationReferenceRecord))
        assert record is not None
        assert record.conversation_id == "a:personal-chat-2", "the later turn's conversation is the one kept"
        assert record.person_id is not None
        person = session.get(Person, record.person_id)
        assert person is not None and person.aad_object_id == "aad-sam"


def test_a_known_conversation_is_found_again_and_not_rewritten(database):
    with database.sessions() as session:
        session.add(Person(email="sam.example@kent.example", name="Sam Example"))
        session.commit()
    with database.sessions() as session:
        known = identity.known_sender(session, _sender())
        identity.recognise(session, _sender(), known, session.scalar(select(Person)), TODAY, teams=True)
    with database.sessions() as session:
        updated_at = session.scalar(select(ConversationReferenceRecord.updated_at))
        known = identity.known_sender(session, _sender())
        assert known.person is not None and known.person.email == "sam.example@kent.example"
        assert known.conversation is not None
        identity.recognise(session, _sender(), known, known.person, TODAY, teams=True)
    with database.sessions() as session:
        assert session.scalar(select(ConversationReferenceRecord.updated_at)) == updated_at
