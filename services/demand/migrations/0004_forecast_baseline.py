"""The baseline's evidence is cross-validated: cv_horizon, cv_mae; end of life flagged

Revision ID: 0004
Revises: 0003
Created: 2026-12-07 05:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made before migrations existed, from the models (create_all, then stamped
    # with the baseline), has the new columns already.
    columns = sa.inspect(op.get_bind()).get_columns("demand_baseline_series")
    if any(column["name"] == "cv_horizon" for column in columns):
        return
    with op.batch_alter_table("demand_baseline_series", schema=None) as batch_op:
        batch_op.alter_column("holdout_months", new_column_name="cv_horizon")
        batch_op.alter_column("holdout_mae", new_column_name="cv_mae")
        batch_op.drop_column("holdout_wmape")
        batch_op.add_column(
            sa.Column("end_of_life", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("demand_baseline_series", schema=None) as batch_op:
        batch_op.drop_column("end_of_life")
        batch_op.add_column(sa.Column("holdout_wmape", sa.Float(), nullable=True))
        batch_op.alter_column("cv_mae", new_column_name="holdout_mae")
        batch_op.alter_column("cv_horizon", new_column_name="holdout_months")
