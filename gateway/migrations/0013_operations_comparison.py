"""Operations' proposal compared with the plan a reconcile makes

Revision ID: 0013
Revises: 0012
Created: 2026-12-07 12:45:48.645726
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made from the models (create_all, then stamped with the baseline) has it.
    if sa.inspect(op.get_bind()).has_table("consensus_operations_comparison"):
        return
    op.create_table(
        "consensus_operations_comparison",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("comparison", sa.JSON(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["consensus_plan.id"],
        ),
        sa.PrimaryKeyConstraint("plan_id"),
    )


def downgrade() -> None:
    op.drop_table("consensus_operations_comparison")
