"""Client of the demand service: families, segments, demand plans and their lines, and the
demand review (baseline, role inputs, consensus and waterfall, accuracy and bias, customers,
data quality)."""

from pydantic import RootModel

from gateway.clients.base import ServiceClient
from shared.contracts.demand import (
    AccuracyFilters,
    AccuracyRowPublic,
    BaselineFilters,
    BaselineRequest,
    BaselineSeriesPublic,
    BaselineSummary,
    BiasFlagParams,
    BiasFlagPublic,
    ConsensusSummaryPublic,
    CustomerPlacement,
    CustomerPublic,
    DataQualityIssue,
    DataQualitySummaryPublic,
    DemandHistoryPublic,
    DemandInputFilters,
    DemandInputPublic,
    DemandPlanLinePublic,
    DemandPlanPublic,
    FamilyPublic,
    LifecycleStatus,
    PlanCellFilters,
    PlanRollPublic,
    PlanRollRequest,
    PlanStatus,
    Quadrant,
    SegmentPublic,
    SegmentTargetPublic,
    SeriesQualityPublic,
    WaterfallRowPublic,
)
from shared.contracts.hierarchy import DisaggregationParams, DisaggregationPublic
from shared.errors import Conflict, UpstreamFailed, ValidationFailed


def no_demand_plan() -> ValidationFailed:
    """The 422 of a step that needs a demand plan when the demand service has none."""
    return ValidationFailed(
        "the demand service has no demand plan yet: create one (and lock it in demand "
        "review) first",
        field="demand.demand_plans",
    )


ALL_LINES = PlanCellFilters()
DEFAULT_BIAS_PARAMS = BiasFlagParams()


class SegmentTargets(RootModel[list[SegmentTargetPublic]]):
    """The answer of ``GET /segment-targets``: a plain list, not a page."""


