"""handled activities: each activity's effects are recorded once, whatever its deliveries

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 14:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handled_activities',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_handled_activities'))
    )
    with op.batch_alter_table('handled_activities', schema=None) as batch_op:
        batch_op.create_index('ix_handled_activities_handled_at', ['handled_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('handled_activities', schema=None) as batch_op:
        batch_op.drop_index('ix_handled_activities_handled_at')
    op.drop_table('handled_activities')
