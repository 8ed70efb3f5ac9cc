"""agency_versions: an agency's name, short name, parent, status and successor over time, so
that what is shown as of a day names the agency as it was that day

Existing agencies are rebuilt from their history: every recorded change of name, short name,
parent, status or successor starts a version on its day (in DONDOC_TIMEZONE; a succession on
its effective day, the day after the `valid_to` it set); the first version holds the values
before the first change.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 10:30:00.000000
"""

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.core.config import get_settings

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED = ('name', 'short_name', 'parent_id', 'status', 'successor_id')


def upgrade() -> None:
    op.create_table(
        'agency_versions',
        sa.Column('id', sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column('agency_id', sa.Uuid(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('name', sa.String(500), nullable=False),
        sa.Column('short_name', sa.String(100), nullable=True),
        sa.Column('parent_id', sa.Uuid(), nullable=True),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('successor_id', sa.Uuid(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ondelete='CASCADE',
                                name=op.f('fk_agency_versions_agency_id_agencies')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_versions')),
        sa.UniqueConstraint('agency_id', 'valid_from', name='uq_agency_versions_day'),
    )
    op.create_index('uq_agency_versions_first', 'agency_versions', ['agency_id'], unique=True,
                    postgresql_where=sa.text('valid_from IS NULL'))
    _rebuild(op.get_bind())


def _rebuild(bind: Any) -> None:
    tz = get_settings().timezone
    agencies = bind.execute(sa.text(
        'SELECT id, name, short_name, parent_id, status, successor_id, created_at FROM agencies'
    )).mappings().all()
    entries = bind.execute(sa.text(
        "SELECT resource_id, action, changes, occurred_at,"
        " (occurred_at AT TIME ZONE :tz)::date AS day FROM history"
        " WHERE resource_type = 'agency' AND action IN ('updated', 'succession')"
        " ORDER BY occurred_at DESC, id DESC"
    ), {'tz': tz}).mappings().all()
    by_agency: dict[Any, list[Any]] = {}
    for entry in entries:
        by_agency.setdefault(entry['resource_id'], []).append(entry)
    rows = []
    for agency in agencies:
        rows += _versions(dict(agency), by_agency.get(agency['id'], []))
    if rows:
        bind.execute(sa.text(
            'INSERT INTO agency_versions (agency_id, valid_from, name, short_name, parent_id,'
            ' status, successor_id, recorded_at) VALUES (:agency_id, :valid_from, :name,'
            ' :short_name, :parent_id, :status, :successor_id, :recorded_at)'
        ), rows)


def _versions(state: dict[str, Any], entries: list[Any]) -> list[dict[str, Any]]:
    """Walk the agency's changes newest first, undoing each: every change's day starts a
    version holding the state after it; what is left is the first version."""
    found: dict[date, dict[str, Any]] = {}
    for entry in entries:
        changes = {k: v for k, v in (entry['changes'] or {}).items() if k in VERSIONED}
        if not changes:
            continue
        day = entry['day']
        valid_to = (entry['changes'] or {}).get('valid_to', {}).get('new')
        if entry['action'] == 'succession' and valid_to:
            day = date.fromisoformat(valid_to) + timedelta(days=1)
        # The newest change of a day gives that day's state (walking newest first: keep it).
        found.setdefault(day, {**state, 'valid_from': day, 'recorded_at': entry['occurred_at']})
        for name, change in changes.items():
            old = change.get('old') if isinstance(change, dict) else None
            state[name] = uuid.UUID(old) if old and name.endswith('_id') else old
    first = {**state, 'valid_from': None, 'recorded_at': state['created_at']}
    rows = [first, *found.values()]
    return [
        {
            'agency_id': state['id'],
            'valid_from': row['valid_from'],
            'recorded_at': row['recorded_at'],
            **{name: row[name] for name in VERSIONED},
            'status': row['status'] or 'active',
        }
        for row in rows
    ]


def downgrade() -> None:
    op.drop_index('uq_agency_versions_first', table_name='agency_versions')
    op.drop_table('agency_versions')
