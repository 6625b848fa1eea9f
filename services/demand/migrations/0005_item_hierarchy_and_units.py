"""Below family level: items, locations, item history; and unit conversions

Revision ID: 0005
Revises: 0004
Created: 2026-12-07 09:13:35.678768
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from shared.schema import drop_enum_types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made before migrations existed, from the models (create_all, then stamped
    # with the baseline), has these tables already.
    if sa.inspect(op.get_bind()).has_table("item"):
        return
    op.create_table(
        "item",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("family_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_item_family_code"), ["family_code"], unique=False)

    op.create_table(
        "item_history",
        sa.Column("location_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("segment_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_code", "location_code", "segment_code", "period"),
    )
    with op.batch_alter_table("item_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_history_item_code"), ["item_code"], unique=False)

    op.create_table(
        "location",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_location_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_location_region"), ["region"], unique=False)

    op.create_table(
        "unit_conversion",
        sa.Column(
            "unit",
            sa.Enum("units", "kg", "litres", "pallets", "cases", name="measureunit"),
            nullable=False,
        ),
        sa.Column("per_base_unit", sa.Float(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_code", "unit"),
    )
    with op.batch_alter_table("unit_conversion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unit_conversion_family_code"), ["family_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("unit_conversion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_conversion_family_code"))

    op.drop_table("unit_conversion")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_region"))
        batch_op.drop_index(batch_op.f("ix_location_code"))

    op.drop_table("location")
    with op.batch_alter_table("item_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_history_item_code"))

    op.drop_table("item_history")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_family_code"))
        batch_op.drop_index(batch_op.f("ix_item_code"))

    op.drop_table("item")
    drop_enum_types("measureunit")
