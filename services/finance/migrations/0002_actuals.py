"""Finance actuals: revenue per family, segment and month; cost of goods sold per family

Revision ID: 0002
Revises: 0001
Created: 2026-12-07 05:26:03.572176
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made from the models (create_all, then stamped with the baseline) has them.
    if sa.inspect(op.get_bind()).has_table("cost_actual"):
        return
    op.create_table(
        "cost_actual",
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("cost_of_goods_sold", sa.Float(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_code", "period"),
    )
    with op.batch_alter_table("cost_actual", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cost_actual_family_code"), ["family_code"], unique=False
        )

    op.create_table(
        "revenue_actual",
        sa.Column("segment_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("revenue", sa.Float(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_code", "segment_code", "period"),
    )
    with op.batch_alter_table("revenue_actual", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revenue_actual_family_code"), ["family_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("revenue_actual", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revenue_actual_family_code"))

    op.drop_table("revenue_actual")
    with op.batch_alter_table("cost_actual", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cost_actual_family_code"))

    op.drop_table("cost_actual")
