from typing import Any

from pydantic import BaseModel
from pydantic import Field as Constraint
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.demand.tables import DemandTable
from shared.contracts.demand import (
    ConsensusSummaryPublic,
    Contribution,
    PlanCellFilters,
    WaterfallRowPublic,
)
from shared.types import CLOSED, Name, Text

__all__ = [
    "ConsensusSummaryPublic",
    "Contribution",
    "NextVersionRequest",
    "PlanCellFilters",
    "WaterfallCell",
    "WaterfallRow",
    "WaterfallRowPublic",
]


class WaterfallCell(DemandTable, table=True):
    """Demand of one cell after each stream: the snapshot a locked plan keeps for accuracy."""

    __tablename__ = "demand_waterfall"
    __table_args__ = (UniqueConstraint("plan_id", "family_code", "segment_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="demand_plan.id", index=True)
    family_code: str = Field(max_length=64)
    segment_code: str = Field(max_length=64)
    period: str = Field(max_length=7)
    statistical: float
    sales: float
    marketing: float
    product: float
    planner: float
    consensus: float
    contributions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))


class WaterfallRow(BaseModel):
    """A waterfall cell as written by the consensus build (the natural key plus values)."""

    plan_id: int
    family_code: str
    segment_code: str
    period: str
    statistical: float
    sales: float
    marketing: float
    product: float
    planner: float
    consensus: float
    contributions: list[dict[str, Any]]


class NextVersionRequest(BaseModel):
    model_config = CLOSED

    name: Name | None = Constraint(default=None, description="Default: the source plan's name.")
    note: Text | None = None
