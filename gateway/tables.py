"""The gateway's own table registry: consensus plans, escalations, the S&OP cycle."""

from pathlib import Path

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.schema import Migrations


class GatewayTable(SQLModel, registry=registry()):
    """Base of every table of the gateway."""


metadata = GatewayTable.metadata
# Complete once the app's modules are imported (``main``): every table registers on import.
migrations = Migrations(
    name="gateway", metadata=metadata, versions=Path(__file__).parent / "migrations"
)
