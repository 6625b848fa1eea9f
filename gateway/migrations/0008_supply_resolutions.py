"""Supply review: how each infeasible line of the proposed supply plan is resolved

Revision ID: 0008
Revises: 0007
Created: 2026-12-07 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made from the models (create_all, then stamped) has the column already.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("sop_cycle_step")}
    if "resolutions" in columns:
        return
    with op.batch_alter_table("sop_cycle_step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolutions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sop_cycle_step", schema=None) as batch_op:
        batch_op.drop_column("resolutions")
