"""The finance service's own table registry: its metadata holds only its tables."""

from pathlib import Path

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.schema import Migrations


class FinanceTable(SQLModel, registry=registry()):
    """Base of every table of the finance service."""


metadata = FinanceTable.metadata
# Complete once the app's modules are imported (``main``): every table registers on import.
migrations = Migrations(
    name="finance", metadata=metadata, versions=Path(__file__).parent / "migrations"
)
