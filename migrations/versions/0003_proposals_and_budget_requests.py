"""proposals and budget requests: proposals, budget requests, disbursements, deadline extensions; tasks link to proposals

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 02:50:53.632627
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('proposals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('content', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('submitting_agency_id', sa.Uuid(), nullable=False),
    sa.Column('addressed_to_agency_id', sa.Uuid(), nullable=True),
    sa.Column('directive_id', sa.Uuid(), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('response_due_date', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('resolution', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('handler_agency_ids', postgresql.ARRAY(sa.Uuid()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search', postgresql.TSVECTOR(), sa.Computed("to_tsvector('simple'::regconfig, dondoc_fold(code || ' ' || translate(code, '-', ' ') || ' ' || title || ' ' || coalesce(content, '')))", persisted=True), nullable=True),
    sa.CheckConstraint("(status = 'resolved') = (resolution IS NOT NULL)", name=op.f('ck_proposals_resolved_has_resolution')),
    sa.CheckConstraint("category IN ('direction','policy_approval','funding','deadline_extension','personnel_training','other')", name=op.f('ck_proposals_category')),
    sa.CheckConstraint("resolution IS NULL OR resolution IN ('accepted','partially_accepted','rejected','referred')", name=op.f('ck_proposals_resolution')),
    sa.CheckConstraint("status IN ('draft','submitted','under_review','resolved','withdrawn')", name=op.f('ck_proposals_status')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_proposals_version_positive')),
    sa.ForeignKeyConstraint(['addressed_to_agency_id'], ['agencies.id'], name=op.f('fk_proposals_addressed_to_agency_id_agencies')),
    sa.ForeignKeyConstraint(['directive_id'], ['directives.id'], name=op.f('fk_proposals_directive_id_directives')),
    sa.ForeignKeyConstraint(['submitting_agency_id'], ['agencies.id'], name=op.f('fk_proposals_submitting_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('code', name=op.f('uq_proposals_code'))
    )
    op.create_index('ix_proposals_created_at_id', 'proposals', ['created_at', 'id'], unique=False)
    op.create_index('ix_proposals_directive', 'proposals', ['directive_id'], unique=False)
    op.create_index('ix_proposals_search', 'proposals', ['search'], unique=False, postgresql_using='gin')
    op.create_index('ix_proposals_submitting', 'proposals', ['submitting_agency_id'], unique=False)
    op.create_table('budget_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('requesting_agency_id', sa.Uuid(), nullable=False),
    sa.Column('proposal_id', sa.Uuid(), nullable=True),
    sa.Column('project_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('expenditure_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('funding_source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('amount_requested_vnd', sa.BigInteger(), nullable=False),
    sa.Column('amount_recommended_vnd', sa.BigInteger(), nullable=True),
    sa.Column('amount_approved_vnd', sa.BigInteger(), nullable=True),
    sa.Column('disbursed_vnd', sa.BigInteger(), nullable=False),
    sa.Column('justification', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('appraisal', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('decision', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('disbursement_deadline', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search', postgresql.TSVECTOR(), sa.Computed("to_tsvector('simple'::regconfig, dondoc_fold(code || ' ' || translate(code, '-', ' ') || ' ' || title || ' ' || coalesce(project_name, '') || ' ' || coalesce(justification, '')))", persisted=True), nullable=True),
    sa.CheckConstraint("expenditure_type IN ('investment','recurrent')", name=op.f('ck_budget_requests_expenditure_type')),
    sa.CheckConstraint("funding_source IN ('central','provincial','other')", name=op.f('ck_budget_requests_funding_source')),
    sa.CheckConstraint("purpose IN ('capital_shortfall','expert_hiring','training','operations','equipment','other')", name=op.f('ck_budget_requests_purpose')),
    sa.CheckConstraint("status IN ('draft','submitted','under_appraisal','appraised','approved','rejected','returned','closed')", name=op.f('ck_budget_requests_status')),
    sa.CheckConstraint('amount_approved_vnd IS NULL OR amount_approved_vnd BETWEEN 0 AND amount_requested_vnd', name=op.f('ck_budget_requests_approved_range')),
    sa.CheckConstraint('amount_recommended_vnd IS NULL OR amount_recommended_vnd BETWEEN 0 AND 1000000000000000', name=op.f('ck_budget_requests_recommended_range')),
    sa.CheckConstraint('amount_requested_vnd BETWEEN 0 AND 1000000000000000', name=op.f('ck_budget_requests_requested_range')),
    sa.CheckConstraint('disbursed_vnd >= 0 AND disbursed_vnd <= coalesce(amount_approved_vnd, 0)', name=op.f('ck_budget_requests_disbursed_within_approved')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_budget_requests_version_positive')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_budget_requests_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['requesting_agency_id'], ['agencies.id'], name=op.f('fk_budget_requests_requesting_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_requests')),
    sa.UniqueConstraint('code', name=op.f('uq_budget_requests_code'))
    )
    op.create_index('ix_budget_requests_agency', 'budget_requests', ['requesting_agency_id'], unique=False)
    op.create_index('ix_budget_requests_created_at_id', 'budget_requests', ['created_at', 'id'], unique=False)
    op.create_index('ix_budget_requests_fiscal_year', 'budget_requests', ['fiscal_year'], unique=False)
    op.create_index('ix_budget_requests_proposal', 'budget_requests', ['proposal_id'], unique=False)
    op.create_index('ix_budget_requests_search', 'budget_requests', ['search'], unique=False, postgresql_using='gin')
    op.create_table('budget_deadline_extensions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('budget_request_id', sa.Uuid(), nullable=False),
    sa.Column('previous_deadline', sa.Date(), nullable=True),
    sa.Column('new_deadline', sa.Date(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('decision_number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['budget_request_id'], ['budget_requests.id'], name=op.f('fk_budget_deadline_extensions_budget_request_id_budget_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_deadline_extensions'))
    )
    op.create_index('ix_budget_deadline_extensions_request', 'budget_deadline_extensions', ['budget_request_id', 'created_at', 'id'], unique=False)
    op.create_table('disbursements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('budget_request_id', sa.Uuid(), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('disbursed_on', sa.Date(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_vnd > 0 AND amount_vnd <= 1000000000000000', name=op.f('ck_disbursements_amount_range')),
    sa.ForeignKeyConstraint(['budget_request_id'], ['budget_requests.id'], name=op.f('fk_disbursements_budget_request_id_budget_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disbursements'))
    )
    op.create_index('ix_disbursements_request', 'disbursements', ['budget_request_id', 'created_at', 'id'], unique=False)
    op.create_index('ix_tasks_proposal', 'tasks', ['proposal_id'], unique=False)
    op.create_foreign_key(op.f('fk_tasks_proposal_id_proposals'), 'tasks', 'proposals', ['proposal_id'], ['id'])


def downgrade() -> None:
    op.drop_constraint(op.f('fk_tasks_proposal_id_proposals'), 'tasks', type_='foreignkey')
    op.drop_index('ix_tasks_proposal', table_name='tasks')
    op.drop_index('ix_disbursements_request', table_name='disbursements')
    op.drop_table('disbursements')
    op.drop_index('ix_budget_deadline_extensions_request', table_name='budget_deadline_extensions')
    op.drop_table('budget_deadline_extensions')
    op.drop_index('ix_budget_requests_search', table_name='budget_requests', postgresql_using='gin')
    op.drop_index('ix_budget_requests_proposal', table_name='budget_requests')
    op.drop_index('ix_budget_requests_fiscal_year', table_name='budget_requests')
    op.drop_index('ix_budget_requests_created_at_id', table_name='budget_requests')
    op.drop_index('ix_budget_requests_agency', table_name='budget_requests')
    op.drop_table('budget_requests')
    op.drop_index('ix_proposals_submitting', table_name='proposals')
    op.drop_index('ix_proposals_search', table_name='proposals', postgresql_using='gin')
    op.drop_index('ix_proposals_directive', table_name='proposals')
    op.drop_index('ix_proposals_created_at_id', table_name='proposals')
    op.drop_table('proposals')
