"""Tables and API models of supply actuals: production and ending inventory per family and
month, hours worked per resource and month."""

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.supply.tables import SupplyTable
from shared.contracts.supply import (
    ProductionActualBase,
    ProductionActualFilters,
    ProductionActualPublic,
    ResourceActualBase,
    ResourceActualFilters,
    ResourceActualPublic,
)
from shared.crud import Patch
from shared.types import CLOSED, Hours, Quantity

__all__ = [
    "ProductionActual",
    "ProductionActualCreate",
    "ProductionActualFilters",
    "ProductionActualPublic",
    "ProductionActualUpdate",
    "ResourceActual",
    "ResourceActualCreate",
    "ResourceActualFilters",
    "ResourceActualPublic",
    "ResourceActualUpdate",
]


class ProductionActual(ProductionActualBase, SupplyTable, table=True):
    __tablename__ = "production_actual"
    __table_args__ = (UniqueConstraint("family_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    family_code: str = Field(index=True, max_length=64)


class ProductionActualCreate(ProductionActualBase):
    model_config = CLOSED


class ProductionActualUpdate(Patch):
    production: Quantity | None = None
    ending_inventory: Quantity | None = None


class ResourceActual(ResourceActualBase, SupplyTable, table=True):
    __tablename__ = "resource_actual"
    __table_args__ = (UniqueConstraint("resource_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    resource_code: str = Field(index=True, max_length=64, foreign_key="resource.code")


class ResourceActualCreate(ResourceActualBase):
    model_config = CLOSED


class ResourceActualUpdate(Patch):
    hours_used: Hours | None = None
