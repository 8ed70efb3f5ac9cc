"""Attachments: documents attached to directives, tasks, proposals, budget requests and their
progress reports, stored by content (SHA-256) outside the database

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'attachments',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('resource_type', sa.String(30), nullable=False),
        sa.Column('resource_id', sa.Uuid(), nullable=False),
        sa.Column('record_type', sa.String(30), nullable=True),
        sa.Column('record_id', sa.Uuid(), nullable=True),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('size_bytes', sa.BigInteger(), nullable=False),
        sa.Column('media_type', sa.String(100), nullable=False),
        sa.Column('file_name', sa.String(255), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('document_number', sa.String(100), nullable=True),
        sa.Column('document_date', sa.Date(), nullable=True),
        sa.Column('uploaded_by_id', sa.Uuid(), nullable=True),
        sa.Column('uploaded_by_name', sa.String(300), nullable=True),
        sa.Column('uploaded_by_role', sa.String(20), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "resource_type IN ('directive','task','proposal','budget_request')",
            name=op.f('ck_attachments_resource_type'),
        ),
        sa.CheckConstraint(
            "record_type IS NULL OR record_type IN ('progress_report','extension_request',"
            "'disbursement','deadline_extension')",
            name=op.f('ck_attachments_record_type'),
        ),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f('ck_attachments_sha256')),
        sa.CheckConstraint('size_bytes > 0', name=op.f('ck_attachments_size_positive')),
        sa.CheckConstraint('version >= 1', name=op.f('ck_attachments_version_positive')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    )
    op.create_index('ix_attachments_resource', 'attachments',
                    ['resource_type', 'resource_id', 'created_at', 'id'])
    op.create_index('ix_attachments_record', 'attachments', ['record_id'],
                    postgresql_where=sa.text('record_id IS NOT NULL'))
    op.create_index('ix_attachments_sha256', 'attachments', ['sha256'])
    # A frozen report may cite its documents (the signed report, the minutes).
    op.add_column('report_snapshots', sa.Column(
        'attachment_ids', postgresql.ARRAY(sa.Uuid()), nullable=False,
        server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column('report_snapshots', 'attachment_ids')
    op.drop_table('attachments')
