"""Deviations beyond tolerance on a cycle's agenda

Revision ID: 0009
Revises: 0008
Created: 2026-12-07 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made before migrations existed, from the models (create_all, then stamped
    # with the baseline), has the table already.
    if sa.inspect(op.get_bind()).has_table("sop_deviation"):
        return
    op.create_table(
        "sop_deviation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("limit", sa.Float(), nullable=False),
        sa.Column("owner_role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["sop_cycle.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id", "kind", "subject_code", "period"),
    )
    with op.batch_alter_table("sop_deviation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sop_deviation_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sop_deviation_owner_role"), ["owner_role"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sop_deviation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sop_deviation_owner_role"))
        batch_op.drop_index(batch_op.f("ix_sop_deviation_cycle_id"))
    op.drop_table("sop_deviation")
