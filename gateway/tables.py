"""The gateway's own table registry: consensus plans, escalations, the S&OP cycle."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class GatewayTable(SQLModel, registry=registry()):
    """Base of every table of the gateway."""


metadata = GatewayTable.metadata
