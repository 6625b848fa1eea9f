"""Supply actuals: production and ending inventory per family, hours worked per resource

Revision ID: 0003
Revises: 0002
Created: 2026-12-07 05:25:42.622723
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
    # A database made from the models (create_all, then stamped with the baseline) has them.
    if sa.inspect(op.get_bind()).has_table("production_actual"):
        return
    op.create_table(
        "production_actual",
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("production", sa.Float(), nullable=False),
        sa.Column("ending_inventory", sa.Float(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_code", "period"),
    )
    with op.batch_alter_table("production_actual", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_production_actual_family_code"), ["family_code"], unique=False
        )

    op.create_table(
        "resource_actual",
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("hours_used", sa.Float(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_code"],
            ["resource.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("resource_code", "period"),
    )
    with op.batch_alter_table("resource_actual", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resource_actual_resource_code"), ["resource_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("resource_actual", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_actual_resource_code"))

    op.drop_table("resource_actual")
    with op.batch_alter_table("production_actual", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_production_actual_family_code"))

    op.drop_table("production_actual")