class DemandClient(ServiceClient):
    service = "demand"

    async def families(self, *, status: LifecycleStatus | None = None) -> list[FamilyPublic]:
        return await self.list_of(FamilyPublic, "/families", status=status)

    async def segments(self) -> list[SegmentPublic]:
        return await self.list_of(SegmentPublic, "/segments")

    async def history(
        self,
        *,
        segment_code: str | None = None,
        period_from: str | None = None,
        period_to: str | None = None,
    ) -> list[DemandHistoryPublic]:
        """Actual demand per family, segment and month."""
        return await self.list_of(
            DemandHistoryPublic,
            "/history",
            segment_code=segment_code,
            period_from=period_from,
            period_to=period_to,
        )

    async def demand_plans(self, *, status: PlanStatus | None = None) -> list[DemandPlanPublic]:
        return await self.list_of(DemandPlanPublic, "/demand-plans", status=status)

    async def demand_plan(self, *, plan_id: int) -> DemandPlanPublic | None:
        return await self.one_of(DemandPlanPublic, f"/demand-plans/{plan_id}")

    async def roll_demand_plan(
        self, *, plan_id: int, request: PlanRollRequest, idempotency_key: str
    ) -> PlanRollPublic:
        """The next version of a plan over its horizon moved on; a retry with the same key
        answers the roll made first."""
        return await self.post_of(
            PlanRollPublic,
            f"/demand-plans/{plan_id}/roll",
            request,
            headers={"Idempotency-Key": idempotency_key},
        )

    async def run_baseline(
        self, *, plan_id: int, revision: int, request: BaselineRequest, timeout_seconds: float
    ) -> BaselineSummary:
        """Forecast a draft plan's statistical baseline (If-Match: the plan's revision); a
        job's call, so it may take minutes: ``timeout_seconds`` replaces the usual 30 s."""
        path = f"/demand-plans/{plan_id}/baseline"
        try:
            return await self.post_of(
                BaselineSummary,
                path,
                request,
                headers={"If-Match": f'"{revision}"'},
                timeout_seconds=timeout_seconds,
            )
        except UpstreamFailed as failed:
            # A locked plan or a stale revision is the caller's to resolve, not a failing
            # service: answered as the demand service's own 409.
            if (failed.extra or {}).get("upstream_status") != 409:
                raise
            body = (failed.extra or {}).get("upstream_body")
            detail = body.get("detail") if isinstance(body, dict) else None
            raise Conflict(f"the demand service refused {path}: {detail or 'conflict'}") from failed

    async def latest_demand_plan(self) -> DemandPlanPublic | None:
        """The latest locked plan, else the latest draft; ``None`` when there is no plan."""
        return await self.one_of(DemandPlanPublic, "/demand-plans/latest")

    async def demand_plan_lines(
        self, *, plan_id: int, filters: PlanCellFilters = ALL_LINES
    ) -> list[DemandPlanLinePublic]:
        # One NDJSON read, not pages: a large plan is 72,000 lines.
        return await self.export_matching(
            DemandPlanLinePublic, f"/demand-plans/{plan_id}/lines/export", filters
        )

    async def plan_disaggregation(
        self, *, plan_id: int, params: DisaggregationParams
    ) -> DisaggregationPublic | None:
        """A locked plan split to items and locations (master scheduling's demand); ``None``
        when the plan does not exist."""
        return await self.one_of(
            DisaggregationPublic,
            f"/demand-plans/{plan_id}/disaggregation",
            **params.model_dump(mode="json", exclude_defaults=True),
        )

    # --- demand review -------------------------------------------------------------------

    async def baseline_series(
        self, *, plan_id: int, filters: BaselineFilters
    ) -> list[BaselineSeriesPublic]:
        return await self.list_matching(
            BaselineSeriesPublic, f"/demand-plans/{plan_id}/baseline", filters
        )

    async def demand_inputs(
        self, *, plan_id: int, filters: DemandInputFilters
    ) -> list[DemandInputPublic]:
        return await self.list_matching(
            DemandInputPublic, f"/demand-plans/{plan_id}/inputs", filters
        )

    async def consensus_summary(self, *, plan_id: int) -> ConsensusSummaryPublic | None:
        """Units after each stream; ``None`` when the plan does not exist."""
        return await self.one_of(ConsensusSummaryPublic, f"/demand-plans/{plan_id}/consensus")

    async def waterfall(
        self, *, plan_id: int, filters: PlanCellFilters
    ) -> list[WaterfallRowPublic]:
        return await self.list_matching(
            WaterfallRowPublic, f"/demand-plans/{plan_id}/waterfall", filters
        )

    async def accuracy(self, *, filters: AccuracyFilters) -> list[AccuracyRowPublic]:
        """Rows per stream and group. An empty ``group_by`` cannot be sent as a query
        parameter: it is sent as the service's default (family, segment, lag)."""
        return await self.list_matching(AccuracyRowPublic, "/accuracy", filters)

    async def bias_flags(
        self, *, params: BiasFlagParams = DEFAULT_BIAS_PARAMS
    ) -> list[BiasFlagPublic]:
        """Persistent bias per stream and author."""
        return await self.list_matching(BiasFlagPublic, "/accuracy/bias-flags", params)

    async def customers(
        self, *, segment_code: str | None = None, strategic_importance: int | None = None
    ) -> list[CustomerPublic]:
        return await self.list_of(
            CustomerPublic,
            "/customers",
            segment_code=segment_code,
            strategic_importance=strategic_importance,
        )

    async def customer_matrix(
        self,
        *,
        segment_code: str | None = None,
        quadrant: Quadrant | None = None,
        margin_cut: float | None = None,
        importance_cut: int | None = None,
    ) -> list[CustomerPlacement]:
        return await self.list_of(
            CustomerPlacement,
            "/customers/matrix",
            segment_code=segment_code,
            quadrant=quadrant,
            margin_cut=margin_cut,
            importance_cut=importance_cut,
        )

    async def segment_targets(
        self, *, margin_cut: float | None = None, importance_cut: int | None = None
    ) -> list[SegmentTargetPublic]:
        answer = await self.one_of(
            SegmentTargets, "/segment-targets", margin_cut=margin_cut, importance_cut=importance_cut
        )
        return answer.root if answer is not None else []

    async def data_quality(
        self,
        *,
        family_code: str | None = None,
        segment_code: str | None = None,
        period_from: str | None = None,
        period_to: str | None = None,
        min_months: int | None = None,
        outlier_score: float | None = None,
    ) -> DataQualitySummaryPublic | None:
        return await self.one_of(
            DataQualitySummaryPublic,
            "/data-quality",
            family_code=family_code,
            segment_code=segment_code,
            period_from=period_from,
            period_to=period_to,
            min_months=min_months,
            outlier_score=outlier_score,
        )

    async def data_quality_series(
        self,
        *,
        family_code: str | None = None,
        segment_code: str | None = None,
        period_from: str | None = None,
        period_to: str | None = None,
        min_months: int | None = None,
        outlier_score: float | None = None,
        issue: DataQualityIssue | None = None,
        only_issues: bool | None = None,
    ) -> list[SeriesQualityPublic]:
        return await self.list_of(
            SeriesQualityPublic,
            "/data-quality/series",
            family_code=family_code,
            segment_code=segment_code,
            period_from=period_from,
            period_to=period_to,
            min_months=min_months,
            outlier_score=outlier_score,
            issue=issue,
            only_issues=only_issues,
        )
