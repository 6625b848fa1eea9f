"""A scenario keeps its base's key in the warm workers and its time limit with the base

Revision ID: 0012
Revises: 0011
Created: 2026-12-07 12:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made from the models (create_all, then stamped) has the columns already.
    columns = sa.inspect(op.get_bind()).get_columns("scenario")
    if any(column["name"] == "base_key" for column in columns):
        return
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("base_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("base_time_limit_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.drop_column("base_time_limit_seconds")
        batch_op.drop_column("base_key")
