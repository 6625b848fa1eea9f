from typing import Any

from pydantic import BaseModel
from pydantic import Field as Constraint
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.demand.tables import DemandTable
from shared.contracts.demand import (
    BacktestRequest,
    BacktestResponse,
    BaselineFilters,
    BaselineSeriesPublic,
    ForecastRequest,
    ForecastResponse,
)
from shared.types import CLOSED, Code, Period

__all__ = [
    "BacktestRequest",
    "BacktestResponse",
    "BaselineFilters",
    "BaselineRequest",
    "BaselineSeries",
    "BaselineSeriesPublic",
    "BaselineSummary",
    "BaselineValue",
    "ForecastRequest",
    "ForecastResponse",
]


class BaselineSeries(DemandTable, table=True):
    """The method chosen for one family x segment of a plan, and its cross-validated evidence."""

    __tablename__ = "demand_baseline_series"
    __table_args__ = (UniqueConstraint("plan_id", "family_code", "segment_code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="demand_plan.id", index=True)
    family_code: str = Field(max_length=64)
    segment_code: str = Field(max_length=64)
    method: str = Field(max_length=32)
    detail: str = Field(max_length=200)
    history_months: int
    intermittent: bool
    fallback: bool
    end_of_life: bool = False
    note: str = Field(max_length=2000)
    cv_horizon: int
    cv_mae: float | None = None
    candidates: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class BaselineValue(DemandTable, table=True):
    """The statistical stream: baseline units of a family, segment and period of a plan."""

    __tablename__ = "demand_baseline_value"
    __table_args__ = (UniqueConstraint("plan_id", "family_code", "segment_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="demand_plan.id", index=True)
    family_code: str = Field(max_length=64)
    segment_code: str = Field(max_length=64)
    period: str = Field(max_length=7)
    quantity: float


class BaselineRequest(BaseModel):
    model_config = CLOSED

    family_code: Code | None = Constraint(
        default=None, description="Only this family (default: every series with history)."
    )
    segment_code: Code | None = None
    history_from: Period | None = Constraint(
        default=None, description="Ignore history before this period."
    )


class BaselineSummary(BaseModel):
    plan_id: int
    series: int
    fallbacks: int
    methods: dict[str, int] = Constraint(description="How many series each method won.")
    seconds: float
