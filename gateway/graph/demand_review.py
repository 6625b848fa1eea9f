"""The demand review in the graph: the statistical baseline, role inputs, the consensus and its
waterfall, forecast accuracy and bias, customers and segment targets, data quality.

Fields of existing types come as bases that ``gateway.graph.types`` mixes in: a demand plan
gets ``baseline``, ``inputs``, ``consensus`` and ``waterfall``; a family its ``waterfall`` and
``inputs``; a segment its ``customers``. They read through per-request DataLoaders that batch
across rows: the waterfall or inputs of N families (or the customers of N segments) cost ONE
list call per distinct plan and filter, whatever N. Root fields (``DemandReviewQuery``) are one
upstream call each. A plan's money at prices is ``DemandPlan.valuation`` (finance service).

Arguments are checked by the demand service; its 422 on a read is the caller's argument, so
it is answered as a 422 naming the GraphQL argument (``minSameSign``), never as a 502.
"""

import datetime as dt
from typing import TypeVar

import strawberry

from gateway.graph.arguments import arguments_of, checked, checked_id
from gateway.graph.context import Info
from gateway.graph.convert import from_model
from gateway.graph.loaders import GroupKey
from gateway.graph.loaders.review import PlanScope
from gateway.graph.scalars import Code, Period
from shared.contracts.demand import (
    AccuracyDimension,
    AccuracyFilters,
    AccuracyRowPublic,
    BaselineFilters,
    BaselineSeriesPublic,
    BiasFlagParams,
    BiasFlagPublic,
    ConsensusSummaryPublic,
    DataQualityIssue,
    DemandInputFilters,
    DemandRole,
    ForecastSource,
    InputKind,
    InputStream,
    PlanCellFilters,
    Quadrant,
    SegmentTargetPublic,
    SeriesQualityPublic,
    WaterfallRowPublic,
)
from shared.errors import UpstreamFailed, ValidationFailed

T = TypeVar("T")

strawberry.enum(InputStream, description="The stream a role writes into.")
strawberry.enum(DemandRole, description="The demand-side role that wrote an input.")
strawberry.enum(InputKind, description="Override, delta, event, launch or phase-out.")
strawberry.enum(
    ForecastSource, description="A waterfall layer, or the naive benchmark (last actual)."
)
strawberry.enum(AccuracyDimension, description="What accuracy rows are grouped by.")
strawberry.enum(Quadrant, description="Cell of the customer prioritisation matrix.")
strawberry.enum(DataQualityIssue, description="What can be wrong with a demand history series.")


def _input_filters(
    stream: InputStream | None,
    segment_code: str | None,
    author: str | None,
    reason_code: str | None,
) -> DemandInputFilters:
    return arguments_of(
        DemandInputFilters,
        stream=stream,
        segment_code=segment_code,
        author=author,
        reason_code=reason_code,
    )


def _waterfall_filters(
    segment_code: str | None, period_from: str | None, period_to: str | None
) -> PlanCellFilters:
    return arguments_of(
        PlanCellFilters, segment_code=segment_code, period_from=period_from, period_to=period_to
    )


async def plan_or_latest(info: Info, plan_id: int | None) -> int | None:
    """The plan asked for, else the latest (locked, else draft); ``None``: there is no plan."""
    if plan_id is not None:
        return checked_id(plan_id, "planId")
    latest = await info.context.loaders.latest_demand_plan.load(None)
    return latest.id if latest is not None else None


# --- types --------------------------------------------------------------------------------


@strawberry.type(description="Cross-validated mean absolute error of one forecasting method.")
class MethodError:
    method: str
    cv_mae: float | None = strawberry.field(description="None: not scored (time budget).")


