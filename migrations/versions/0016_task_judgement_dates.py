"""tasks: the days a judgement needs — paused_on, cancelled_on, missed_due_date — kept in the
task's versions too

`paused_on`: the day a paused task was paused (its days overdue stop there; cleared when it
resumes). `cancelled_on`: the day it was cancelled (a period report counts it cancelled in that
period). `missed_due_date`: the deadline that had already passed when its extension was asked
or its deadline was changed (a completion is judged late against it). Existing tasks take them
from their versions (the day, in DONDOC_TIMEZONE, the status was entered) and from their
deadline changes decided after the deadline.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.config import get_settings

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "lead_agency_id",
    "cooperating_agency_ids",
    "due_date",
    "status",
    "completed_on",
    "deleted_at",
)
ADDED = ("paused_on", "cancelled_on", "missed_due_date")


def _functions(columns: Sequence[str]) -> list[str]:
    """The version triggers (migrations 0009 and 0011) over `columns`."""
    listed = ", ".join(columns)
    new = ", ".join(f"n.{c}" for c in columns)
    changed = f"({', '.join(f'o.{c}' for c in columns)}) IS DISTINCT FROM ({new})"
    assign = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
    now = "coalesce(nullif(current_setting('dondoc.now', true), '')::timestamptz, now())"
    return [
        f"""
        CREATE OR REPLACE FUNCTION dondoc_task_version_insert() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO task_versions (task_id, recorded_at, is_first, {listed})
            SELECT n.id, {now}, true, {new} FROM new_rows n
            ON CONFLICT (task_id, recorded_at) DO UPDATE SET {assign};
            RETURN NULL;
        END $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION dondoc_task_version_update() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            at timestamptz := {now};
        BEGIN
            UPDATE task_versions p SET superseded_at = at
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE p.task_id = n.id AND p.superseded_at IS NULL AND p.recorded_at < at
              AND {changed};
            INSERT INTO task_versions (task_id, recorded_at, is_first, {listed})
            SELECT n.id, at, false, {new}
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE {changed}
            ON CONFLICT (task_id, recorded_at) DO UPDATE SET {assign};
            RETURN NULL;
        END $$
        """,
    ]


def _entered(status: str, alias: str, moment: str) -> str:
    """The day (in the province) the task last entered `status` by `moment`: its first version
    with that status after the last version without it."""
    return f"""
        SELECT min((v.recorded_at AT TIME ZONE :tz)::date) FROM task_versions v
        WHERE v.task_id = {alias} AND v.status = '{status}' AND v.recorded_at <= {moment}
          AND v.recorded_at > coalesce(
              (SELECT max(w.recorded_at) FROM task_versions w
               WHERE w.task_id = {alias} AND w.status <> '{status}' AND w.recorded_at <= {moment}),
              '-infinity')
    """


def upgrade() -> None:
    for name in ADDED:
        op.add_column("tasks", sa.Column(name, sa.Date(), nullable=True))
        op.add_column("task_versions", sa.Column(name, sa.Date(), nullable=True))
    bind = op.get_bind()
    tz = {"tz": get_settings().timezone}
    # The trigger is not yet over the new columns: these updates write no versions.
    for status, column in (("paused", "paused_on"), ("cancelled", "cancelled_on")):
        bind.execute(
            sa.text(
                f"""
                UPDATE tasks t SET {column} = coalesce(
                    ({_entered(status, "t.id", "'infinity'")}),
                    (t.updated_at AT TIME ZONE :tz)::date)
                WHERE t.status = '{status}'
                """
            ),
            tz,
        )
        # Each version with that status: the day its run of such versions began.
        bind.execute(
            sa.text(
                f"""
                UPDATE task_versions x SET {column} = ({_entered(status, "x.task_id", "x.recorded_at")})
                WHERE x.status = '{status}'
                """
            ),
            tz,
        )
    # The first deadline missed: the old deadline of the first change decided after it.
    missed = """
        SELECT DISTINCT ON (task_id) task_id, old_due_date, created_at FROM task_deadline_changes
        WHERE after_deadline AND old_due_date IS NOT NULL ORDER BY task_id, created_at, id
    """
    op.execute(
        f"""
        UPDATE tasks t SET missed_due_date = m.old_due_date FROM ({missed}) m
        WHERE m.task_id = t.id
        """
    )
    # Each version recorded since that change keeps the deadline missed.
    op.execute(
        f"""
        UPDATE task_versions v SET missed_due_date = m.old_due_date FROM ({missed}) m
        WHERE m.task_id = v.task_id AND v.recorded_at >= m.created_at
        """
    )
    for statement in _functions((*BEFORE, *ADDED)):
        op.execute(statement)
    for status, column in (("paused", "paused_on"), ("cancelled", "cancelled_on")):
        op.create_check_constraint(
            op.f(f"ck_tasks_{column}_set"),
            "tasks",
            f"(status = '{status}') = ({column} IS NOT NULL)",
        )


def downgrade() -> None:
    for column in ("cancelled_on", "paused_on"):
        op.drop_constraint(op.f(f"ck_tasks_{column}_set"), "tasks")
    for statement in _functions(BEFORE):
        op.execute(statement)
    for name in ADDED:
        op.drop_column("task_versions", name)
        op.drop_column("tasks", name)
