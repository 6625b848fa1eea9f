from pydantic import BaseModel
from sqlmodel import Field

from services.demand.tables import DemandTable
from shared.contracts.demand import SegmentBase, SegmentPublic, UnmetDemand
from shared.crud import Patch
from shared.types import CLOSED, Flag, Fraction, Name, Priority

__all__ = ["Segment", "SegmentCreate", "SegmentFilters", "SegmentPublic", "SegmentUpdate"]


class Segment(SegmentBase, DemandTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=64)


class SegmentCreate(SegmentBase):
    model_config = CLOSED


class SegmentUpdate(Patch):
    name: Name | None = None
    fill_rate_target: Fraction | None = None
    priority: Priority | None = None
    strategic: Flag | None = None
    unmet_demand: UnmetDemand | None = None


class SegmentFilters(BaseModel):
    strategic: bool | None = None
