from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.supply.tables import SupplyTable
from shared.contracts.supply import WorkforceBase, WorkforcePublic
from shared.crud import Patch
from shared.types import CLOSED, Code, Hours, Period, Quantity

__all__ = [
    "Workforce",
    "WorkforceCreate",
    "WorkforceFilters",
    "WorkforcePublic",
    "WorkforceUpdate",
]


class Workforce(WorkforceBase, SupplyTable, table=True):
    __table_args__ = (UniqueConstraint("resource_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    resource_code: str = Field(index=True, max_length=64, foreign_key="resource.code")


class WorkforceCreate(WorkforceBase):
    model_config = CLOSED


class WorkforceUpdate(Patch):
    workers: Quantity | None = None
    hours_per_worker: Hours | None = None
    overtime_hours_per_worker: Hours | None = None


class WorkforceFilters(BaseModel):
    resource_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
