import datetime as dt

from pydantic import BaseModel
from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field

from services.demand.tables import DemandTable
from shared.contracts.demand import (
    DemandPlanBase,
    DemandPlanLineBase,
    DemandPlanLinePublic,
    DemandPlanPublic,
    PlanCellFilters,
    PlanStatus,
)
from shared.entity_router import MAX_BULK_ITEMS
from shared.types import CLOSED, utc_now

__all__ = [
    "DemandPlan",
    "DemandPlanCreate",
    "DemandPlanFilters",
    "DemandPlanLine",
    "DemandPlanLineCreate",
    "DemandPlanLinePublic",
    "DemandPlanLineRow",
    "DemandPlanPublic",
    "PlanCellFilters",
]


class DemandPlan(DemandPlanBase, DemandTable, table=True):
    __tablename__ = "demand_plan"

    id: int | None = Field(default=None, primary_key=True)
    # Unique: two concurrent creations computing the same max+1 cannot both commit.
    version: int = Field(unique=True, index=True)
    status: PlanStatus = Field(default=PlanStatus.draft, index=True)
    created_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    locked_at: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    built_from_streams: bool = False
    # Counts the edits of this version (its ETag); If-Match on every edit names it.
    revision: int = Field(default=1)


class DemandPlanLine(DemandPlanLineBase, DemandTable, table=True):
    __tablename__ = "demand_plan_line"
    __table_args__ = (UniqueConstraint("plan_id", "family_code", "segment_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="demand_plan.id", index=True)


class DemandPlanLineCreate(DemandPlanLineBase):
    model_config = CLOSED


class DemandPlanLineRow(DemandPlanLineBase):
    """A line with the plan it belongs to: the natural key of a stored line."""

    plan_id: int


class DemandPlanCreate(DemandPlanBase):
    lines: list[DemandPlanLineCreate] = Field(
        default_factory=list,
        max_length=MAX_BULK_ITEMS,
        description="Optional lines, so that a whole plan can be posted at once.",
    )

    model_config = {
        **CLOSED,
        "json_schema_extra": {
            "examples": [
                {
                    "name": "Demand review 2026-01",
                    "horizon_start": "2026-02",
                    "horizon_months": 18,
                    "note": "Unconstrained demand after the January review.",
                    "lines": [
                        {
                            "family_code": "FAM-01",
                            "segment_code": "KEY",
                            "period": "2026-02",
                            "quantity": 140,
                        }
                    ],
                }
            ]
        },
    }


class DemandPlanFilters(BaseModel):
    status: PlanStatus | None = None
