"""The demand service's own table registry: its metadata holds only its tables."""

from pathlib import Path

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.idempotency import idempotency_table_for
from shared.schema import Migrations


class DemandTable(SQLModel, registry=registry()):
    """Base of every table of the demand service."""


# Keys of the POSTs that create (shared.idempotency), stored with what they created.
IdempotencyKey = idempotency_table_for(DemandTable)

metadata = DemandTable.metadata
# Complete once the app's modules are imported (``main``): every table registers on import.
migrations = Migrations(
    name="demand", metadata=metadata, versions=Path(__file__).parent / "migrations"
)
