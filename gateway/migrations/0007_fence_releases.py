"""Fence releases: the family-months inside the time fence each reconcile released, and why

Revision ID: 0007
Revises: 0006
Created: 2026-12-07 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made before migrations existed, from the models (create_all, then stamped
    # with the baseline), has the table already.
    if sa.inspect(op.get_bind()).has_table("consensus_fence_release"):
        return
    op.create_table(
        "consensus_fence_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("family_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("held_production", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["consensus_plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "family_code", "period"),
    )
    with op.batch_alter_table("consensus_fence_release", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consensus_fence_release_plan_id"), ["plan_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("consensus_fence_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consensus_fence_release_plan_id"))
    op.drop_table("consensus_fence_release")
