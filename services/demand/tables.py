"""The demand service's own table registry: its metadata holds only its tables."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class DemandTable(SQLModel, registry=registry()):
    """Base of every table of the demand service."""


metadata = DemandTable.metadata
