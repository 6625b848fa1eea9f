"""Contracts of the demand service: families, segments, history, demand plans."""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Strict, field_validator
from pydantic import Field as Constraint
from sqlmodel import Field, SQLModel

from shared.types import (
    JSON_INTEGER,
    MAX_QUANTITY,
    MAX_ROW_ID,
    TEXT_PATTERN,
    Code,
    Flag,
    Fraction,
    FractionParam,
    Money,
    Months,
    Name,
    Period,
    Priority,
    Quantity,
    Text,
    UtcDatetime,
    horizon_in_calendar,
)


class LifecycleStatus(StrEnum):
    npi = "npi"
    active = "active"
    phase_out = "phase_out"


class UnmetDemand(StrEnum):
    """What happens to demand a segment does not receive: carried forward, or gone."""

    backlog = "backlog"
    lost = "lost"


class PlanStatus(StrEnum):
    draft = "draft"
    locked = "locked"


class FamilyBase(SQLModel):
    code: Code
    name: Name
    unit: Code = Field(default="units", description="Unit of measure of the family's quantities.")
    status: LifecycleStatus = LifecycleStatus.active

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"code": "FAM-01", "name": "Espresso machines", "unit": "units", "status": "active"}
            ]
        }
    }


class FamilyPublic(FamilyBase):
    id: int


class SegmentBase(SQLModel):
    code: Code
    name: Name
    fill_rate_target: Fraction = Field(default=0.95, description="Share of demand to be served.")
    priority: Priority = 5
    strategic: Flag = False
    unmet_demand: UnmetDemand = UnmetDemand.backlog

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "code": "KEY",
                    "name": "Key accounts",
                    "fill_rate_target": 0.98,
                    "priority": 1,
                    "strategic": True,
                    "unmet_demand": "backlog",
                }
            ]
        }
    }


class SegmentPublic(SegmentBase):
    id: int


class DemandHistoryBase(SQLModel):
    """Actual demand (units) of a family in a segment and month."""

    family_code: Code
    segment_code: Code
    period: Period
    quantity: Quantity

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "family_code": "FAM-01",
                    "segment_code": "KEY",
                    "period": "2026-01",
                    "quantity": 120,
                }
            ]
        }
    }


class DemandHistoryPublic(DemandHistoryBase):
    id: int


class DemandPlanBase(SQLModel):
    """A versioned, unconstrained demand plan over a horizon of months."""

    name: Name
    horizon_start: Period
    horizon_months: Months = 24
    note: Text = ""

    _horizon_in_calendar = field_validator("horizon_months")(horizon_in_calendar)
    model_config = {"validate_default": True}


class DemandPlanPublic(DemandPlanBase):
    id: int
    version: int
    status: PlanStatus
    created_at: UtcDatetime
    locked_at: UtcDatetime | None = None
    built_from_streams: bool = Field(
        default=False,
        description=(
            "True when the lines are the consensus of the plan's demand streams (statistical "
            "baseline and role inputs) rather than loaded directly."
        ),
    )


class DemandPlanLineBase(SQLModel):
    family_code: Code
    segment_code: Code
    period: Period
    quantity: Quantity

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "family_code": "FAM-01",
                    "segment_code": "KEY",
                    "period": "2026-12",
                    "quantity": 140,
                }
            ]
        }
    }


class DemandPlanLinePublic(DemandPlanLineBase):
    id: int
    plan_id: int


# --- Demand review: statistical baseline, role input streams, waterfall, accuracy ----------

SignedQuantity = Annotated[
    float,
    Strict(),
    Constraint(
        ge=-MAX_QUANTITY,
        le=MAX_QUANTITY,
        allow_inf_nan=False,
        description="Units added (positive) or removed (negative).",
    ),
]
Uplift = Annotated[
    float,
    Strict(),
    Constraint(
        ge=-1,
        le=10,
        allow_inf_nan=False,
        description="Relative change of demand: 0.2 is +20%, -0.1 is -10% (e.g. a price rise).",
    ),
]
Assumption = Annotated[
    str,
    Constraint(
        min_length=1,
        max_length=2000,
        pattern=TEXT_PATTERN,
        description="The written assumption behind the number: what must be true for it to hold.",
    ),
]


class DemandStream(StrEnum):
    """The layers of the consensus waterfall, in the order they are applied."""

    statistical = "statistical"
    sales = "sales"
    marketing = "marketing"
    product = "product"
    planner = "planner"
    consensus = "consensus"


