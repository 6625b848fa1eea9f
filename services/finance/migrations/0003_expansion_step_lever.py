"""Lever costs of capacity expansion steps: the ``expansion_step`` lever (the step's fixed
cost, keyed by the step's code)

Revision ID: 0003
Revises: 0002
Created: 2026-12-07 12:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite keeps the lever as text with no constraint: only PostgreSQL's enum type grows
    # (in the migration's transaction: PostgreSQL 12 and later allow it).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TYPE lever ADD VALUE IF NOT EXISTS 'expansion_step'")


def downgrade() -> None:
    # PostgreSQL cannot drop an enum value; rows of it go, the value stays (harmless).
    op.execute("DELETE FROM lever_cost WHERE lever = 'expansion_step'")
