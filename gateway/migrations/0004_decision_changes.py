"""Decisions carry their changes and the role that made them; plans keep their problem; the
authorised plan is linked to the decisions that shaped it

Revision ID: 0004
Revises: 0003
Created: 2026-12-07 05:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made before migrations existed, from the models (create_all, then stamped
    # with the baseline), has these already.
    inspector = sa.inspect(op.get_bind())
    if "changes" in {column["name"] for column in inspector.get_columns("sop_decision")}:
        return
    with op.batch_alter_table("sop_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changes", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column(
                "decided_as",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                nullable=False,
                server_default="executive_sponsor",
            )
        )
    op.create_table(
        "consensus_problem",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["consensus_plan.id"]),
        sa.PrimaryKeyConstraint("plan_id"),
    )
    op.create_table(
        "sop_authorisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("recommended_plan_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("decision_ids", sa.JSON(), nullable=False),
        sa.Column("authorised_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("authorised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["sop_cycle.id"]),
        sa.ForeignKeyConstraint(["plan_id"], ["consensus_plan.id"]),
        sa.ForeignKeyConstraint(["recommended_plan_id"], ["consensus_plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id"),
    )
    with op.batch_alter_table("sop_authorisation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sop_authorisation_cycle_id"), ["cycle_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sop_authorisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sop_authorisation_cycle_id"))
    op.drop_table("sop_authorisation")
    op.drop_table("consensus_problem")
    with op.batch_alter_table("sop_decision", schema=None) as batch_op:
        batch_op.drop_column("decided_as")
        batch_op.drop_column("changes")
