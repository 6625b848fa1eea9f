"""The rates each consensus plan's money is at, frozen when the plan is approved

Revision ID: 0003
Revises: 0002
Created: 2026-12-07 05:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made before migrations existed, from the models (create_all, then stamped
    # with the baseline), has the table already.
    if sa.inspect(op.get_bind()).has_table("consensus_plan_money"):
        return
    op.create_table(
        "consensus_plan_money",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("rates", sa.JSON(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["consensus_plan.id"]),
        sa.PrimaryKeyConstraint("plan_id"),
    )


def downgrade() -> None:
    op.drop_table("consensus_plan_money")
