import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import Field as Constraint
from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.demand.tables import DemandTable
from shared.contracts.demand import (
    BacktestRequest,
    BacktestResponse,
    BaselineFilters,
    BaselineRequest,
    BaselineSeriesPublic,
    BaselineSummary,
    ForecastMethod,
    ForecastRequest,
    ForecastResponse,
    FrozenFilters,
)
from shared.crud import Patch
from shared.types import Code, Text, UtcDatetime, utc_now

__all__ = [
    "BacktestRequest",
    "BacktestResponse",
    "BaselineFilters",
    "BaselineRequest",
    "BaselineSeries",
    "BaselineSeriesPublic",
    "BaselineSummary",
    "BaselineValue",
    "ForecastOverride",
    "ForecastOverrideCreate",
    "ForecastOverrideFilters",
    "ForecastOverridePublic",
    "ForecastOverrideUpdate",
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
    overridden: bool = False
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


# --- A family's stored method override (/forecast-overrides) ------------------------------


class ForecastOverrideCreate(BaseModel):
    """The method every series of a family is forecast with, instead of a selection."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "family_code": "FAM-01",
                    "method": "auto_ets",
                    "parameters": {"model": "MAM", "damped": True},
                    "reason": "Multiplicative season; the contest keeps picking seasonal naive.",
                }
            ]
        },
    )

    family_code: Code
    method: ForecastMethod
    parameters: dict[str, Any] = Constraint(
        default_factory=dict,
        description="Parameters of `method`, as POST /forecasts takes them (auto_ets: model, "
        "damped; tsb: alpha_d, alpha_p...); an unknown or invalid one is a 422 naming it.",
    )
    reason: Text = Constraint(default="", description="Why the family needs this method.")


class ForecastOverrideUpdate(Patch):
    method: ForecastMethod | None = None
    parameters: dict[str, Any] | None = Constraint(
        default=None, description="Replaces the stored parameters (a new method starts at {})."
    )
    reason: Text | None = None


class ForecastOverride(DemandTable, table=True):
    __tablename__ = "demand_forecast_override"

    id: int | None = Field(default=None, primary_key=True)
    family_code: str = Field(max_length=64, unique=True, index=True)
    method: str = Field(max_length=32)
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    reason: str = Field(default="", max_length=2000)
    version: int = 1
    updated_by: str = Field(max_length=200)
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ForecastOverridePublic(SQLModel):
    family_code: str
    method: ForecastMethod
    parameters: dict[str, Any]
    reason: str
    version: int = Constraint(description="The ETag; a change or delete needs it as If-Match.")
    updated_by: str
    updated_at: UtcDatetime


class ForecastOverrideFilters(FrozenFilters):
    method: ForecastMethod | None = None
