from pydantic import BaseModel
from pydantic import Field as Constraint

from shared.contracts.hierarchy import (
    BaseMethod,
    DisaggregationParams,
    ItemHistoryQuery,
    MeasureUnit,
)
from shared.types import CLOSED, Code, Period

from .reconcile import ReconcileMethod
from .rules import Level

__all__ = [
    "AggregateRow",
    "BaseMethod",
    "CoherenceGap",
    "DisaggregationParams",
    "HierarchicalForecastRequest",
    "HierarchicalForecastResponse",
    "HierarchicalSeries",
    "HistoryReportParams",
    "TotalsParams",
]


class HistoryReportParams(ItemHistoryQuery):
    level: Level = Constraint(
        default=Level.family_segment, description="Level the item history is summed to."
    )
    unit: MeasureUnit | None = Constraint(
        default=None, description="Report unit (default: each family's base unit)."
    )


class TotalsParams(ItemHistoryQuery):
    unit: MeasureUnit | None = Constraint(
        default=None,
        description=(
            "Convert every family to this unit and give one total (422 naming the families "
            "without a conversion); left out, one total per base unit."
        ),
    )


class AggregateRow(BaseModel):
    """Item history summed to a level: the dimensions the level keeps are set."""

    family_code: str
    segment_code: str | None = None
    region: str | None = None
    location_code: str | None = None
    item_code: str | None = None
    customer_code: str | None = Constraint(
        default=None,
        description="Set at the customer levels; None there: the demand not split by customer.",
    )
    period: str
    quantity: float
    unit: str


class CoherenceGap(BaseModel):
    """A family x segment x month whose item history does not add up to the family history."""

    family_code: str
    segment_code: str
    period: str
    family_history: float
    item_history: float
    difference: float


DEFAULT_RECONCILIATION = [
    ReconcileMethod.bottom_up,
    ReconcileMethod.min_trace_shrink,
    ReconcileMethod.top_down_forecast_proportions,
]


class HierarchicalForecastRequest(BaseModel):
    model_config = CLOSED

    family_codes: list[Code] | None = Constraint(
        default=None,
        max_length=100,
        description="Families to forecast (default: every family with item history).",
    )
    horizon: int = Constraint(default=12, ge=1, le=36, description="Months to forecast.")
    method: BaseMethod = Constraint(
        default=BaseMethod.auto_ets,
        description="statsforecast model of every node's base forecast.",
    )
    season_length: int = Constraint(default=12, ge=1, le=24)
    by_customer: bool = Constraint(
        default=False,
        description="Add the customer level below item x location (the demand not split by "
        "customer a node of its own, customer_code null).",
    )
    reconciliation: list[ReconcileMethod] = Constraint(
        default_factory=lambda: list(DEFAULT_RECONCILIATION), min_length=1, max_length=7
    )
    last_period: Period | None = Constraint(
        default=None, description="Last month of history used (default: the latest)."
    )
    unit: MeasureUnit | None = Constraint(
        default=None, description="Report unit (default: each family's base unit)."
    )


class HierarchicalSeries(BaseModel):
    """One node of a family's tree: its base forecast and each coherent one, in ``unit``."""

    level: str
    family_code: str
    segment_code: str | None = None
    item_code: str | None = None
    location_code: str | None = None
    customer_code: str | None = None
    unit: str
    base: list[float]
    reconciled: dict[str, list[float]]


class HierarchicalForecastResponse(BaseModel):
    periods: list[str]
    method: BaseMethod
    reconciliation: list[ReconcileMethod]
    levels: list[str] = Constraint(description="Tree levels, family first.")
    series: list[HierarchicalSeries]
    seconds: float
