"""history: the request id a client sent, kept apart from the service's own

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 16:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('history', sa.Column('client_request_id', sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.drop_column('history', 'client_request_id')
