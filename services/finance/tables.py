"""The finance service's own table registry: its metadata holds only its tables."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class FinanceTable(SQLModel, registry=registry()):
    """Base of every table of the finance service."""


metadata = FinanceTable.metadata