class InputStream(StrEnum):
    """The streams a role writes into (the statistical baseline is computed, not written)."""

    sales = "sales"
    marketing = "marketing"
    product = "product"
    planner = "planner"


class DemandRole(StrEnum):
    sales = "sales"
    marketing = "marketing"
    product_manager = "product_manager"
    demand_planner = "demand_planner"


class InputKind(StrEnum):
    override = "override"
    delta = "delta"
    event = "event"
    launch = "launch"
    phase_out = "phase_out"


class BaselineSeriesPublic(SQLModel):
    """The statistical baseline of one family x segment: the method chosen and why."""

    plan_id: int
    family_code: Code
    segment_code: Code
    method: str = Field(
        description="A forecast method (auto_ets, seasonal_naive, croston_sba...), or "
        "moving_average / zero when the series was too short or ended."
    )
    detail: str = Field(description="The fitted form, e.g. 'ETS(A,Ad,A) chosen by AICc'.")
    history_months: int
    intermittent: bool
    fallback: bool = Field(description="True when the series was too short to compare methods.")
    end_of_life: bool = Field(description="Forecast at zero: the series ended or is inactive.")
    overridden: bool = Field(
        default=False,
        description="Forecast by the family's stored method override (/forecast-overrides), "
        "not by a contest: `candidates` then holds that method alone.",
    )
    note: str = Field(description="Why a fallback, an end of life, or methods left out.")
    cv_horizon: int = Field(description="Months forecast from each cross-validation origin.")
    cv_mae: float | None = Field(
        description="Cross-validated mean absolute error of the chosen method (units)."
    )
    candidates: dict[str, float | None] = Field(
        default_factory=dict,
        description="Cross-validated mean absolute error of every method tried (None: not scored).",
    )


class PlanRollRequest(BaseModel):
    """Roll a plan forward: the next version over a horizon moved on by ``months``."""

    model_config = ConfigDict(extra="forbid")

    months: Annotated[int, Constraint(ge=1, le=12), JSON_INTEGER] = Constraint(
        default=1, description="How far the horizon moves (default one month: the next cycle)."
    )
    name: Name | None = Constraint(default=None, description="Default: the source plan's name.")
    note: Text | None = Constraint(default=None, description="Default: the source plan's note.")


class RolledInput(BaseModel):
    """An input of the source plan as the roll saw it: carried, or dropped and why."""

    input_id: int = Constraint(description="The input's id in the source plan.")
    stream: InputStream
    kind: InputKind
    family_code: Code
    segment_code: Code | None
    period_from: Period
    period_to: Period | None
    author: Name
    reason_code: Code
    note: str = Constraint(description="Why it was carried or dropped.")


class PlanRollPublic(BaseModel):
    """The rolled plan and what its roll did with each input of the source plan."""

    plan: DemandPlanPublic
    source_plan_id: int
    months: int
    baseline_series: int = Constraint(
        description="Series whose statistical baseline was refreshed on the latest history."
    )
    carried: list[RolledInput]
    dropped: list[RolledInput]


class DemandInputPublic(SQLModel):
    """One input of a role into its stream, with who wrote it and why."""

    id: int
    plan_id: int
    stream: InputStream
    role: DemandRole
    kind: InputKind
    family_code: Code
    segment_code: Code | None = Field(description="None: every segment of the family.")
    period_from: Period
    period_to: Period | None
    quantity: float | None = Field(
        description="Override: units per period; delta: units added; event: uplift units; "
        "launch: monthly volume at the end of the ramp."
    )
    uplift_pct: float | None
    cannibalised_family_code: Code | None
    cannibalisation_share: float | None
    ramp_months: int | None
    author: Name
    reason_code: Code
    assumption: str
    created_at: UtcDatetime


class Contribution(SQLModel):
    """How much one input moved one cell of the waterfall."""

    input_id: int
    stream: InputStream
    kind: InputKind
    author: str
    reason_code: str
    delta: float


class WaterfallRowPublic(SQLModel):
    """Demand of one family, segment and period after each stream, and who moved it."""

    plan_id: int
    family_code: Code
    segment_code: Code
    period: Period
    statistical: float
    sales: float
    marketing: float
    product: float
    planner: float
    consensus: float
    contributions: list[Contribution] = Field(default_factory=list)


