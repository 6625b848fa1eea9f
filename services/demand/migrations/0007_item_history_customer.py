"""Item history optionally per customer: a nullable customer_code in the item history's key

Revision ID: 0007
Revises: 0006
Created: 2026-12-07 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KEY = ["item_code", "location_code", "segment_code", "period"]
# SQLite reflects 0005's unique constraint without a name: the convention names it to drop it.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
OLD_NAME = "uq_item_history_item_code_location_code_segment_code_period"


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    # A database made before migrations existed, from the models (create_all, then stamped
    # with the baseline), has the column and the key already.
    if any(column["name"] == "customer_code" for column in inspector.get_columns("item_history")):
        return
    old = next(
        unique
        for unique in inspector.get_unique_constraints("item_history")
        if unique["column_names"] == OLD_KEY
    )
    with op.batch_alter_table("item_history", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.add_column(
            sa.Column("customer_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.drop_constraint(old["name"] or OLD_NAME, type_="unique")
        batch_op.create_index(
            batch_op.f("ix_item_history_customer_code"), ["customer_code"], unique=False
        )
    # Autogenerate skips expression indexes: one row per customer, and one (NULL) not split.
    op.create_index(
        "uq_item_history_key",
        "item_history",
        [
            "item_code",
            "location_code",
            "segment_code",
            sa.text("coalesce(customer_code, '')"),
            "period",
        ],
        unique=True,
    )


def downgrade() -> None:
    # Rows split by customer would break the old key: remove them before going back.
    op.drop_index("uq_item_history_key", table_name="item_history")
    with op.batch_alter_table("item_history", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_history_customer_code"))
        batch_op.drop_column("customer_code")
        batch_op.create_unique_constraint(OLD_NAME, OLD_KEY)
