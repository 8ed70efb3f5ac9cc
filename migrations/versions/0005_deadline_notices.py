"""deadline notices: what the scheduler has sent, once per task, kind and deadline

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 03:02:32.906103
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('task_deadline_notices',
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('due_soon','overdue')", name=op.f('ck_task_deadline_notices_kind')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_deadline_notices_task_id_tasks')),
    sa.PrimaryKeyConstraint('task_id', 'kind', 'due_date', name=op.f('pk_task_deadline_notices'))
    )


def downgrade() -> None:
    op.drop_table('task_deadline_notices')