class AccuracyRowPublic(SQLModel):
    """Accuracy of one stream over the forecast/actual pairs of a group.

    Errors are actual - forecast (the textbook sign): a negative ``bias`` and a negative
    tracking signal mean over-forecasting. ``fva_*`` are WMAPE gained (a fraction) against the
    statistical baseline and the naive forecast: positive means the stream added value.
    """

    stream: str
    plan_id: int | None = None
    family_code: str | None = None
    segment_code: str | None = None
    lag: int | None = None
    observations: int
    actual_total: float
    forecast_total: float
    mae: float = Field(description="Mean |error| (units): the textbooks' MAD.")
    mse: float
    mape: float | None = Field(description="Mean of |error| / actual over non-zero actuals.")
    wmape: float | None = Field(description="Sum |error| / sum actual.")
    bias: float = Field(description="Mean error, actual - forecast (units).")
    bias_pct: float | None = Field(description="Sum of errors / sum of actuals (a fraction).")
    tracking_signal: float | None = Field(description="Running sum of errors / MAE.")
    tracking_alarm: bool = Field(description="The tracking signal is outside +/-4.")
    fva_vs_statistical: float | None
    fva_vs_naive: float | None


class BiasFlagPublic(SQLModel):
    """A stream (and author) whose forecasts were persistently on one side of the actuals."""

    stream: str
    author: str | None
    family_code: str | None
    segment_code: str | None
    periods: int
    first_period: Period
    last_period: Period
    direction: str = Field(description="over_forecast or under_forecast.")
    bias_pct: float = Field(
        description="Sum of (actual - forecast) / sum of actuals: negative is over-forecasting."
    )
    same_sign_share: float
    tracking_signal: float | None
    severity: str = Field(description="high when |bias| >= twice the threshold, else medium.")
    message: str


# --- Customers and the prioritisation matrix ----------------------------------------------

MarginParam = Annotated[
    float,
    Constraint(
        ge=-1,
        le=1,
        allow_inf_nan=False,
        description="Gross margin as a share of revenue (0.3 is 30%; negative: loss-making).",
    ),
]
ImportanceParam = Annotated[
    int, Constraint(ge=1, le=5, description="Strategic importance: 1 (low) to 5 (critical).")
]
# In a JSON body a margin and an importance are numbers; the ...Param forms read a query string.
Margin = Annotated[MarginParam, Strict()]
Importance = Annotated[ImportanceParam, JSON_INTEGER]


class Quadrant(StrEnum):
    """Cells of the customer prioritisation matrix (profitability x strategic importance)."""

    core = "core"  # profitable and strategic: protect, serve first
    develop = "develop"  # strategic, not (yet) profitable: invest, improve the margin
    harvest = "harvest"  # profitable, not strategic: serve efficiently
    review = "review"  # neither: rethink the terms of service


class CustomerBase(SQLModel):
    code: Code
    name: Name
    segment_code: Code
    annual_revenue: Money = 0.0
    gross_margin_pct: Margin = 0.0
    strategic_importance: Importance = 3

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "code": "CUST-001",
                    "name": "Hotel chain North",
                    "segment_code": "KEY",
                    "annual_revenue": 1200000,
                    "gross_margin_pct": 0.32,
                    "strategic_importance": 5,
                }
            ]
        }
    }


class CustomerPublic(CustomerBase):
    id: int


class CustomerPlacement(SQLModel):
    """A customer's place in the prioritisation matrix."""

    code: Code
    name: Name
    segment_code: Code
    annual_revenue: float
    gross_margin_pct: float
    strategic_importance: int
    quadrant: Quadrant


class SegmentTargetPublic(SQLModel):
    """A segment's service targets as set, and as derived from its customers."""

    segment_code: Code
    fill_rate_target: float
    priority: int
    strategic: bool
    customers: int
    annual_revenue: float
    quadrant_revenue_share: dict[str, float]
    derived_fill_rate_target: float | None
    derived_priority: int | None
    derived_strategic: bool | None
    differs: bool = Field(description="The set targets differ from the derived ones.")


# --- Demand review answers (the demand service returns them, the gateway reads them) ------


class ForecastSource(StrEnum):
    """Every forecast accuracy is measured for: the naive benchmark and the waterfall layers."""

    naive = "naive"
    statistical = "statistical"
    sales = "sales"
    marketing = "marketing"
    product = "product"
    planner = "planner"
    consensus = "consensus"


