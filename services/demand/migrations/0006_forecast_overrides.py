"""A family's stored forecast method override; baseline series say when one was used

Revision ID: 0006
Revises: 0005
Created: 2026-12-07 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made before migrations existed, from the models (create_all, then stamped
    # with the baseline), has these already.
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("demand_forecast_override"):
        op.create_table(
            "demand_forecast_override",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("family_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
            sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
            sa.Column("parameters", sa.JSON(), nullable=True),
            sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("demand_forecast_override", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_demand_forecast_override_family_code"),
                ["family_code"],
                unique=True,
            )
    columns = inspector.get_columns("demand_baseline_series")
    if not any(column["name"] == "overridden" for column in columns):
        with op.batch_alter_table("demand_baseline_series", schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("overridden", sa.Boolean(), nullable=False, server_default=sa.false())
            )


def downgrade() -> None:
    with op.batch_alter_table("demand_baseline_series", schema=None) as batch_op:
        batch_op.drop_column("overridden")
    with op.batch_alter_table("demand_forecast_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_forecast_override_family_code"))
    op.drop_table("demand_forecast_override")
