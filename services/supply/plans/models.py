import datetime as dt

from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.supply.tables import SupplyTable
from shared.contracts.supply import (
    MAX_LINES,
    SupplyPlanBase,
    SupplyPlanLineBase,
    SupplyPlanLinePublic,
    SupplyPlanPublic,
    SupplyPlanStatus,
)
from shared.types import CLOSED, Code, Name, Period, utc_now

__all__ = [
    "SupplyPlan",
    "SupplyPlanCreate",
    "SupplyPlanFilters",
    "SupplyPlanLine",
    "SupplyPlanLineFilters",
    "SupplyPlanLineIn",
    "SupplyPlanLinePublic",
    "SupplyPlanLineRow",
    "SupplyPlanPublic",
]


class SupplyPlan(SupplyPlanBase, SupplyTable, table=True):
    __tablename__ = "supply_plan"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, max_length=200)
    version: int = 1
    status: SupplyPlanStatus = SupplyPlanStatus.draft
    created_at: dt.datetime = Field(default_factory=utc_now)
    proposed_at: dt.datetime | None = None
    previous_version_id: int | None = Field(default=None, foreign_key="supply_plan.id")
    # Counts the edits of this version (its ETag); If-Match on every edit names it.
    revision: int = Field(default=1)


class SupplyPlanLine(SupplyPlanLineBase, SupplyTable, table=True):
    __tablename__ = "supply_plan_line"
    __table_args__ = (UniqueConstraint("plan_id", "family_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="supply_plan.id", index=True)


class SupplyPlanLineIn(SupplyPlanLineBase):
    """A line as sent in a request body: its plan is the one in the path."""

    model_config = CLOSED


class SupplyPlanLineRow(SupplyPlanLineBase):
    """A line with its plan, as upserted by natural key (plan, family, period)."""

    plan_id: int


class SupplyPlanCreate(SupplyPlanBase):
    lines: list[SupplyPlanLineIn] = Field(default_factory=list, max_length=MAX_LINES)

    model_config = {
        **CLOSED,
        "json_schema_extra": {
            "examples": [
                {
                    "name": "Supply proposal",
                    "horizon_start": "2026-12",
                    "horizon_months": 12,
                    "note": "Overtime on assembly in the peak",
                    "lines": [
                        {
                            "family_code": "FAM-01",
                            "period": "2026-12",
                            "production": 1200,
                            "outsourced": 100,
                            "overtime_hours": 80,
                            "ending_inventory": 250,
                            "reason": "pre-build before the January peak",
                        }
                    ],
                }
            ]
        },
    }


class SupplyPlanFilters(BaseModel):
    status: SupplyPlanStatus | None = None
    name: Name | None = None


class SupplyPlanLineFilters(BaseModel):
    family_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