class AccuracyDimension(StrEnum):
    """What an accuracy row is grouped by, besides its stream."""

    plan = "plan"
    family = "family"
    segment = "segment"
    lag = "lag"


class ConsensusSummaryPublic(SQLModel):
    """Total units of a plan after each stream of its waterfall."""

    plan_id: int
    version: int
    series: int
    cells: int
    inputs: int
    totals: dict[str, float] = Field(
        description="Units summed over the plan after each stream, in waterfall order."
    )


class DataQualityIssue(StrEnum):
    gaps = "gaps"
    zeros = "zeros"
    outliers = "outliers"
    too_short = "too_short"
    stale = "stale"


class OutlierPublic(SQLModel):
    period: Period
    quantity: Quantity
    score: float = Field(description="Robust z-score of the month within its series.")


class SeriesQualityPublic(SQLModel):
    """The history of one family x segment and what is wrong with it."""

    family_code: Code
    segment_code: Code
    first_period: Period
    last_period: Period
    months: int = Field(description="Months from the first to the last period, both included.")
    observed: int = Field(description="Months with a history row.")
    gaps: list[Period] = Field(description="Months without a row between first and last.")
    zeros: list[Period]
    outliers: list[OutlierPublic]
    too_short: bool
    stale: bool = Field(description="Ends before the latest month any series has.")
    issues: list[DataQualityIssue]


class DataQualitySummaryPublic(SQLModel):
    """The data-gathering check of the demand history, in counts."""

    series: int
    series_with_issues: int
    rows: int
    latest_period: Period | None
    gaps: int = Field(description="Missing months, over all series.")
    zeros: int = Field(description="Zero months, in series that are not intermittent.")
    outliers: int
    too_short: int
    stale: int
    negatives: int = Field(
        description="Always 0: the history refuses negative quantities on input; listed so a "
        "report reader sees it was checked."
    )
    families_without_history: list[Code] = Field(
        description="Families (not phased out) with no history at all: cold starts."
    )
    segments_without_history: list[Code]


# --- filters of the demand review's reads: the service's query, the gateway's client and
# the graph's arguments are one model each ---------------------------------------------------

MAX_LAG = 36


class FrozenFilters(BaseModel):
    """Filters of a read: immutable, so that a DataLoader can key on them.

    A query parameter they do not declare is refused by ``shared.contract`` (422), not by
    ``extra="forbid"`` here: FastAPI would hand such a model the page's ``limit`` and
    ``offset`` too, and refuse them."""

    model_config = ConfigDict(frozen=True)


class AccuracyFilters(FrozenFilters):
    plan_id: int | None = Constraint(default=None, ge=1, le=MAX_ROW_ID)
    stream: ForecastSource | None = None
    family_code: Code | None = None
    segment_code: Code | None = None
    lag: int | None = Constraint(
        default=None,
        ge=0,
        le=MAX_LAG,
        description="Months from the plan's horizon start to the period (0: its first month).",
    )
    period_from: Period | None = None
    period_to: Period | None = None
    group_by: list[AccuracyDimension] = Constraint(
        default=[AccuracyDimension.family, AccuracyDimension.segment, AccuracyDimension.lag],
        max_length=4,
        description="Dimensions of a row besides the stream; empty (`?group_by=`) sums over "
        "them all.",
    )

    @field_validator("group_by", mode="before")
    @classmethod
    def _empty_means_none(cls, value: Any) -> Any:
        """``?group_by=`` arrives as one empty string: the empty list, not an unknown name."""
        if isinstance(value, list):
            return [v for v in value if v != ""]
        return value


class BiasFlagParams(FrozenFilters):
    stream: ForecastSource | None = None
    author: Name | None = None
    family_code: Code | None = None
    segment_code: Code | None = None
    lag: int | None = Constraint(
        default=None,
        ge=0,
        le=MAX_LAG,
        description="Only forecasts made this many months ahead; default: each period's most "
        "recent locked forecast.",
    )
    window_months: int = Constraint(default=6, ge=1, le=MAX_LAG, description="The last N periods.")
    threshold: float = Constraint(
        default=0.10, gt=0, le=10, allow_inf_nan=False, description="|bias| / actual to flag."
    )
    min_periods: int = Constraint(default=3, ge=1, le=MAX_LAG)
    min_same_sign: FractionParam = Constraint(
        default=0.8,
        description="Share of the periods whose error has the bias's sign, for it to persist.",
    )
    by_family: bool = Constraint(
        default=False, description="Judge each family within a segment, not the segment whole."
    )


