"""held codes: one store of the codes that make an email reply act

Every code already sent keeps working: the invitation, assignment and note codes move from their
own columns, and the emailed cards, held changes, nomination forms and calendar previews from the
dialog-state table, into `held_codes`, each bound to the address it was sent to.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, UTC
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

NO_EXPIRY = timedelta(days=365)  # the codes moved from their own columns never expired; now they do, a year on
CARD_LIFETIME = timedelta(days=30)

held = sa.table(
    'held_codes',
    sa.column('code', sa.String), sa.column('address', sa.String), sa.column('purpose', sa.String),
    sa.column('record', sa.JSON), sa.column('single_use', sa.Boolean), sa.column('expires_at', sa.DateTime(timezone=True)),
    sa.column('used_at', sa.DateTime(timezone=True)), sa.column('created_at', sa.DateTime(timezone=True)),
)
# The nomination form's fields as they stood when its emailed copies carried N- codes.
COVERS = [("universal", "Universal moderation (usually 2-4 days)"),
          ("small_packages", "Small packages of improvement support (up to 39 days)"), ("both", "Both")]
AREAS = [("send", "SEND"), ("fostering", "Fostering"), ("adoption", "Adoption and special guardianship"),
         ("safeguarding", "Safeguarding"), ("children_in_care", "Children in care"),
         ("education", "Education and children missing education"), ("quality_assurance", "Quality assurance"),
         ("performance_data", "Performance data and benchmarking"), ("workforce", "Workforce"), ("leadership", "Leadership"),
         ("open", "Open: any area, at the DCS's discretion")]


def _moment(value: datetime | str, dialect: str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(tzinfo=None) if dialect == 'sqlite' else value


def _choices(pairs: Iterable[Sequence[str]]) -> list[dict[str, str]]:
    return [{"value": value, "title": title} for value, title in pairs]


def _nomination_inputs(connection: Connection) -> list[dict[str, Any]]:
    authorities = connection.execute(sa.text(
        "SELECT code, name FROM authorities WHERE active = :yes ORDER BY name"), {"yes": True}).all()
    return [
        {"id": "authority", "type": "Input.ChoiceSet", "label": "Authority", "isRequired": True, "choices": _choices(authorities)},
        {"id": "nominee_name", "type": "Input.Text", "label": "Colleague's full name", "isRequired": True},
        {"id": "nominee_email", "type": "Input.Text", "label": "Colleague's work email", "isRequired": True},
        {"id": "job_title", "type": "Input.Text", "label": "Job title", "isRequired": True},
        {"id": "service_area", "type": "Input.Text", "label": "Service area", "isRequired": True},
        {"id": "covers", "type": "Input.ChoiceSet", "label": "The nomination covers", "isRequired": True, "choices": _choices(COVERS)},
        {"id": "areas", "type": "Input.ChoiceSet", "label": "Areas of expertise", "isRequired": True, "isMultiSelect": True,
         "choices": _choices(AREAS)},
        {"id": "agreed", "type": "Input.Toggle", "label": "My colleague has agreed to be nominated", "isRequired": True},
    ]


def upgrade() -> None:
    op.create_table('held_codes',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('single_use', sa.Boolean(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_held_codes'))
    )
    with op.batch_alter_table('held_codes', schema=None) as batch_op:
        batch_op.create_index('ix_held_codes_expires_at', ['expires_at'], unique=False)

    connection = op.get_bind()
    dialect = connection.dialect.name
    now = datetime.now(UTC)
    rows: dict[str, dict[str, Any]] = {}

    def keep(code: str | None, address: str | None, purpose: str, record: dict[str, Any], expires: datetime | str, single_use: bool = False) -> None:
        if code and address and code.upper() not in rows:
            rows[code.upper()] = {"code": code.upper(), "address": address.strip().lower(), "purpose": purpose, "record": record,
                                  "single_use": single_use, "expires_at": _moment(expires, dialect), "used_at": None,
                                  "created_at": _moment(now, dialect)}

    for code, nomination, email in connection.execute(sa.text(
            "SELECT n.invitation_code, n.id, p.email FROM nominations n JOIN people p ON p.id = n.nominee_person_id")):
        keep(code, email, "panel-invitation", {"nomination": nomination}, now + NO_EXPIRY)
    for code, assignment, email in connection.execute(sa.text(
            "SELECT a.invitation_code, a.id, p.email FROM assignments a JOIN people p ON p.id = a.person_id")):
        keep(code, email, "assignment", {"assignment": assignment}, now + NO_EXPIRY)
    for code, note, email in connection.execute(sa.text(
            "SELECT n.code, n.id, p.email FROM note_agreements n "
            "JOIN role_assignments r ON r.authority_id = n.authority_id AND r.role = 'dcs' AND r.active = :yes "
            "JOIN people p ON p.id = r.person_id ORDER BY n.id, p.id"), {"yes": True}):
        keep(code, email, "note", {"note": note}, now + NO_EXPIRY)  # the authority's DCS, to whom its emails went

    emails: dict[int, str] = dict(connection.execute(sa.text("SELECT id, email FROM people")).all())
    moved = []
    for key, document in connection.execute(sa.text(
            "SELECT key, document FROM bot_state WHERE key LIKE 'email-card/%' OR key LIKE 'pending-confirmation/%' "
            "OR key LIKE 'email-form/%' OR key LIKE 'calendar-preview/%'")):
        kind, _, code = key.partition("/")
        try:
            held_document = json.loads(document)
        except ValueError:
            continue
        moved.append(key)
        if kind == "email-card":
            keep(code, held_document.get("address"), "card",
                 {"actions": held_document.get("actions", []), "inputs": held_document.get("inputs", [])},
                 held_document.get("expires") or now + CARD_LIFETIME)
        elif kind == "pending-confirmation":
            keep(code, held_document.get("address"), "confirm",
                 {"action": held_document.get("action"), "params": held_document.get("params", {})},
                 held_document.get("expires") or now, single_use=True)
        elif kind == "email-form":  # a nomination form sent by email: now an emailed card like any other
            actions = [{"title": "Nominate", "verb": "nomination.submit", "data": {"token": f"email-{code}"}}]
            keep(code, held_document.get("address"), "card", {"actions": actions, "inputs": _nomination_inputs(connection)},
                 now + CARD_LIFETIME)
        elif kind == "calendar-preview":
            keep(code, emails.get(held_document.get("by")), "calendar-preview",
                 {k: held_document.get(k) for k in ("text", "source", "report")}, held_document.get("expires") or now,
                 single_use=True)
    if rows:
        op.bulk_insert(held, list(rows.values()))
    for key in moved:
        connection.execute(sa.text("DELETE FROM bot_state WHERE key = :key"), {"key": key})

    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_nominations_invitation_code', type_='unique')
        batch_op.drop_column('invitation_code')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint('uq_assignments_invitation_code', type_='unique')
        batch_op.drop_column('invitation_code')
    with op.batch_alter_table('note_agreements', schema=None) as batch_op:
        batch_op.drop_constraint('uq_note_agreements_code', type_='unique')
        batch_op.drop_column('code')


def downgrade() -> None:
    connection = op.get_bind()
    for table, column in (('nominations', 'invitation_code'), ('assignments', 'invitation_code'), ('note_agreements', 'code')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.String(length=16), nullable=True))
    purposes = {'nominations': ('panel-invitation', 'nomination'), 'assignments': ('assignment', 'assignment'),
                'note_agreements': ('note', 'note')}
    for table, (purpose, key) in purposes.items():
        column = 'code' if table == 'note_agreements' else 'invitation_code'
        for code, stored in connection.execute(sa.text("SELECT code, record FROM held_codes WHERE purpose = :p"), {"p": purpose}):
            record = json.loads(stored) if isinstance(stored, str) else stored
            connection.execute(sa.text(f"UPDATE {table} SET {column} = :code WHERE id = :id AND {column} IS NULL"),
                               {"code": code, "id": record.get(key)})
        connection.execute(sa.text(f"UPDATE {table} SET {column} = 'X' || CAST(id AS VARCHAR) WHERE {column} IS NULL"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=16), nullable=False)
            batch_op.create_unique_constraint(op.f(f'uq_{table}_{column}'), [column])
    with op.batch_alter_table('held_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_held_codes_expires_at')
    op.drop_table('held_codes')
