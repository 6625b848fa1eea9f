"""A scenario's proposal names the escalation item it became on the cycle's recommended plan

Revision ID: 0010
Revises: 0009
Created: 2026-12-07 09:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made from the models (create_all, then stamped) has the column already.
    columns = sa.inspect(op.get_bind()).get_columns("scenario_proposal")
    if any(column["name"] == "escalation_id" for column in columns):
        return
    with op.batch_alter_table("scenario_proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_scenario_proposal_escalation_id", "escalation_item", ["escalation_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("scenario_proposal", schema=None) as batch_op:
        batch_op.drop_constraint("fk_scenario_proposal_escalation_id", type_="foreignkey")
        batch_op.drop_column("escalation_id")
