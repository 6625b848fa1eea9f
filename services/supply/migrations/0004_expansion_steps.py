"""Expansion steps: capacity steps a resource can take (their fixed cost is finance's
``expansion_step`` lever cost)

Revision ID: 0004
Revises: 0003
Created: 2026-12-07 12:28:47.391075
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
    # A database made from the models (create_all, then stamped with the baseline) has it.
    if sa.inspect(op.get_bind()).has_table("expansion_step"):
        return
    op.create_table(
        "expansion_step",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("resource_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("extra_hours", sa.Float(), nullable=False),
        sa.Column("lead_time_periods", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_code"],
            ["resource.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("expansion_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expansion_step_code"), ["code"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_expansion_step_resource_code"), ["resource_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("expansion_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expansion_step_resource_code"))
        batch_op.drop_index(batch_op.f("ix_expansion_step_code"))

    op.drop_table("expansion_step")
