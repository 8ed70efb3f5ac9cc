"""directives and tasks: directives, tasks, progress reports, extension requests, reminders

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 01:58:19.735036
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('directives',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('content', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('issuer_agency_id', sa.Uuid(), nullable=False),
    sa.Column('signer_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('signer_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('document_number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('meeting', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search', postgresql.TSVECTOR(), sa.Computed("to_tsvector('simple'::regconfig, dondoc_fold(code || ' ' || translate(code, '-', ' ') || ' ' || coalesce(document_number || ' ' || translate(document_number, '/-.', '   '), '') || ' ' || title || ' ' || coalesce(content, '')))", persisted=True), nullable=True),
    sa.CheckConstraint("kind IN ('meeting_conclusion','decision','official_letter','plan','other')", name=op.f('ck_directives_kind')),
    sa.CheckConstraint("status IN ('draft','issued','closed','withdrawn')", name=op.f('ck_directives_status')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_directives_version_positive')),
    sa.ForeignKeyConstraint(['issuer_agency_id'], ['agencies.id'], name=op.f('fk_directives_issuer_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directives')),
    sa.UniqueConstraint('code', name=op.f('uq_directives_code'))
    )
    op.create_index('ix_directives_created_at_id', 'directives', ['created_at', 'id'], unique=False)
    op.create_index('ix_directives_issued_on_id', 'directives', ['issued_on', 'id'], unique=False)
    op.create_index(op.f('ix_directives_issuer_agency_id'), 'directives', ['issuer_agency_id'], unique=False)
    op.create_index('ix_directives_search', 'directives', ['search'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_directives_status'), 'directives', ['status'], unique=False)
    op.create_index('uq_directives_document_number', 'directives', ['issuer_agency_id', 'year', 'document_number'], unique=True, postgresql_where=sa.text('document_number IS NOT NULL AND deleted_at IS NULL'))
    op.create_table('tasks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('expected_output', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('directive_id', sa.Uuid(), nullable=True),
    sa.Column('proposal_id', sa.Uuid(), nullable=True),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('is_key_task', sa.Boolean(), nullable=False),
    sa.Column('pillar', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('priority', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('lead_agency_id', sa.Uuid(), nullable=False),
    sa.Column('cooperating_agency_ids', sa.ARRAY(sa.Uuid()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('assigned_by_agency_id', sa.Uuid(), nullable=True),
    sa.Column('assigned_by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('assigned_by_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('assigned_on', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('original_due_date', sa.Date(), nullable=True),
    sa.Column('recurrence', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('requires_confirmation', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('progress_percent', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search', postgresql.TSVECTOR(), sa.Computed("to_tsvector('simple'::regconfig, dondoc_fold(code || ' ' || translate(code, '-', ' ') || ' ' || title || ' ' || coalesce(description, '')))", persisted=True), nullable=True),
    sa.CheckConstraint("(status IN ('completed','awaiting_confirmation')) = (completed_on IS NOT NULL)", name=op.f('ck_tasks_completed_on_set')),
    sa.CheckConstraint("pillar IS NULL OR pillar IN ('digital_government','digital_economy','digital_society','foundation')", name=op.f('ck_tasks_pillar')),
    sa.CheckConstraint("priority IN ('normal','urgent','flash')", name=op.f('ck_tasks_priority')),
    sa.CheckConstraint("recurrence IN ('none','ongoing')", name=op.f('ck_tasks_recurrence')),
    sa.CheckConstraint("status IN ('new','in_progress','awaiting_confirmation','completed','paused','cancelled')", name=op.f('ck_tasks_status')),
    sa.CheckConstraint('NOT (lead_agency_id = ANY(cooperating_agency_ids))', name=op.f('ck_tasks_lead_not_cooperating')),
    sa.CheckConstraint('due_date IS NULL OR due_date >= assigned_on', name=op.f('ck_tasks_due_after_assigned')),
    sa.CheckConstraint('progress_percent BETWEEN 0 AND 100', name=op.f('ck_tasks_progress_range')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_tasks_version_positive')),
    sa.ForeignKeyConstraint(['assigned_by_agency_id'], ['agencies.id'], name=op.f('fk_tasks_assigned_by_agency_id_agencies')),
    sa.ForeignKeyConstraint(['directive_id'], ['directives.id'], name=op.f('fk_tasks_directive_id_directives')),
    sa.ForeignKeyConstraint(['lead_agency_id'], ['agencies.id'], name=op.f('fk_tasks_lead_agency_id_agencies')),
    sa.ForeignKeyConstraint(['parent_id'], ['tasks.id'], name=op.f('fk_tasks_parent_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    sa.UniqueConstraint('code', name=op.f('uq_tasks_code'))
    )
    op.create_index('ix_tasks_cooperating', 'tasks', ['cooperating_agency_ids'], unique=False, postgresql_using='gin')
    op.create_index('ix_tasks_created_at_id', 'tasks', ['created_at', 'id'], unique=False)
    op.create_index('ix_tasks_directive', 'tasks', ['directive_id'], unique=False)
    op.create_index('ix_tasks_due', 'tasks', [sa.literal_column("coalesce(due_date, DATE '9999-01-01')"), 'id'], unique=False)
    op.create_index('ix_tasks_lead_status_due', 'tasks', ['lead_agency_id', 'status', sa.literal_column("coalesce(due_date, DATE '9999-01-01')"), 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_tasks_parent', 'tasks', ['parent_id'], unique=False)
    op.create_index('ix_tasks_search', 'tasks', ['search'], unique=False, postgresql_using='gin')
    op.create_index('ix_tasks_status_due', 'tasks', ['status', 'due_date'], unique=False)
    op.create_index('ix_tasks_updated_at_id', 'tasks', ['updated_at', 'id'], unique=False)
    op.create_table('task_extension_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('current_due_date', sa.Date(), nullable=False),
    sa.Column('proposed_due_date', sa.Date(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('requested_by_id', sa.Uuid(), nullable=True),
    sa.Column('requested_by_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('approved_due_date', sa.Date(), nullable=True),
    sa.Column('decision_comment', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('decided_by_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending','approved','rejected')", name=op.f('ck_task_extension_requests_status')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_extension_requests_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_extension_requests'))
    )
    op.create_index('ix_task_extension_requests_task', 'task_extension_requests', ['task_id', 'created_at', 'id'], unique=False)
    op.create_index('uq_task_extension_requests_pending', 'task_extension_requests', ['task_id'], unique=True, postgresql_where=sa.text("status = 'pending'"))
    op.create_table('task_progress_reports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('progress_percent', sa.Integer(), nullable=False),
    sa.Column('results', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('difficulties', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('recommendations', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('attachments', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'"), nullable=False),
    sa.Column('reporting_agency_id', sa.Uuid(), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('progress_percent BETWEEN 0 AND 100', name=op.f('ck_task_progress_reports_progress_range')),
    sa.ForeignKeyConstraint(['reporting_agency_id'], ['agencies.id'], name=op.f('fk_task_progress_reports_reporting_agency_id_agencies')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_progress_reports_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_progress_reports'))
    )
    op.create_index('ix_task_progress_reports_task', 'task_progress_reports', ['task_id', 'created_at', 'id'], unique=False)
    op.create_table('task_reminders',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('document_number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('system','document','sms')", name=op.f('ck_task_reminders_channel')),
    sa.CheckConstraint("kind IN ('manual','due_soon','overdue')", name=op.f('ck_task_reminders_kind')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_reminders_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_reminders'))
    )
    op.create_index('ix_task_reminders_task', 'task_reminders', ['task_id', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_task_reminders_task', table_name='task_reminders')
    op.drop_table('task_reminders')
    op.drop_index('ix_task_progress_reports_task', table_name='task_progress_reports')
    op.drop_table('task_progress_reports')
    op.drop_index('uq_task_extension_requests_pending', table_name='task_extension_requests', postgresql_where=sa.text("status = 'pending'"))
    op.drop_index('ix_task_extension_requests_task', table_name='task_extension_requests')
    op.drop_table('task_extension_requests')
    op.drop_index('ix_tasks_updated_at_id', table_name='tasks')
    op.drop_index('ix_tasks_status_due', table_name='tasks')
    op.drop_index('ix_tasks_search', table_name='tasks', postgresql_using='gin')
    op.drop_index('ix_tasks_parent', table_name='tasks')
    op.drop_index('ix_tasks_lead_status_due', table_name='tasks', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_tasks_due', table_name='tasks')
    op.drop_index('ix_tasks_directive', table_name='tasks')
    op.drop_index('ix_tasks_created_at_id', table_name='tasks')
    op.drop_index('ix_tasks_cooperating', table_name='tasks', postgresql_using='gin')
    op.drop_table('tasks')
    op.drop_index('uq_directives_document_number', table_name='directives', postgresql_where=sa.text('document_number IS NOT NULL AND deleted_at IS NULL'))
    op.drop_index(op.f('ix_directives_status'), table_name='directives')
    op.drop_index('ix_directives_search', table_name='directives', postgresql_using='gin')
    op.drop_index(op.f('ix_directives_issuer_agency_id'), table_name='directives')
    op.drop_index('ix_directives_issued_on_id', table_name='directives')
    op.drop_index('ix_directives_created_at_id', table_name='directives')
    op.drop_table('directives')