@strawberry.type(
    description="The statistical baseline of one family x segment: the method chosen by "
    "cross-validated error, the error, and why a series fell back or ended."
)
class BaselineSeries:
    plan_id: int
    family_code: str
    segment_code: str
    method: str
    detail: str
    history_months: int
    intermittent: bool
    fallback: bool = strawberry.field(description="Too short to compare methods.")
    end_of_life: bool = strawberry.field(description="Forecast at zero: ended or inactive.")
    overridden: bool = strawberry.field(
        description="Forecast by the family's stored method override, not by the contest."
    )
    note: str
    cv_horizon: int
    cv_mae: float | None
    candidates: list[MethodError] = strawberry.field(description="Every method tried.")

    @classmethod
    def of(cls, series: BaselineSeriesPublic) -> "BaselineSeries":
        candidates = [
            MethodError(method=method, cv_mae=mae)
            for method, mae in sorted(
                series.candidates.items(), key=lambda item: (item[1] is None, item[1] or 0)
            )
        ]
        return from_model(cls, series, candidates=candidates)


@strawberry.type(description="One role input into its stream: who, why, and what it says.")
class DemandInput:
    id: int
    plan_id: int
    stream: InputStream
    role: DemandRole
    kind: InputKind
    family_code: str
    segment_code: str | None = strawberry.field(description="None: every segment.")
    period_from: str
    period_to: str | None
    quantity: float | None
    uplift_pct: float | None
    cannibalised_family_code: str | None
    cannibalisation_share: float | None
    ramp_months: int | None
    author: str
    reason_code: str
    assumption: str
    created_at: dt.datetime


@strawberry.type(description="How much one input moved one cell of the waterfall.")
class Contribution:
    input_id: int
    stream: InputStream
    kind: InputKind
    author: str
    reason_code: str
    delta: float


@strawberry.type(
    description="Demand of a family, segment and month after each stream, and who moved it."
)
class WaterfallRow:
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
    contributions: list[Contribution]

    @classmethod
    def of(cls, row: WaterfallRowPublic) -> "WaterfallRow":
        contributions = [from_model(Contribution, item) for item in row.contributions]
        return from_model(cls, row, contributions=contributions)


@strawberry.type(description="Units summed over a plan after one stream.")
class StreamTotal:
    stream: str = strawberry.field(
        description="statistical, sales, marketing, product, planner, consensus."
    )
    units: float


@strawberry.type(description="A plan's consensus: series, cells, inputs, units after each stream.")
class ConsensusTotals:
    plan_id: int
    version: int
    series: int
    cells: int
    inputs: int
    totals: list[StreamTotal] = strawberry.field(description="In waterfall order.")

    @classmethod
    def of(cls, summary: ConsensusSummaryPublic) -> "ConsensusTotals":
        totals = [StreamTotal(stream=name, units=units) for name, units in summary.totals.items()]
        return from_model(cls, summary, totals=totals)


@strawberry.type(
    description="Accuracy of one stream over a group's forecast/actual pairs. Errors are "
    "actual - forecast: a negative bias is over-forecasting. FVA is WMAPE gained (a fraction) "
    "against the statistical and the naive forecast (positive: the stream added value)."
)
class AccuracyRow:
    stream: ForecastSource
    plan_id: int | None
    family_code: str | None
    segment_code: str | None
    lag: int | None
    observations: int
    actual_total: float
    forecast_total: float
    mae: float
    mse: float
    mape: float | None
    wmape: float | None
    bias: float
    bias_pct: float | None
    tracking_signal: float | None
    tracking_alarm: bool = strawberry.field(description="The tracking signal is outside +/-4.")
    fva_vs_statistical: float | None
    fva_vs_naive: float | None

    @classmethod
    def of(cls, row: AccuracyRowPublic) -> "AccuracyRow":
        return from_model(cls, row, stream=ForecastSource(row.stream))


@strawberry.type(description="A stream (and author) persistently on one side of the actuals.")
class BiasFlag:
    stream: ForecastSource
    author: str | None
    family_code: str | None
    segment_code: str | None
    periods: int
    first_period: str
    last_period: str
    direction: str = strawberry.field(description="over_forecast or under_forecast.")
    bias_pct: float = strawberry.field(
        description="Sum of (actual - forecast) / sum of actuals: negative is over-forecasting."
    )
    same_sign_share: float
    tracking_signal: float | None
    severity: str = strawberry.field(description="high or medium.")
    message: str

    @classmethod
    def of(cls, flag: BiasFlagPublic) -> "BiasFlag":
        return from_model(cls, flag, stream=ForecastSource(flag.stream))


