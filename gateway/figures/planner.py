"""The planning computations of one request, over the services and the gateway's database.

A ``Planner`` lives for one request (a REST call, or every field of one GraphQL query). Every
upstream read and every computed figure is made at most once and shared by whoever asks for
it next, so a query asking a plan's valuation, gap and KPIs reads the plan once; no read is
per line: each is one list call or one computation call for a whole plan.
"""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy.engine import Engine

from gateway.clients import Upstreams
from gateway.clients.demand import no_demand_plan
from gateway.figures.comparison import compare_plans
from gateway.figures.figures import (
    LeverRates,
    consensus_request,
    demand_request,
    finance_field_names,
    supply_request,
    utilisation_of_consensus,
    utilisation_of_rccp,
)
from gateway.figures.kpis import kpi_report
from gateway.figures.models import (
    DemandPlanRccp,
    PlanAopGap,
    PlanKind,
    PlanKpis,
    PlanRef,
    PlanValuation,
    ResourceUtilisation,
    SupplyComparison,
)
from gateway.figures.rccp import bottlenecks, units_per_family
from gateway.plans import service as consensus
from gateway.plans.models import ConsensusPlanPublic, ConsensusPlanSummary
from shared.contracts.demand import DemandPlanLinePublic, DemandPlanPublic, SegmentPublic
from shared.contracts.finance import AopGapRequest, LeverCostPublic, ValuationRequest
from shared.contracts.supply import (
    InventoryPolicyPublic,
    RccpResult,
    RoutingPublic,
    SupplyPlanKpis,
    SupplyPlanLinePublic,
    SupplyPlanPublic,
    SupplyPlanValidation,
)
from shared.db import run_in_session
from shared.errors import NotFound, ValidationFailed
from shared.money import MoneyRates, value_plan_at
from shared.periods import horizon

ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class PlanFigures:
    """A plan as finance values it, and what that leaves out; ``frozen``: the rates an
    approved consensus plan's money was frozen at (its valuation is these, not finance's)."""

    plan: PlanRef
    request: ValuationRequest
    notes: list[str]
    frozen: MoneyRates | None = None


def demand_ref(plan: DemandPlanPublic) -> PlanRef:
    return PlanRef(
        kind=PlanKind.demand, id=plan.id, version=plan.version, name=plan.name, status=plan.status
    )


def supply_ref(plan: SupplyPlanPublic) -> PlanRef:
    return PlanRef(
        kind=PlanKind.supply, id=plan.id, version=plan.version, name=plan.name, status=plan.status
    )


def consensus_ref(plan: ConsensusPlanSummary) -> PlanRef:
    return PlanRef(
        kind=PlanKind.consensus,
        id=plan.id,
        version=plan.version,
        name=f"Consensus plan v{plan.version} ({plan.demand_plan_name})",
        status=plan.status,
    )


