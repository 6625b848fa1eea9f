"""The supply service's own table registry: its metadata holds only its tables."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class SupplyTable(SQLModel, registry=registry()):
    """Base of every table of the supply service."""


metadata = SupplyTable.metadata