@strawberry.type(description="A customer with its profitability and strategic importance.")
class Customer:
    code: str
    name: str
    segment_code: str
    annual_revenue: float
    gross_margin_pct: float
    strategic_importance: int


@strawberry.type(description="A customer's place in the prioritisation matrix.")
class CustomerPlacement:
    code: str
    name: str
    segment_code: str
    annual_revenue: float
    gross_margin_pct: float
    strategic_importance: int
    quadrant: Quadrant


@strawberry.type(description="Share of a segment's customer revenue in one matrix quadrant.")
class QuadrantShare:
    quadrant: str
    share: float


@strawberry.type(description="A segment's service targets as set, and as derived from customers.")
class SegmentTarget:
    segment_code: str
    fill_rate_target: float
    priority: int
    strategic: bool
    customers: int
    annual_revenue: float
    quadrant_revenue_share: list[QuadrantShare]
    derived_fill_rate_target: float | None
    derived_priority: int | None
    derived_strategic: bool | None
    differs: bool = strawberry.field(description="The set targets differ from the derived ones.")

    @classmethod
    def of(cls, target: SegmentTargetPublic) -> "SegmentTarget":
        shares = [
            QuadrantShare(quadrant=quadrant, share=share)
            for quadrant, share in target.quadrant_revenue_share.items()
        ]
        return from_model(cls, target, quadrant_revenue_share=shares)


@strawberry.type(description="The data-gathering check of the demand history, in counts.")
class DataQuality:
    series: int
    series_with_issues: int
    rows: int
    latest_period: str | None
    gaps: int
    zeros: int
    outliers: int
    too_short: int
    stale: int
    negatives: int
    families_without_history: list[str]
    segments_without_history: list[str]


@strawberry.type(description="A month far from its series' median (robust z-score).")
class Outlier:
    period: str
    quantity: float
    score: float


@strawberry.type(description="The history of one family x segment and what is wrong with it.")
class SeriesQuality:
    family_code: str
    segment_code: str
    first_period: str
    last_period: str
    months: int
    observed: int
    gaps: list[str]
    zeros: list[str]
    outliers: list[Outlier]
    too_short: bool
    stale: bool
    issues: list[DataQualityIssue]

    @classmethod
    def of(cls, series: SeriesQualityPublic) -> "SeriesQuality":
        outliers = [from_model(Outlier, outlier) for outlier in series.outliers]
        return from_model(cls, series, outliers=outliers)


# --- fields of the existing types (mixed in by gateway.graph.types) ----------------------


@strawberry.type(description="The demand-review fields of a demand plan.")
class DemandPlanReview:
    id: int

    @strawberry.field(description="Baseline series: method, holdout error, fallback note.")
    async def baseline(
        self,
        info: Info,
        family_code: Code | None = None,
        segment_code: Code | None = None,
        method: str | None = None,
        fallback: bool | None = None,
    ) -> list[BaselineSeries] | None:
        scope = PlanScope(
            self.id,
            arguments_of(
                BaselineFilters, segment_code=segment_code, method=method, fallback=fallback
            ),
        )
        found = await info.context.loaders.review.baseline.load(GroupKey(family_code, scope))
        return [BaselineSeries.of(series) for series in found]

    @strawberry.field(description="Role inputs, by stream, family, segment, author or reason.")
    async def inputs(
        self,
        info: Info,
        stream: InputStream | None = None,
        family_code: Code | None = None,
        segment_code: Code | None = None,
        author: str | None = None,
        reason_code: Code | None = None,
    ) -> list[DemandInput] | None:
        scope = PlanScope(self.id, _input_filters(stream, segment_code, author, reason_code))
        found = await info.context.loaders.review.inputs.load(GroupKey(family_code, scope))
        return [from_model(DemandInput, row) for row in found]

    @strawberry.field(description="Units of the whole plan after each stream.")
    async def consensus(self, info: Info) -> ConsensusTotals | None:
        summary = await info.context.loaders.review.consensus.load(self.id)
        return ConsensusTotals.of(summary) if summary is not None else None

    @strawberry.field(description="Per family, segment and month: demand after each stream.")
    async def waterfall(
        self,
        info: Info,
        family_code: Code | None = None,
        segment_code: Code | None = None,
        period_from: Period | None = None,
        period_to: Period | None = None,
    ) -> list[WaterfallRow] | None:
        scope = PlanScope(self.id, _waterfall_filters(segment_code, period_from, period_to))
        found = await info.context.loaders.review.waterfall.load(GroupKey(family_code, scope))
        return [WaterfallRow.of(row) for row in found]


