"""tasks: deadlines move only by decision (one row per change), backdated completions need a
reason, deletion only before any activity

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('tasks', sa.Column('completed_on_reason', sa.Text(), nullable=True))
    op.add_column(
        'tasks',
        sa.Column('has_activity', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        'task_extension_requests',
        sa.Column(
            'requested_after_deadline', sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.create_table(
        'task_deadline_changes',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('task_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('old_due_date', sa.Date(), nullable=True),
        sa.Column('new_due_date', sa.Date(), nullable=False),
        sa.Column('extension_request_id', sa.Uuid(), nullable=True),
        sa.Column('after_deadline', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('decision_number', sa.String(length=60), nullable=True),
        sa.Column('decision_date', sa.Date(), nullable=True),
        sa.Column('decided_by_name', sa.String(length=300), nullable=True),
        sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
        sa.Column('recorded_by_name', sa.String(length=300), nullable=True),
        sa.Column('decided_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('extension','adjustment')", name=op.f('ck_task_deadline_changes_kind')
        ),
        sa.ForeignKeyConstraint(
            ['task_id'], ['tasks.id'], name=op.f('fk_task_deadline_changes_task_id_tasks')
        ),
        sa.ForeignKeyConstraint(
            ['extension_request_id'],
            ['task_extension_requests.id'],
            name=op.f('fk_task_deadline_changes_extension_request_id_task_extension_requests'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_deadline_changes')),
    )
    op.create_index(
        'ix_task_deadline_changes_task',
        'task_deadline_changes',
        ['task_id', 'created_at', 'id'],
    )
    # What happened before: a task with any progress, request or completion has activity;
    # approved extensions and deadlines changed by an edit become rows of their own.
    op.execute(
        """
        UPDATE tasks SET has_activity = true
        WHERE status <> 'new' OR progress_percent > 0
           OR EXISTS (SELECT 1 FROM task_progress_reports p WHERE p.task_id = tasks.id)
           OR EXISTS (SELECT 1 FROM task_extension_requests e WHERE e.task_id = tasks.id)
        """
    )
    op.execute(
        """
        INSERT INTO task_deadline_changes (id, task_id, kind, old_due_date, new_due_date,
            extension_request_id, after_deadline, reason, decided_by_name, recorded_by_id,
            recorded_by_name, decided_on, created_at)
        SELECT gen_random_uuid(), e.task_id, 'extension', e.current_due_date,
            e.approved_due_date, e.id, e.created_at::date > e.current_due_date, e.reason,
            e.decided_by_name, e.decided_by_id, e.decided_by_name,
            (e.decided_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, e.decided_at
        FROM task_extension_requests e
        WHERE e.status = 'approved' AND e.approved_due_date IS NOT NULL
        """
    )
    op.execute(
        """
        INSERT INTO task_deadline_changes (id, task_id, kind, old_due_date, new_due_date,
            after_deadline, reason, recorded_by_id, recorded_by_name, decided_on, created_at)
        SELECT gen_random_uuid(), h.resource_id, 'adjustment',
            (h.changes -> 'due_date' ->> 'old')::date, (h.changes -> 'due_date' ->> 'new')::date,
            (h.occurred_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
                > (h.changes -> 'due_date' ->> 'old')::date,
            'recorded as an edit, before deadline changes were kept apart',
            h.actor_id, h.actor_name,
            (h.occurred_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, h.occurred_at
        FROM history h
        WHERE h.resource_type = 'task' AND h.action = 'updated'
          AND h.changes ? 'due_date'
          AND h.changes -> 'due_date' ->> 'old' IS NOT NULL
          AND h.changes -> 'due_date' ->> 'new' IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_index('ix_task_deadline_changes_task', table_name='task_deadline_changes')
    op.drop_table('task_deadline_changes')
    op.drop_column('task_extension_requests', 'requested_after_deadline')
    op.drop_column('tasks', 'has_activity')
    op.drop_column('tasks', 'completed_on_reason')
