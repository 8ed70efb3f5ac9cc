"""report_snapshots: frozen figures (chốt số liệu)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'report_snapshots',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('figures', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('supersedes_id', sa.Uuid(), nullable=True),
        sa.Column('created_by_id', sa.Uuid(), nullable=True),
        sa.Column('created_by_name', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['supersedes_id'],
            ['report_snapshots.id'],
            name=op.f('fk_report_snapshots_supersedes_id_report_snapshots'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshots')),
    )
    op.create_index('ix_report_snapshots_created', 'report_snapshots', ['created_at', 'id'])
    # One successor at most: a snapshot is superseded once.
    op.create_index(
        'uq_report_snapshots_supersedes', 'report_snapshots', ['supersedes_id'], unique=True
    )


def downgrade() -> None:
    op.drop_index('uq_report_snapshots_supersedes', table_name='report_snapshots')
    op.drop_index('ix_report_snapshots_created', table_name='report_snapshots')
    op.drop_table('report_snapshots')