class DemandInputFilters(FrozenFilters):
    stream: InputStream | None = None
    family_code: Code | None = None
    segment_code: Code | None = None
    author: Name | None = None
    reason_code: Code | None = None


class PlanCellFilters(FrozenFilters):
    """Cells of a demand plan (its lines, its waterfall) by family, segment and months."""

    family_code: Code | None = None
    segment_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None


class BaselineFilters(FrozenFilters):
    family_code: Code | None = None
    segment_code: Code | None = None
    method: str | None = Constraint(default=None, max_length=32)
    fallback: bool | None = None


# --- Stateless forecasts and backtests (POST /forecasts, POST /forecasts/backtest) ---------


class ForecastMethod(StrEnum):
    """A statsforecast model that can be asked for or compete in a selection."""

    seasonal_naive = "seasonal_naive"
    auto_ets = "auto_ets"
    auto_arima = "auto_arima"
    auto_theta = "auto_theta"
    auto_ces = "auto_ces"
    mstl = "mstl"
    croston_optimized = "croston_optimized"
    croston_sba = "croston_sba"
    adida = "adida"
    imapa = "imapa"
    tsb = "tsb"


class CandidateSet(StrEnum):
    fast = "fast"
    full = "full"


MAX_FORECAST_SERIES = 1000
MAX_SERIES_MONTHS = 600
MAX_FORECAST_HORIZON = 60
Level = Annotated[int, Constraint(ge=1, le=99)]


class SeriesIn(BaseModel):
    """Monthly demand of one series: a month missing inside it is zero demand."""

    model_config = ConfigDict(extra="forbid")

    id: Name
    periods: list[Period] = Constraint(min_length=1, max_length=MAX_SERIES_MONTHS)
    values: list[Quantity] = Constraint(min_length=1, max_length=MAX_SERIES_MONTHS)

    @field_validator("values")
    @classmethod
    def _one_value_per_period(cls, values: list[float], info: Any) -> list[float]:
        periods = info.data.get("periods")
        if periods is not None and len(periods) != len(values):
            raise ValueError(f"{len(values)} values for {len(periods)} periods")
        if periods is not None and len(set(periods)) != len(periods):
            raise ValueError("a period appears twice in periods")
        return values


class ForecastOptions(BaseModel):
    """How series are forecast: by one method asked for, or by a cross-validated selection."""

    model_config = ConfigDict(extra="forbid")

    series: list[SeriesIn] = Constraint(min_length=1, max_length=MAX_FORECAST_SERIES)
    horizon: int = Constraint(ge=1, le=MAX_FORECAST_HORIZON, description="Months to forecast.")
    season_length: int = Constraint(default=12, ge=1, le=24, description="Months per season.")
    method: ForecastMethod | None = Constraint(
        default=None, description="Use this method (no selection); default: the best candidate."
    )
    parameters: dict[str, Any] = Constraint(
        default_factory=dict,
        description="Parameters of `method` (e.g. auto_ets: model, damped; tsb: alpha_d, "
        "alpha_p); an unknown one is a 422 naming it.",
    )
    candidates: CandidateSet | list[ForecastMethod] = Constraint(
        default=CandidateSet.fast,
        description="fast: seasonal naive, AutoETS (+ CrostonSBA, TSB when intermittent); full: "
        "every method; or a list.",
    )
    cv_windows: int = Constraint(
        default=8, ge=1, le=12, description="Origins of the selection's cross-validation."
    )
    cv_step: int = Constraint(default=3, ge=1, le=12, description="Months between those origins.")
    time_budget_seconds: float = Constraint(
        default=30,
        gt=0,
        le=600,
        allow_inf_nan=False,
        description="After it, no further candidate is scored (the first always is).",
    )
    inactive_months: int = Constraint(
        default=6, ge=1, le=MAX_SERIES_MONTHS, description="Zero months that end a series."
    )
    last_period: Period | None = Constraint(
        default=None,
        description="The last month of the data; a series ending earlier has ended (end of "
        "life). Default: the latest last period among the series.",
    )


class ForecastRequest(ForecastOptions):
    levels: list[Level] = Constraint(
        default=[80, 95], max_length=5, description="Prediction interval levels, in percent."
    )


