"""task_versions.superseded_at: when each version stopped being in force

A report as of a day reads, for each task changed since, the version in force then: the one
recorded before the day ended and superseded after (or, for a task entered later, its first).
With the moment each version was superseded kept beside it, that is one range of an index —
no sort of every version of the changed tasks to find the latest before the day. The trigger
on updates closes the version in force in the change's own transaction.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "lead_agency_id, cooperating_agency_ids, due_date, status, completed_on, deleted_at"
)
CHANGED = (
    "(o.lead_agency_id, o.cooperating_agency_ids, o.due_date, o.status, o.completed_on,"
    " o.deleted_at) IS DISTINCT FROM (n.lead_agency_id, n.cooperating_agency_ids, n.due_date,"
    " n.status, n.completed_on, n.deleted_at)"
)


def _update_function(close_previous: bool) -> str:
    close = f"""
                UPDATE task_versions p SET superseded_at = at
                FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE p.task_id = n.id AND p.superseded_at IS NULL AND p.recorded_at < at
                  AND {CHANGED};""" if close_previous else ""
    return f"""
            CREATE OR REPLACE FUNCTION dondoc_task_version_update() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE
                at timestamptz := coalesce(
                    nullif(current_setting('dondoc.now', true), '')::timestamptz, now());
            BEGIN{close}
                INSERT INTO task_versions (task_id, recorded_at, is_first, {COLUMNS})
                SELECT n.id, at, false, n.lead_agency_id, n.cooperating_agency_ids, n.due_date,
                       n.status, n.completed_on, n.deleted_at
                FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE {CHANGED}
                ON CONFLICT (task_id, recorded_at) DO UPDATE SET
                    lead_agency_id = EXCLUDED.lead_agency_id,
                    cooperating_agency_ids = EXCLUDED.cooperating_agency_ids,
                    due_date = EXCLUDED.due_date, status = EXCLUDED.status,
                    completed_on = EXCLUDED.completed_on, deleted_at = EXCLUDED.deleted_at;
                RETURN NULL;
            END $$
            """


def upgrade() -> None:
    op.add_column(
        'task_versions', sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        """
        UPDATE task_versions v SET superseded_at = n.next_at
        FROM (SELECT task_id, recorded_at,
                     lead(recorded_at) OVER (PARTITION BY task_id ORDER BY recorded_at) AS next_at
              FROM task_versions) n
        WHERE n.task_id = v.task_id AND n.recorded_at = v.recorded_at AND n.next_at IS NOT NULL
        """
    )
    op.create_index(
        'ix_task_versions_superseded',
        'task_versions',
        ['superseded_at'],
        postgresql_where=sa.text('superseded_at IS NOT NULL'),
    )
    op.execute(_update_function(close_previous=True))


def downgrade() -> None:
    op.execute(_update_function(close_previous=False))
    op.drop_index('ix_task_versions_superseded', table_name='task_versions')
    op.drop_column('task_versions', 'superseded_at')