@strawberry.type(description="The demand-review fields of a family, batched across families.")
class FamilyDemandReview:
    code: str

    @strawberry.field(
        description="The family's waterfall in a demand plan; default: the latest plan "
        "(the latest locked, else the latest draft)."
    )
    async def waterfall(
        self,
        info: Info,
        plan_id: int | None = None,
        segment_code: Code | None = None,
        period_from: Period | None = None,
        period_to: Period | None = None,
    ) -> list[WaterfallRow] | None:
        plan = await plan_or_latest(info, plan_id)
        if plan is None:
            return []
        scope = PlanScope(plan, _waterfall_filters(segment_code, period_from, period_to))
        found = await info.context.loaders.review.waterfall.load(GroupKey(self.code, scope))
        return [WaterfallRow.of(row) for row in found]

    @strawberry.field(
        description="Role inputs on the family in a demand plan; default: the latest plan."
    )
    async def inputs(
        self,
        info: Info,
        plan_id: int | None = None,
        stream: InputStream | None = None,
        segment_code: Code | None = None,
        author: str | None = None,
        reason_code: Code | None = None,
    ) -> list[DemandInput] | None:
        plan = await plan_or_latest(info, plan_id)
        if plan is None:
            return []
        scope = PlanScope(plan, _input_filters(stream, segment_code, author, reason_code))
        found = await info.context.loaders.review.inputs.load(GroupKey(self.code, scope))
        return [from_model(DemandInput, row) for row in found]


@strawberry.type(description="The customers of a segment, batched across segments.")
class SegmentCustomers:
    code: str

    @strawberry.field(description="The segment's customers, optionally by importance.")
    async def customers(
        self, info: Info, strategic_importance: int | None = None
    ) -> list[Customer] | None:
        found = await info.context.loaders.review.customers.load(GroupKey(self.code, None))
        return [
            from_model(Customer, customer)
            for customer in found
            if strategic_importance is None or customer.strategic_importance == strategic_importance
        ]


# --- root fields: one upstream call each ----------------------------------------------------