class BacktestRequest(ForecastOptions):
    windows: int = Constraint(default=3, ge=1, le=24, description="Scoring origins.")
    step: int = Constraint(default=1, ge=1, le=24, description="Months between scoring origins.")
    levels: list[Level] = Constraint(
        default=[80], max_length=5, description="Interval levels whose coverage is measured."
    )


class BaselineRequest(BaseModel):
    """What POST /demand-plans/{id}/baseline forecasts, and with which candidates."""

    model_config = ConfigDict(extra="forbid")

    family_code: Code | None = Constraint(
        default=None, description="Only this family (default: every series with history)."
    )
    segment_code: Code | None = None
    history_from: Period | None = Constraint(
        default=None, description="Ignore history before this period."
    )
    candidates: CandidateSet = Constraint(
        default=CandidateSet.fast,
        description="fast (default: seasonal naive, AutoETS; CrostonSBA and TSB when "
        "intermittent) keeps the baseline interactive; full (adds AutoARIMA, AutoTheta, AutoCES, "
        "MSTL, CrostonOptimized, ADIDA, IMAPA) costs about 2 s a series: submit it as a job "
        "(the gateway's POST /jobs, kind baseline).",
    )
    time_budget_seconds: float = Constraint(
        default=120,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="After it, no further candidate is scored on the series left (the cheapest "
        "scored still competes); the run itself always finishes.",
    )


class BaselineSummary(BaseModel):
    plan_id: int
    series: int
    fallbacks: int
    methods: dict[str, int] = Constraint(description="How many series each method won.")
    overridden: int = Constraint(
        default=0, description="Series forecast by their family's stored method override."
    )
    candidates: CandidateSet = CandidateSet.fast
    engine: str = Constraint(default="local", description="Where the series were forecast.")
    seconds: float


class CandidateScorePublic(SQLModel):
    method: str
    mae: float | None = Field(description="Mean absolute error over the selection's origins.")
    note: str = ""


class SelectionPublic(SQLModel):
    """The evidence of a method's choice: each candidate's cross-validated error."""

    metric: str = "mae"
    horizon: int = Field(description="Months forecast from each origin.")
    origins: list[Period] = Field(description="The last month fitted at each origin.")
    candidates: list[CandidateScorePublic]


class IntervalPublic(SQLModel):
    level: int = Field(description="Nominal coverage, in percent (80: 80% of outcomes inside).")
    lower: list[float]
    upper: list[float]


class SeriesForecastPublic(SQLModel):
    id: str
    method: str = Field(description="A ForecastMethod, or zero / moving_average (fallbacks).")
    detail: str
    periods: list[Period]
    mean: list[float]
    intervals: list[IntervalPublic]
    end_of_life: bool = Field(description="Forecast at zero: the series ended or went inactive.")
    intermittent: bool
    fallback: bool = Field(description="Too short or all zero: no method could be compared.")
    note: str
    history_months: int
    selection: SelectionPublic


class ForecastResponse(SQLModel):
    series: list[SeriesForecastPublic]
    seconds: float


class ForecastMetricsPublic(SQLModel):
    """Accuracy over forecast/actual pairs. Every ratio is a fraction (0.12 is 12%)."""

    observations: int
    mae: float
    rmse: float
    mape: float | None = Field(description="Mean |error| / actual over non-zero actuals.")
    smape: float | None = Field(description="Mean 2|error| / (|actual| + |forecast|), 0 to 2.")
    wmape: float | None = Field(description="Sum |error| / sum actual.")
    bias: float = Field(description="Mean error, actual - forecast (units).")
    mase: float | None = Field(description="MAE / in-sample seasonal-naive MAE.")
    coverage: dict[str, float] = Field(
        default_factory=dict, description="Per interval level: share of actuals inside."
    )


class BacktestOriginPublic(SQLModel):
    origin: Period = Field(description="The last month fitted.")
    method: str
    selection_origins: list[Period] = Field(description="Where that choice was scored.")


class SeriesBacktestPublic(SQLModel):
    id: str
    metrics: ForecastMetricsPublic | None = Field(description="None: too short to backtest.")
    seasonal_naive: ForecastMetricsPublic | None = Field(
        description="The benchmark from the same origins."
    )
    origins: list[BacktestOriginPublic]


class BacktestResponse(SQLModel):
    series: list[SeriesBacktestPublic]
    overall: ForecastMetricsPublic | None
    overall_seasonal_naive: ForecastMetricsPublic | None
    seconds: float