class Planner:
    def __init__(self, *, upstreams: Upstreams, engine: Engine) -> None:
        self.upstreams = upstreams
        self.engine = engine
        self._memo: dict[Hashable, asyncio.Future[Any]] = {}

    async def _once(self, key: Hashable, make: Callable[[], Awaitable[ResultT]]) -> ResultT:
        """``make()``'s result, computed the first time ``key`` is asked for."""
        future = self._memo.get(key)
        if future is None:
            future = self._memo[key] = asyncio.ensure_future(make())
            # A failure nobody else awaits is not "never retrieved": the first caller raises it.
            future.add_done_callback(lambda done: done.cancelled() or done.exception())
        return cast(ResultT, await future)

    async def aclose(self) -> None:
        """Let the reads a failed sibling left running finish (their answers unused) before
        the request ends, so no upstream call outlives its request. Not cancelled: an
        in-process upstream would be interrupted mid-transaction."""
        pending = [future for future in self._memo.values() if not future.done()]
        await asyncio.gather(*pending, return_exceptions=True)

    # --- reads, each at most once per request --------------------------------------------

    async def lever_costs(self) -> list[LeverCostPublic]:
        return await self._once("lever_costs", self.upstreams.finance.lever_costs)

    async def segments(self) -> list[SegmentPublic]:
        return await self._once("segments", self.upstreams.demand.segments)

    async def routings(self) -> list[RoutingPublic]:
        return await self._once("routings", self.upstreams.supply.routings)

    async def inventory_policies(self) -> list[InventoryPolicyPublic]:
        return await self._once("policies", self.upstreams.supply.inventory_policies)

    async def latest_demand_plan(self) -> DemandPlanPublic | None:
        """The latest locked demand plan, else the latest draft; ``None`` when none."""
        return await self._once("latest_demand_plan", self.upstreams.demand.latest_demand_plan)

    async def demand_plan(self, plan_id: int | None, *, field: str) -> DemandPlanPublic:
        """The plan named by a parameter (422 on ``field`` if unknown), else the latest
        (422 when there is none)."""
        if plan_id is None:
            latest = await self.latest_demand_plan()
            if latest is None:
                raise no_demand_plan()
            return latest
        try:
            return await self.demand_plan_by_id(plan_id)
        except NotFound as missing:
            raise ValidationFailed(missing.detail, field=field) from missing

    async def demand_plan_by_id(self, plan_id: int) -> DemandPlanPublic:
        """A demand plan addressed by its id (404 when unknown)."""

        async def read() -> DemandPlanPublic:
            plan = await self.upstreams.demand.demand_plan(plan_id=plan_id)
            if plan is None:
                raise NotFound(f"the demand service has no demand plan with id {plan_id}")
            return plan

        return await self._once(("demand_plan", plan_id), read)

    async def demand_lines(self, plan_id: int) -> list[DemandPlanLinePublic]:
        return await self._once(
            ("demand_lines", plan_id),
            lambda: self.upstreams.demand.demand_plan_lines(plan_id=plan_id),
        )

    async def supply_plan(self, plan_id: int) -> SupplyPlanPublic:
        """A supply plan addressed by its id (404 when unknown)."""

        async def read() -> SupplyPlanPublic:
            plan = await self.upstreams.supply.supply_plan(plan_id=plan_id)
            if plan is None:
                raise NotFound(f"the supply service has no supply plan with id {plan_id}")
            return plan

        return await self._once(("supply_plan", plan_id), read)

    async def latest_supply_plan(self) -> SupplyPlanPublic | None:
        return await self._once("latest_supply_plan", self.upstreams.supply.latest_supply_plan)

    async def supply_lines(self, plan_id: int) -> list[SupplyPlanLinePublic]:
        return await self._once(
            ("supply_lines", plan_id),
            lambda: self.upstreams.supply.supply_plan_lines(plan_id=plan_id),
        )

    async def supply_kpis(self, plan_id: int) -> SupplyPlanKpis:
        async def read() -> SupplyPlanKpis:
            kpis = await self.upstreams.supply.supply_plan_kpis(plan_id=plan_id)
            if kpis is None:
                raise NotFound(f"the supply service has no supply plan with id {plan_id}")
            return kpis

        return await self._once(("supply_kpis", plan_id), read)

    async def supply_validation(self, plan_id: int) -> SupplyPlanValidation:
        return await self._once(
            ("supply_validation", plan_id),
            lambda: self.upstreams.supply.validate_supply_plan(plan_id=plan_id),
        )

    async def consensus_plan(self, plan_id: int) -> ConsensusPlanPublic:
        """A whole consensus plan (404 when unknown)."""
        return await self._once(
            ("consensus_plan", plan_id),
            lambda: run_in_session(
                self.engine, lambda session: consensus.whole_plan(session, plan_id=plan_id)
            ),
        )

    async def consensus_plan_for(self, plan_id: int | None, *, field: str) -> ConsensusPlanPublic:
        """The consensus plan named by a parameter (422 on ``field`` when unknown), else the
        newest one."""
        if plan_id is None:
            latest = await run_in_session(self.engine, consensus.latest_plan)
            if latest is None or latest.id is None:
                raise ValidationFailed(
                    "no consensus plan yet: POST /reconcile makes one", field=field
                )
            plan_id = latest.id
        try:
            return await self.consensus_plan(plan_id)
        except NotFound as missing:
            raise ValidationFailed(missing.detail, field=field) from missing

    # --- figures ---------------------------------------------------------------------------

    async def figures(self, kind: PlanKind, plan_id: int) -> PlanFigures:
        """The plan as finance values it (see ``gateway.figures.figures``)."""
        make = {
            PlanKind.demand: self._demand_figures,
            PlanKind.supply: self._supply_figures,
            PlanKind.consensus: self._consensus_figures,
        }[kind]
        return await self._once(("figures", kind, plan_id), lambda: make(plan_id))

    async def _demand_figures(self, plan_id: int) -> PlanFigures:
        plan, lines = await asyncio.gather(
            self.demand_plan_by_id(plan_id), self.demand_lines(plan_id)
        )
        return PlanFigures(plan=demand_ref(plan), request=demand_request(lines), notes=[])

    async def frozen_rates(self, plan_id: int) -> MoneyRates | None:
        """The rates a consensus plan's money was frozen at when approved, else ``None``."""
        return await self._once(
            ("frozen_rates", plan_id),
            lambda: run_in_session(
                self.engine, lambda session: consensus.frozen_rates(session, plan_id=plan_id)
            ),
        )

    async def _consensus_figures(self, plan_id: int) -> PlanFigures:
        plan, frozen = await asyncio.gather(
            self.consensus_plan(plan_id), self.frozen_rates(plan_id)
        )
        if frozen is None:
            rates = LeverRates.of(await self.lever_costs())
        else:
            rates = LeverRates(present={(lever, code) for lever, code, _ in frozen.lever_costs})
        request = consensus_request(
            lines=plan.lines,
            family_lines=plan.family_lines,
            resource_lines=plan.resource_lines,
            rates=rates,
            expansion_levels=plan.expansion_levels,
            first_period=plan.periods[0],
        )
        notes = rates.notes()
        if frozen is not None:
            notes.append(
                "approved: valued at the prices and costs frozen with the plan at its approval"
            )
        return PlanFigures(plan=consensus_ref(plan), request=request, notes=notes, frozen=frozen)

    async def _supply_figures(self, plan_id: int) -> PlanFigures:
        plan = await self.supply_plan(plan_id)
        demand_lines, lines, kpis, segments, policies, costs = await asyncio.gather(
            self._answered_demand(plan),
            self.supply_lines(plan_id),
            self.supply_kpis(plan_id),
            self.segments(),
            self.inventory_policies(),
            self.lever_costs(),
        )
        rates = LeverRates.of(costs)
        request, notes = supply_request(
            horizon_start=plan.horizon_start,
            horizon_months=plan.horizon_months,
            lines=lines,
            demand=demand_lines,
            segments=segments,
            on_hand={policy.family_code: policy.initial_on_hand for policy in policies},
            capacity=kpis.capacity,
            rates=rates,
        )
        return PlanFigures(plan=supply_ref(plan), request=request, notes=notes + rates.notes())

    async def _answered_demand(self, plan: SupplyPlanPublic) -> list[DemandPlanLinePublic]:
        """The demand the supply plan answers: its own demand plan, else the latest."""
        if plan.demand_plan_id is None:
            latest = await self.demand_plan(None, field="demand.demand_plans")
            return await self.demand_lines(latest.id)
        try:
            return await self.demand_lines(plan.demand_plan_id)
        except NotFound as missing:
            raise ValidationFailed(
                f"the supply plan answers demand plan {plan.demand_plan_id}, which the demand "
                "service does not have",
                field=f"supply.supply_plans.{plan.id}.demand_plan_id",
            ) from missing

    async def capacity(self, kind: PlanKind, plan_id: int) -> list[ResourceUtilisation]:
        """The plan's load against regular capacity per resource."""
        if kind == PlanKind.consensus:
            plan = await self.consensus_plan(plan_id)
            return utilisation_of_consensus(plan.resource_lines)
        if kind == PlanKind.supply:
            supply_plan, kpis = await asyncio.gather(
                self.supply_plan(plan_id), self.supply_kpis(plan_id)
            )
            months = horizon(supply_plan.horizon_start, supply_plan.horizon_months)
            return utilisation_of_rccp(kpis.capacity, periods=set(months))
        demand_plan = await self.demand_plan_by_id(plan_id)
        months = horizon(demand_plan.horizon_start, demand_plan.horizon_months)
        return utilisation_of_rccp(await self._rccp_of(demand_plan), periods=set(months))

    # --- money -----------------------------------------------------------------------------

    async def valuation(self, kind: PlanKind, plan_id: int) -> PlanValuation:
        async def value() -> PlanValuation:
            figures = await self.figures(kind, plan_id)
            if figures.frozen is None:
                valuation = await self.upstreams.finance.valuation(
                    figures.request, rename=finance_field_names(figures.request)
                )
            else:
                # The same formula as finance's, at the frozen rates: the money never moves.
                valuation = await asyncio.to_thread(
                    value_plan_at, figures.request, rates=figures.frozen.rates()
                )
            return PlanValuation(**dict(valuation), plan=figures.plan, notes=figures.notes)

        return await self._once(("valuation", kind, plan_id), value)

    async def aop_gap(self, kind: PlanKind, plan_id: int, *, tolerance: float | None) -> PlanAopGap:
        async def compare() -> PlanAopGap:
            figures = await self.figures(kind, plan_id)
            request = AopGapRequest(**dict(figures.request), tolerance=tolerance)
            gap = await self.upstreams.finance.aop_gap(
                request, rename=finance_field_names(figures.request)
            )
            return PlanAopGap(**dict(gap), plan=figures.plan, notes=figures.notes)

        return await self._once(("aop_gap", kind, plan_id, tolerance), compare)

    async def kpis(self, kind: PlanKind, plan_id: int, *, tolerance: float | None) -> PlanKpis:
        async def measure() -> PlanKpis:
            figures, resources, segments = await asyncio.gather(
                self.figures(kind, plan_id), self.capacity(kind, plan_id), self.segments()
            )
            request = AopGapRequest(**dict(figures.request), tolerance=tolerance)
            finance = await self.upstreams.finance.plan_kpis(
                request, rename=finance_field_names(figures.request)
            )
            on_time = None
            if kind == PlanKind.consensus:
                plan = await self.consensus_plan(plan_id)
                on_time = {segment.segment: segment.fill_rate for segment in plan.segments}
            return kpi_report(
                plan=figures.plan,
                finance=finance,
                resources=resources,
                segments=segments,
                on_time=on_time,
                notes=figures.notes,
            )

        return await self._once(("kpis", kind, plan_id, tolerance), measure)

    # --- supply review ---------------------------------------------------------------------

    async def _rccp_of(self, plan: DemandPlanPublic) -> RccpResult:
        async def load() -> RccpResult:
            lines = await self.demand_lines(plan.id)
            return await self.upstreams.supply.rccp(lines=units_per_family(lines))

        return await self._once(("rccp", plan.id), load)

    async def rccp(self, demand_plan_id: int | None, *, field: str) -> DemandPlanRccp:
        """Rough-cut capacity of a demand plan (default: the latest locked, else draft);
        ``field`` names the id in the request, for a 422 when it is unknown."""
        plan = await self.demand_plan(demand_plan_id, field=field)
        result = await self._rccp_of(plan)
        return DemandPlanRccp(
            **dict(result), demand_plan=demand_ref(plan), bottlenecks=bottlenecks(result)
        )

    async def comparison(
        self, supply_plan_id: int, *, consensus_plan_id: int | None, field: str
    ) -> SupplyComparison:
        """``field`` names the consensus plan's id in the request (422 when unknown)."""

        async def compare() -> SupplyComparison:
            supply_plan, supply_lines, routings, plan = await asyncio.gather(
                self.supply_plan(supply_plan_id),
                self.supply_lines(supply_plan_id),
                self.routings(),
                self.consensus_plan_for(consensus_plan_id, field=field),
            )
            return compare_plans(
                supply_plan=supply_ref(supply_plan),
                supply_lines=supply_lines,
                consensus_plan=consensus_ref(plan),
                family_lines=plan.family_lines,
                resource_lines=plan.resource_lines,
                routings=routings,
            )

        return await self._once(("comparison", supply_plan_id, consensus_plan_id), compare)
