"""People: officials, divisions, comments, notifications; tasks assigned down the line

Divisions (phòng, ban) are agencies of kind `division` under their department. Officials
belong to an agency (and one of its divisions) and may be linked to an API key or an OIDC
subject. Tasks gain a focal official and divisions. Comments are threads on tasks, proposals
and budget requests. Notifications are the outbox of e-mail notices, written by the history
statement in the change's own transaction; one per event and official. Deadline notices gain a
round so that an overdue notice repeats every DONDOC_OVERDUE_REPEAT_DAYS.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 05:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "'provincial_committee','department','board','district_committee','commune_committee',"
    "'public_service_unit','central_agency','other'"
)


def upgrade() -> None:
    op.drop_constraint(op.f('ck_agencies_kind'), 'agencies', type_='check')
    op.create_check_constraint(op.f('ck_agencies_kind'), 'agencies', f"kind IN ({OLD_KINDS},'division')")

    op.create_table(
        'officials',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('title', sa.String(200), nullable=True),
        sa.Column('agency_id', sa.Uuid(), nullable=False),
        sa.Column('division_id', sa.Uuid(), nullable=True),
        sa.Column('email', sa.String(320), nullable=True),
        sa.Column('phone', sa.String(30), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column('focal', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('notify', sa.String(10), nullable=False, server_default='immediate'),
        sa.Column('oidc_subject', sa.String(255), nullable=True),
        sa.Column('portfolio_fields', postgresql.ARRAY(sa.Text()), nullable=False,
                  server_default=sa.text("'{}'")),
        sa.Column('portfolio_agency_ids', postgresql.ARRAY(sa.Uuid()), nullable=False,
                  server_default=sa.text("'{}'")),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("notify IN ('immediate','digest','off')", name=op.f('ck_officials_notify')),
        sa.CheckConstraint('version >= 1', name=op.f('ck_officials_version_positive')),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_officials_agency_id_agencies')),
        sa.ForeignKeyConstraint(['division_id'], ['agencies.id'], name=op.f('fk_officials_division_id_agencies')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_officials')),
        sa.UniqueConstraint('oidc_subject', name=op.f('uq_officials_oidc_subject')),
    )
    op.create_index('ix_officials_agency', 'officials', ['agency_id', 'name', 'id'])
    op.create_index('ix_officials_created_at_id', 'officials', ['created_at', 'id'])
    op.create_index('ix_officials_division', 'officials', ['division_id'],
                    postgresql_where=sa.text('division_id IS NOT NULL'))

    op.add_column('api_keys', sa.Column('official_id', sa.Uuid(), nullable=True))
    op.create_foreign_key(op.f('fk_api_keys_official_id_officials'), 'api_keys', 'officials',
                          ['official_id'], ['id'])

    op.add_column('tasks', sa.Column('lead_official_id', sa.Uuid(), nullable=True))
    op.add_column('tasks', sa.Column('division_ids', postgresql.ARRAY(sa.Uuid()), nullable=False,
                                     server_default=sa.text("'{}'")))
    op.create_foreign_key(op.f('fk_tasks_lead_official_id_officials'), 'tasks', 'officials',
                          ['lead_official_id'], ['id'])
    op.create_index('ix_tasks_lead_official', 'tasks', ['lead_official_id'],
                    postgresql_where=sa.text('lead_official_id IS NOT NULL'))
    op.create_index('ix_tasks_divisions', 'tasks', ['division_ids'], postgresql_using='gin')

    op.create_table(
        'comments',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('resource_type', sa.String(30), nullable=False),
        sa.Column('resource_id', sa.Uuid(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('mentions', postgresql.ARRAY(sa.Uuid()), nullable=False,
                  server_default=sa.text("'{}'")),
        sa.Column('author_id', sa.Uuid(), nullable=True),
        sa.Column('author_name', sa.String(300), nullable=True),
        sa.Column('author_role', sa.String(20), nullable=False),
        sa.Column('author_official_id', sa.Uuid(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("resource_type IN ('task','proposal','budget_request')",
                           name=op.f('ck_comments_resource_type')),
        sa.ForeignKeyConstraint(['author_official_id'], ['officials.id'],
                                name=op.f('fk_comments_author_official_id_officials')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    )
    op.create_index('ix_comments_resource', 'comments',
                    ['resource_type', 'resource_id', 'created_at', 'id'])

    op.create_table(
        'notifications',
        sa.Column('id', sa.Uuid(), nullable=False, server_default=sa.text('gen_random_uuid()')),
        sa.Column('official_id', sa.Uuid(), nullable=False),
        sa.Column('event_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(30), nullable=False),
        sa.Column('resource_type', sa.String(30), nullable=False),
        sa.Column('resource_id', sa.Uuid(), nullable=False),
        sa.Column('digest', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False, server_default='pending'),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('message_id', sa.String(200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending','sent','failed')", name=op.f('ck_notifications_status')),
        sa.ForeignKeyConstraint(['official_id'], ['officials.id'],
                                name=op.f('fk_notifications_official_id_officials')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('event_id', 'official_id', name=op.f('uq_notifications_event_id')),
    )
    op.create_index('ix_notifications_due', 'notifications', ['digest', 'next_attempt_at', 'id'],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_notifications_official', 'notifications',
                    ['official_id', 'created_at', 'id'])

    op.add_column('task_deadline_notices',
                  sa.Column('round', sa.Integer(), nullable=False, server_default='0'))
    op.drop_constraint(op.f('pk_task_deadline_notices'), 'task_deadline_notices', type_='primary')
    op.create_primary_key(op.f('pk_task_deadline_notices'), 'task_deadline_notices',
                          ['task_id', 'kind', 'due_date', 'round'])


def downgrade() -> None:
    op.execute("DELETE FROM task_deadline_notices WHERE round > 0")
    op.drop_constraint(op.f('pk_task_deadline_notices'), 'task_deadline_notices', type_='primary')
    op.create_primary_key(op.f('pk_task_deadline_notices'), 'task_deadline_notices',
                          ['task_id', 'kind', 'due_date'])
    op.drop_column('task_deadline_notices', 'round')
    op.drop_table('notifications')
    op.drop_table('comments')
    op.drop_index('ix_tasks_divisions', table_name='tasks')
    op.drop_index('ix_tasks_lead_official', table_name='tasks')
    op.drop_constraint(op.f('fk_tasks_lead_official_id_officials'), 'tasks', type_='foreignkey')
    op.drop_column('tasks', 'division_ids')
    op.drop_column('tasks', 'lead_official_id')
    op.drop_constraint(op.f('fk_api_keys_official_id_officials'), 'api_keys', type_='foreignkey')
    op.drop_column('api_keys', 'official_id')
    op.drop_table('officials')
    op.execute("UPDATE agencies SET kind = 'other' WHERE kind = 'division'")
    op.drop_constraint(op.f('ck_agencies_kind'), 'agencies', type_='check')
    op.create_check_constraint(op.f('ck_agencies_kind'), 'agencies', f"kind IN ({OLD_KINDS})")
