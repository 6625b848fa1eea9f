"""Sign-offs of demand plans by the roles that own them

Revision ID: 0003
Revises: 0002
Created: 2026-12-07 06:10:49.556687
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made before migrations existed, from the models (create_all, then stamped
    # with the baseline), has the table already.
    if sa.inspect(op.get_bind()).has_table("demand_plan_sign_off"):
        return
    op.create_table(
        "demand_plan_sign_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("plan_revision", sa.Integer(), nullable=False),
        sa.Column("signed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["demand_plan.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "role"),
    )
    with op.batch_alter_table("demand_plan_sign_off", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_demand_plan_sign_off_plan_id"), ["plan_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("demand_plan_sign_off", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_plan_sign_off_plan_id"))

    op.drop_table("demand_plan_sign_off")
