from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.demand.tables import DemandTable
from shared.contracts.demand import DemandHistoryBase, DemandHistoryPublic
from shared.crud import Patch
from shared.types import CLOSED, Code, Period, Quantity

__all__ = [
    "DemandHistory",
    "DemandHistoryCreate",
    "DemandHistoryFilters",
    "DemandHistoryPublic",
    "DemandHistoryUpdate",
]


class DemandHistory(DemandHistoryBase, DemandTable, table=True):
    __tablename__ = "demand_history"
    __table_args__ = (UniqueConstraint("family_code", "segment_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    family_code: str = Field(index=True, max_length=64)


class DemandHistoryCreate(DemandHistoryBase):
    model_config = CLOSED


class DemandHistoryUpdate(Patch):
    quantity: Quantity | None = None


class DemandHistoryFilters(BaseModel):
    family_code: Code | None = None
    segment_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
