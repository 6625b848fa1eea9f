from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.supply.tables import SupplyTable
from shared.contracts.supply import CapacityBase, CapacityPublic
from shared.crud import Patch
from shared.types import CLOSED, Code, Hours, Period

__all__ = [
    "Capacity",
    "CapacityCreate",
    "CapacityFilters",
    "CapacityPublic",
    "CapacityUpdate",
]


class Capacity(CapacityBase, SupplyTable, table=True):
    __table_args__ = (UniqueConstraint("resource_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    resource_code: str = Field(index=True, max_length=64, foreign_key="resource.code")


class CapacityCreate(CapacityBase):
    model_config = CLOSED


class CapacityUpdate(Patch):
    regular_hours: Hours | None = None
    max_overtime_hours: Hours | None = None


class CapacityFilters(BaseModel):
    resource_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
