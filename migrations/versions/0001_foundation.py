"""foundation: dondoc_fold(), agencies, API keys, history, idempotency records

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 01:42:59.225225
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Diacritics folding for search without the unaccent extension (absent from the embedded
# server): Vietnamese letters of either case to their lower-case base letter, A-Z to a-z.
# app.core.text.fold() is the same rule in Python; tests check that they agree.
FOLD_FROM = "àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴÈÉẸẺẼÊỀẾỆỂỄÌÍỊỈĨÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠÙÚỤỦŨƯỪỨỰỬỮỲÝỴỶỸĐABCDEFGHIJKLMNOPQRSTUVWXYZ"
FOLD_TO = "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydaaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydabcdefghijklmnopqrstuvwxyz"


def upgrade() -> None:
    op.execute(
        "CREATE FUNCTION dondoc_fold(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
        f"RETURN translate(value, '{FOLD_FROM}', '{FOLD_TO}')"
    )
    op.create_table('agencies',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('short_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=35), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('successor_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search', postgresql.TSVECTOR(), sa.Computed("to_tsvector('simple'::regconfig, dondoc_fold(code || ' ' || translate(code, '.', ' ') || ' ' || name || ' ' || coalesce(short_name, '')))", persisted=True), nullable=True),
    sa.CheckConstraint("code ~ '^[A-Za-z0-9.]{1,35}$'", name=op.f('ck_agencies_code_format')),
    sa.CheckConstraint("kind IN ('provincial_committee','department','board','district_committee','commune_committee','public_service_unit','central_agency','other')", name=op.f('ck_agencies_kind')),
    sa.CheckConstraint("status IN ('active','merged','dissolved')", name=op.f('ck_agencies_status')),
    sa.CheckConstraint('valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from', name=op.f('ck_agencies_valid_range')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_agencies_version_positive')),
    sa.ForeignKeyConstraint(['parent_id'], ['agencies.id'], name=op.f('fk_agencies_parent_id_agencies')),
    sa.ForeignKeyConstraint(['successor_id'], ['agencies.id'], name=op.f('fk_agencies_successor_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('code', name=op.f('uq_agencies_code'))
    )
    op.create_index('ix_agencies_created_at_id', 'agencies', ['created_at', 'id'], unique=False)
    op.create_index('ix_agencies_name_id', 'agencies', ['name', 'id'], unique=False)
    op.create_index(op.f('ix_agencies_parent_id'), 'agencies', ['parent_id'], unique=False)
    op.create_index('ix_agencies_search', 'agencies', ['search'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_agencies_status'), 'agencies', ['status'], unique=False)
    op.create_index('ix_agencies_updated_at_id', 'agencies', ['updated_at', 'id'], unique=False)
    op.create_table('history',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('resource_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('resource_id', sa.Uuid(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_history'))
    )
    op.create_index('ix_history_resource', 'history', ['resource_type', 'resource_id', 'occurred_at', 'id'], unique=False)
    op.create_table('idempotency_keys',
    sa.Column('caller_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('caller_key', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_index(op.f('ix_idempotency_keys_expires_at'), 'idempotency_keys', ['expires_at'], unique=False)
    op.create_table('api_keys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=True),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('key_prefix', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role <> 'agency' OR agency_id IS NOT NULL", name=op.f('ck_api_keys_agency_bound')),
    sa.CheckConstraint("role IN ('admin','office','leader','finance','agency','viewer')", name=op.f('ck_api_keys_role')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_api_keys_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )


def downgrade() -> None:
    op.drop_table('api_keys')
    op.drop_index(op.f('ix_idempotency_keys_expires_at'), table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_index('ix_history_resource', table_name='history')
    op.drop_table('history')
    op.drop_index('ix_agencies_updated_at_id', table_name='agencies')
    op.drop_index(op.f('ix_agencies_status'), table_name='agencies')
    op.drop_index('ix_agencies_search', table_name='agencies', postgresql_using='gin')
    op.drop_index(op.f('ix_agencies_parent_id'), table_name='agencies')
    op.drop_index('ix_agencies_name_id', table_name='agencies')
    op.drop_index('ix_agencies_created_at_id', table_name='agencies')
    op.drop_table('agencies')
    op.execute('DROP FUNCTION dondoc_fold(text)')
