"""task_versions: what each task was at every moment, for reports as of a day

Written by a trigger in the change's own transaction, at the transaction's time — or at the
time the service's clock names (`dondoc.now`, set when a clock stands still: tests, and the demo
replaying its year). Only the fields a report judges by are kept.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "lead_agency_id, cooperating_agency_ids, due_date, status, completed_on, deleted_at"
)


def upgrade() -> None:
    op.create_table(
        'task_versions',
        sa.Column('task_id', sa.Uuid(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('is_first', sa.Boolean(), nullable=False),
        sa.Column('lead_agency_id', sa.Uuid(), nullable=False),
        sa.Column('cooperating_agency_ids', postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=30), nullable=False),
        sa.Column('completed_on', sa.Date(), nullable=True),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('task_id', 'recorded_at', name=op.f('pk_task_versions')),
        # Tasks are never removed by the service (soft delete); a removal by hand takes their
        # versions with it.
        sa.ForeignKeyConstraint(
            ['task_id'],
            ['tasks.id'],
            name=op.f('fk_task_versions_task_id_tasks'),
            ondelete='CASCADE',
        ),
    )
    # The tasks changed since a moment (not counting their creation): what a past report must
    # look up; usually few.
    op.create_index(
        'ix_task_versions_changes',
        'task_versions',
        ['recorded_at', 'task_id'],
        postgresql_where=sa.text('NOT is_first'),
    )
    # Statement-level, over the transition tables: one INSERT … SELECT per statement, however
    # many rows it touched (a bulk load costs one statement, not one call per row).
    for event, source, changed in (
        ("INSERT", "new_rows n", "true"),
        (
            "UPDATE",
            "new_rows n JOIN old_rows o ON o.id = n.id",
            f"(o.lead_agency_id, o.cooperating_agency_ids, o.due_date, o.status, "
            f"o.completed_on, o.deleted_at) IS DISTINCT FROM (n.lead_agency_id, "
            f"n.cooperating_agency_ids, n.due_date, n.status, n.completed_on, n.deleted_at)",
        ),
    ):
        op.execute(
            f"""
            CREATE FUNCTION dondoc_task_version_{event.lower()}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO task_versions (task_id, recorded_at, is_first, {COLUMNS})
                SELECT n.id, coalesce(nullif(current_setting('dondoc.now', true), '')::timestamptz,
                                      now()),
                       {"true" if event == "INSERT" else "false"}, n.lead_agency_id,
                       n.cooperating_agency_ids, n.due_date, n.status, n.completed_on,
                       n.deleted_at
                FROM {source}
                WHERE {changed}
                ON CONFLICT (task_id, recorded_at) DO UPDATE SET
                    lead_agency_id = EXCLUDED.lead_agency_id,
                    cooperating_agency_ids = EXCLUDED.cooperating_agency_ids,
                    due_date = EXCLUDED.due_date, status = EXCLUDED.status,
                    completed_on = EXCLUDED.completed_on, deleted_at = EXCLUDED.deleted_at;
                RETURN NULL;
            END $$
            """
        )
        referencing = "NEW TABLE AS new_rows" + (
            " OLD TABLE AS old_rows" if event == "UPDATE" else ""
        )
        op.execute(
            f"""
            CREATE TRIGGER tasks_version_{event.lower()} AFTER {event} ON tasks
            REFERENCING {referencing}
            FOR EACH STATEMENT EXECUTE FUNCTION dondoc_task_version_{event.lower()}()
            """
        )
    # Tasks already here: as they stand, from their creation; then, for those whose history
    # records changes of these fields, each earlier state rebuilt by walking the history back.
    op.execute(
        f"""
        INSERT INTO task_versions (task_id, recorded_at, is_first, {COLUMNS})
        SELECT id, created_at, true, {COLUMNS} FROM tasks
        """
    )
    _rebuild_from_history(op.get_bind())


FIELDS = COLUMNS.split(", ")


def _rebuild_from_history(bind: sa.engine.Connection) -> None:
    entries = bind.execute(
        sa.text(
            """
            SELECT h.resource_id, h.occurred_at, h.changes FROM history h
            WHERE h.resource_type = 'task' AND h.action <> 'created'
              AND h.changes ?| CAST(:fields AS text[])
            ORDER BY h.resource_id, h.occurred_at DESC, h.id DESC
            """
        ),
        {"fields": FIELDS},
    ).all()
    by_task: dict[object, list[object]] = {}
    for entry in entries:
        by_task.setdefault(entry.resource_id, []).append(entry)
    for task_id, newest_first in by_task.items():
        row = bind.execute(
            sa.text(
                "SELECT created_at, lead_agency_id::text, cooperating_agency_ids::text[],"
                " due_date::text, status, completed_on::text, deleted_at::text"
                " FROM tasks WHERE id = :id"
            ),
            {"id": task_id},
        ).one()
        state = dict(zip(FIELDS, row[1:], strict=True))
        for entry in newest_first:
            _version(bind, task_id, entry.occurred_at, False, state)
            for name, change in entry.changes.items():
                if name in state:
                    state[name] = change.get("old")
        _version(bind, task_id, row.created_at, True, state)


def _version(
    bind: sa.engine.Connection, task_id: object, at: object, first: bool, state: dict
) -> None:
    bind.execute(
        sa.text(
            """
            INSERT INTO task_versions (task_id, recorded_at, is_first, lead_agency_id,
                cooperating_agency_ids, due_date, status, completed_on, deleted_at)
            VALUES (:id, :at, :first, CAST(CAST(:lead_agency_id AS text) AS uuid),
                CAST(CAST(:cooperating_agency_ids AS text[]) AS uuid[]),
                CAST(CAST(:due_date AS text) AS date), :status,
                CAST(CAST(:completed_on AS text) AS date),
                CAST(CAST(:deleted_at AS text) AS timestamptz))
            ON CONFLICT (task_id, recorded_at) DO UPDATE SET
                is_first = EXCLUDED.is_first, lead_agency_id = EXCLUDED.lead_agency_id,
                cooperating_agency_ids = EXCLUDED.cooperating_agency_ids,
                due_date = EXCLUDED.due_date, status = EXCLUDED.status,
                completed_on = EXCLUDED.completed_on, deleted_at = EXCLUDED.deleted_at
            """
        ),
        {"id": task_id, "at": at, "first": first, **state},
    )


def downgrade() -> None:
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER tasks_version_{event} ON tasks")
        op.execute(f"DROP FUNCTION dondoc_task_version_{event}()")
    op.drop_index('ix_task_versions_changes', table_name='task_versions')
    op.drop_table('task_versions')
