"""agencies.former_codes: the codes an agency was known by (a merged province's agencies keep
their old codes, so that references other systems still hold resolve)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('agencies', sa.Column(
        'former_codes', postgresql.ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'")))
    op.create_index('ix_agencies_former_codes', 'agencies', ['former_codes'],
                    postgresql_using='gin')


def downgrade() -> None:
    op.drop_index('ix_agencies_former_codes', table_name='agencies')
    op.drop_column('agencies', 'former_codes')
