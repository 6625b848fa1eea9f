"""A cycle step records when its lateness was announced (``step.late`` once a step)

Revision ID: 0011
Revises: 0010
Created: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made from the models (create_all, then stamped) has the column already.
    columns = sa.inspect(op.get_bind()).get_columns("sop_cycle_step")
    if any(column["name"] == "late_announced_at" for column in columns):
        return
    with op.batch_alter_table("sop_cycle_step", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("late_announced_at", sa.DateTime(timezone=True), nullable=True)
        )
    # Steps completed late before this revision had their step.late sent at completion.
    step = sa.table(
        "sop_cycle_step",
        sa.column("due_date", sa.Date()),
        sa.column("completed_at", sa.DateTime(timezone=True)),
        sa.column("late_announced_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        step.update()
        .where(step.c.completed_at.is_not(None))
        .where(sa.func.date(step.c.completed_at) > step.c.due_date)
        .values(late_announced_at=step.c.completed_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("sop_cycle_step", schema=None) as batch_op:
        batch_op.drop_column("late_announced_at")