@strawberry.type
class DemandReviewQuery:
    @strawberry.field(
        description="Accuracy, bias, tracking signal and FVA per stream of the locked plans, "
        "grouped by groupBy (default: family, segment and lag)."
    )
    async def accuracy(
        self,
        info: Info,
        plan_id: int | None = None,
        stream: ForecastSource | None = None,
        family_code: Code | None = None,
        segment_code: Code | None = None,
        lag: int | None = None,
        period_from: Period | None = None,
        period_to: Period | None = None,
        group_by: list[AccuracyDimension] | None = None,
    ) -> list[AccuracyRow] | None:
        if group_by is not None and not group_by:
            raise ValidationFailed(
                "name at least one dimension to group by (plan, family, segment or lag)",
                field="groupBy",
            )
        rows = await checked(
            info.context.state.upstreams.demand.accuracy(
                filters=arguments_of(
                    AccuracyFilters,
                    plan_id=None if plan_id is None else checked_id(plan_id, "planId"),
                    stream=stream,
                    family_code=family_code,
                    segment_code=segment_code,
                    lag=lag,
                    period_from=period_from,
                    period_to=period_to,
                    group_by=group_by,
                )
            )
        )
        return [AccuracyRow.of(row) for row in rows]

    @strawberry.field(
        description="Streams and authors whose recent forecasts were persistently on one side "
        "of the actuals (escalation inputs of the reconciliation). Unset parameters take the "
        "demand service's defaults: 6 months, 10%, 3 periods, 80% of one sign."
    )
    async def bias_flags(
        self,
        info: Info,
        stream: ForecastSource | None = None,
        author: str | None = None,
        family_code: Code | None = None,
        segment_code: Code | None = None,
        lag: int | None = None,
        window_months: int | None = None,
        threshold: float | None = None,
        min_periods: int | None = None,
        min_same_sign: float | None = None,
        by_family: bool | None = None,
    ) -> list[BiasFlag] | None:
        flags = await checked(
            info.context.state.upstreams.demand.bias_flags(
                params=arguments_of(
                    BiasFlagParams,
                    stream=stream,
                    author=author,
                    family_code=family_code,
                    segment_code=segment_code,
                    lag=lag,
                    window_months=window_months,
                    threshold=threshold,
                    min_periods=min_periods,
                    min_same_sign=min_same_sign,
                    by_family=by_family,
                )
            )
        )
        return [BiasFlag.of(flag) for flag in flags]

    @strawberry.field(description="Customers, optionally of a segment or an importance.")
    async def customers(
        self,
        info: Info,
        segment_code: Code | None = None,
        strategic_importance: int | None = None,
    ) -> list[Customer] | None:
        found = await checked(
            info.context.state.upstreams.demand.customers(
                segment_code=segment_code, strategic_importance=strategic_importance
            )
        )
        return [from_model(Customer, customer) for customer in found]

    @strawberry.field(
        description="Customers in the prioritisation matrix (profitability x strategic "
        "importance); the cuts default to the demand service's (20% margin, importance 4)."
    )
    async def customer_matrix(
        self,
        info: Info,
        segment_code: Code | None = None,
        quadrant: Quadrant | None = None,
        margin_cut: float | None = None,
        importance_cut: int | None = None,
    ) -> list[CustomerPlacement] | None:
        found = await checked(
            info.context.state.upstreams.demand.customer_matrix(
                segment_code=segment_code,
                quadrant=quadrant,
                margin_cut=margin_cut,
                importance_cut=importance_cut,
            )
        )
        return [from_model(CustomerPlacement, placement) for placement in found]

    @strawberry.field(
        description="Segment fill-rate targets and priorities as set, and as derived from the "
        "segment's customers."
    )
    async def segment_targets(
        self, info: Info, margin_cut: float | None = None, importance_cut: int | None = None
    ) -> list[SegmentTarget] | None:
        found = await checked(
            info.context.state.upstreams.demand.segment_targets(
                margin_cut=margin_cut, importance_cut=importance_cut
            )
        )
        return [SegmentTarget.of(target) for target in found]

    @strawberry.field(description="Data-quality report of the demand history, in counts.")
    async def data_quality(
        self,
        info: Info,
        family_code: Code | None = None,
        segment_code: Code | None = None,
        period_from: Period | None = None,
        period_to: Period | None = None,
        min_months: int | None = None,
        outlier_score: float | None = None,
    ) -> DataQuality | None:
        summary = await checked(
            info.context.state.upstreams.demand.data_quality(
                family_code=family_code,
                segment_code=segment_code,
                period_from=period_from,
                period_to=period_to,
                min_months=min_months,
                outlier_score=outlier_score,
            )
        )
        if summary is None:
            raise UpstreamFailed(
                "the demand service has no /data-quality report", extra={"upstream": "demand"}
            )
        return from_model(DataQuality, summary)

    @strawberry.field(
        description="Per family x segment: what is wrong with its history (by default only "
        "the series with an issue)."
    )
    async def data_quality_series(
        self,
        info: Info,
        family_code: Code | None = None,
        segment_code: Code | None = None,
        period_from: Period | None = None,
        period_to: Period | None = None,
        min_months: int | None = None,
        outlier_score: float | None = None,
        issue: DataQualityIssue | None = None,
        only_issues: bool | None = None,
    ) -> list[SeriesQuality] | None:
        found = await checked(
            info.context.state.upstreams.demand.data_quality_series(
                family_code=family_code,
                segment_code=segment_code,
                period_from=period_from,
                period_to=period_to,
                min_months=min_months,
                outlier_score=outlier_score,
                issue=issue,
                only_issues=only_issues,
            )
        )
        return [SeriesQuality.of(series) for series in found]
