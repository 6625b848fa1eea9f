"""The supply service's own table registry: its metadata holds only its tables."""

from pathlib import Path

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.idempotency import idempotency_table_for
from shared.schema import Migrations


class SupplyTable(SQLModel, registry=registry()):
    """Base of every table of the supply service."""


# Keys of the POSTs that create (shared.idempotency), stored with what they created.
IdempotencyKey = idempotency_table_for(SupplyTable)

metadata = SupplyTable.metadata
# Complete once the app's modules are imported (``main``): every table registers on import.
migrations = Migrations(
    name="supply", metadata=metadata, versions=Path(__file__).parent / "migrations"
)
