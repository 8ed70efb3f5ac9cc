"""Migrations 0008, 0009 and 0011 on a database that already holds tasks: each task's earlier
states are rebuilt from its history (and each knows when it was superseded), so reports as of a
past day see them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from alembic import command
from sqlalchemy import make_url

from app.db.migrate import alembic_config
from tests.conftest import _asyncpg_args, server_url


async def _run(url: str, *statements: tuple[str, tuple[object, ...]]) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(**_asyncpg_args(url))
    try:
        found: list[asyncpg.Record] = []
        for sql, args in statements:
            found = await conn.fetch(sql, *args)
        return found
    finally:
        await conn.close()


@contextmanager
def _database_at(revision: str) -> Iterator[str]:
    """A database of its own, migrated up to `revision`; dropped afterwards."""
    server = server_url()
    name = f"dondoc_migrate_{uuid.uuid4().hex[:10]}"
    asyncio.run(_run(server, (f'CREATE DATABASE "{name}"', ())))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        command.upgrade(alembic_config(url), revision)
        yield url
    finally:
        asyncio.run(_run(server, (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', ())))


def _agency_and_task(
    agency: uuid.UUID, task: uuid.UUID, original_due: str, status: str, created: str, updated: str
) -> tuple[tuple[str, tuple[object, ...]], ...]:
    """An agency and a task of it (due 2024-12-31, first due `original_due`), as rows were
    written before the migration under test."""
    return (
        (
            "INSERT INTO agencies (id, code, name, kind, status, version, created_at,"
            " updated_at) VALUES ($1, 'A1', 'Sở', 'department', 'active', 1, now(), now())",
            (agency,),
        ),
        (
            "INSERT INTO tasks (id, code, title, year, lead_agency_id, assigned_on,"
            " due_date, original_due_date, status, progress_percent, priority, recurrence,"
            " requires_confirmation, is_key_task, version, created_at, updated_at)"
            " VALUES ($1, 'NV-1', 'x', 2024, $2, '2024-01-02', '2024-12-31', $3::text::date,"
            " $4, 0, 'normal', 'none', true, false, 3, $5::text::timestamptz, $6::text::timestamptz)",
            (task, agency, original_due, status, created, updated),
        ),
    )


def test_versions_are_rebuilt_from_history() -> None:
    with _database_at("0008") as url:
        agency, task = uuid.uuid4(), uuid.uuid4()
        asyncio.run(
            _run(
                url,
                *_agency_and_task(
                    agency,
                    task,
                    "2024-06-30",
                    "in_progress",
                    "2024-01-02T03:00Z",
                    "2024-09-01T03:00Z",
                ),
                (
                    "INSERT INTO history (id, resource_type, resource_id, action, actor_role,"
                    " changes, occurred_at) VALUES"
                    " (gen_random_uuid(), 'task', $1, 'start', 'office',"
                    ' \'{"status": {"old": "new", "new": "in_progress"}}\','
                    " '2024-02-01T03:00Z'),"
                    " (gen_random_uuid(), 'task', $1, 'extension_decided', 'leader',"
                    ' \'{"due_date": {"old": "2024-06-30", "new": "2024-12-31"}}\','
                    " '2024-09-01T03:00Z')",
                    (task,),
                ),
            )
        )
        command.upgrade(alembic_config(url), "head")
        versions = asyncio.run(
            _run(
                url,
                (
                    "SELECT recorded_at::date AS day, is_first, status, due_date::text AS due,"
                    " superseded_at::date::text AS superseded"
                    " FROM task_versions WHERE task_id = $1 ORDER BY recorded_at",
                    (task,),
                ),
            )
        )
        assert [(str(v["day"]), v["is_first"], v["status"], v["due"]) for v in versions] == [
            ("2024-01-02", True, "new", "2024-06-30"),
            ("2024-02-01", False, "in_progress", "2024-06-30"),
            ("2024-09-01", False, "in_progress", "2024-12-31"),
        ]
        # Migration 0011: each version knows when the next replaced it.
        assert [v["superseded"] for v in versions] == ["2024-02-01", "2024-09-01", None]


def test_deadline_changes_are_backfilled() -> None:
    # Migration 0008 on a database from before it: an approved extension and a deadline moved
    # by an edit become rows of task_deadline_changes; the task has had activity.
    with _database_at("0007") as url:
        agency, task, request = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        asyncio.run(
            _run(
                url,
                *_agency_and_task(agency, task, "2024-03-31", "new", "now", "now"),
                (
                    "INSERT INTO task_extension_requests (id, task_id, current_due_date,"
                    " proposed_due_date, reason, status, approved_due_date, decided_by_name,"
                    " decided_at, created_at) VALUES ($1, $2, '2024-06-30', '2024-12-31', 'vốn',"
                    " 'approved', '2024-12-31', 'Chủ tịch', '2024-07-05T03:00Z',"
                    " '2024-07-02T03:00Z')",
                    (request, task),
                ),
                (
                    "INSERT INTO history (id, resource_type, resource_id, action, actor_role,"
                    " changes, occurred_at) VALUES (gen_random_uuid(), 'task', $1, 'updated',"
                    ' \'office\', \'{"due_date": {"old": "2024-03-31", "new": "2024-06-30"}}\','
                    " '2024-03-10T03:00Z')",
                    (task,),
                ),
            )
        )
        command.upgrade(alembic_config(url), "head")
        rows = asyncio.run(
            _run(
                url,
                (
                    "SELECT kind, old_due_date::text AS old, new_due_date::text AS new,"
                    " after_deadline, extension_request_id, decided_on::text AS decided"
                    " FROM task_deadline_changes WHERE task_id = $1 ORDER BY created_at",
                    (task,),
                ),
            )
        )
        assert [tuple(r) for r in rows] == [
            ("adjustment", "2024-03-31", "2024-06-30", False, None, "2024-03-10"),
            ("extension", "2024-06-30", "2024-12-31", True, request, "2024-07-05"),
        ]
        activity = asyncio.run(_run(url, ("SELECT has_activity FROM tasks WHERE id = $1", (task,))))
        assert activity[0]["has_activity"] is True


def test_agency_versions_are_rebuilt_from_history() -> None:
    # Migration 0015 on a database from before it: a rename and a succession recorded in the
    # agency's history become its versions, each from its day (the succession from its effective
    # day), the first holding the name before the rename.
    with _database_at("0014") as url:
        old, new = uuid.uuid4(), uuid.uuid4()
        insert = (
            "INSERT INTO agencies (id, code, name, kind, status, successor_id, valid_to, version,"
            " created_at, updated_at) VALUES ($1, $2, $3, 'department', $4, $5, $6::text::date,"
            " 3, '2023-01-02T03:00Z', now())"
        )
        asyncio.run(
            _run(
                url,
                (insert, (new, "B1", "Sở Khoa học và Công nghệ", "active", None, None)),
                (insert, (old, "A1", "Sở TT&TT", "merged", new, "2025-02-28")),
                (
                    "INSERT INTO history (id, resource_type, resource_id, action, changes,"
                    " occurred_at) VALUES"
                    " (gen_random_uuid(), 'agency', $1, 'updated',"
                    ' \'{"name": {"old": "Sở Thông tin và Truyền thông", "new": "Sở TT&TT"}}\','
                    # 23:30 UTC on 31 May is 1 June in the province.
                    " '2024-05-31T23:30Z'),"
                    " (gen_random_uuid(), 'agency', $1, 'succession',"
                    ' jsonb_build_object(\'status\', \'{"old": "active", "new": "merged"}\'::jsonb,'
                    " 'successor_id', jsonb_build_object('old', null, 'new', $2::text),"
                    ' \'valid_to\', \'{"old": null, "new": "2025-02-28"}\'::jsonb),'
                    " '2026-11-30T03:00Z')",
                    (old, str(new)),
                ),
            )
        )
        command.upgrade(alembic_config(url), "head")
        versions = asyncio.run(
            _run(
                url,
                (
                    "SELECT valid_from::text AS day, name, status, successor_id"
                    " FROM agency_versions WHERE agency_id = $1"
                    " ORDER BY valid_from NULLS FIRST",
                    (old,),
                ),
            )
        )
        assert [(v["day"], v["name"], v["status"], v["successor_id"]) for v in versions] == [
            (None, "Sở Thông tin và Truyền thông", "active", None),
            ("2024-06-01", "Sở TT&TT", "active", None),
            ("2025-03-01", "Sở TT&TT", "merged", new),
        ]


def test_the_days_a_judgement_needs_are_backfilled() -> None:
    # Migration 0016 on a database from before it: a task paused twice (resumed between), one
    # cancelled late in the evening (the next day in the province), one whose deadline moved
    # after it had passed — from their versions and deadline changes.
    with _database_at("0015") as url:
        agency, paused, cancelled = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

        def at(
            moment: str, task: uuid.UUID, status: str
        ) -> tuple[tuple[str, tuple[object, ...]], ...]:
            return (
                ("SELECT set_config('dondoc.now', $1, false)", (moment,)),
                ("UPDATE tasks SET status = $2 WHERE id = $1", (task, status)),
            )

        second = _agency_and_task(agency, cancelled, "2024-12-31", "new", "2024-01-02", "now")[1]
        asyncio.run(
            _run(
                url,
                ("SELECT set_config('dondoc.now', '2024-01-02T03:00Z', false)", ()),
                *_agency_and_task(agency, paused, "2024-03-31", "new", "2024-01-02", "now"),
                (second[0].replace("'NV-1'", "'NV-2'"), second[1]),
                *at("2024-02-01T03:00Z", paused, "in_progress"),
                *at("2024-03-05T03:00Z", paused, "paused"),
                *at("2024-04-01T03:00Z", paused, "in_progress"),
                *at("2024-05-10T03:00Z", paused, "paused"),
                *at("2024-06-20T20:00Z", cancelled, "cancelled"),
                (
                    "INSERT INTO task_deadline_changes (id, task_id, kind, old_due_date,"
                    " new_due_date, after_deadline, decided_on, created_at) VALUES"
                    " (gen_random_uuid(), $1, 'extension', '2024-03-31', '2024-12-31', true,"
                    " '2024-04-10', '2024-04-10T03:00Z')",
                    (paused,),
                ),
            )
        )
        command.upgrade(alembic_config(url), "head")
        tasks = asyncio.run(
            _run(
                url,
                (
                    "SELECT code, paused_on::text AS p, cancelled_on::text AS c,"
                    " missed_due_date::text AS m FROM tasks ORDER BY code",
                    (),
                ),
            )
        )
        assert [tuple(r) for r in tasks] == [
            ("NV-1", "2024-05-10", None, "2024-03-31"),
            ("NV-2", None, "2024-06-21", None),
        ]
        versions = asyncio.run(
            _run(
                url,
                (
                    "SELECT status, paused_on::text AS p, missed_due_date::text AS m"
                    " FROM task_versions WHERE task_id = $1 ORDER BY recorded_at",
                    (paused,),
                ),
            )
        )
        assert [tuple(r) for r in versions] == [
            ("new", None, None),
            ("in_progress", None, None),
            ("paused", "2024-03-05", None),
            ("in_progress", None, None),
            ("paused", "2024-05-10", "2024-03-31"),
        ]
        # From now on the trigger keeps them: a resume is a version without a pause day.
        asyncio.run(
            _run(
                url,
                ("SELECT set_config('dondoc.now', '2024-07-01T03:00Z', false)", ()),
                (
                    "UPDATE tasks SET status = 'in_progress', paused_on = NULL WHERE id = $1",
                    (paused,),
                ),
            )
        )
        latest = asyncio.run(
            _run(
                url,
                (
                    "SELECT status, paused_on, missed_due_date::text AS m FROM task_versions"
                    " WHERE task_id = $1 ORDER BY recorded_at DESC LIMIT 1",
                    (paused,),
                ),
            )
        )
        assert tuple(latest[0]) == ("in_progress", None, "2024-03-31")
