"""The graph's supply review: supply plans with their money and their comparison with a
consensus plan, and rough-cut capacity of a demand plan. Merged into the root ``Query``."""

import datetime as dt

import strawberry

from gateway.figures.models import PlanKind
from gateway.graph.arguments import checked_id, optional_id
from gateway.graph.context import Info
from gateway.graph.convert import from_model
from gateway.graph.money import (
    PlanAopGapType,
    PlanKpisType,
    PlanValuationType,
    Rccp,
    SupplyComparisonType,
    Tolerance,
    aop_gap_of,
    kpis_of,
    valuation_of,
)
from gateway.graph.scalars import Code
from gateway.graph.types import DemandPlan
from shared.contracts.supply import (
    SupplyPlanIssueKind,
    SupplyPlanPublic,
    SupplyPlanStatus,
    SupplyPlanValidation,
)
from shared.errors import NotFound

strawberry.enum(SupplyPlanStatus, description="A supply plan is a draft or proposed (frozen).")
strawberry.enum(SupplyPlanIssueKind, description="Why a supply plan line cannot be carried out.")


@strawberry.type(description="Operations' proposal for a family and month, with its reason.")
class SupplyPlanLine:
    family_code: str
    period: str
    production: float
    outsourced: float
    overtime_hours: float
    ending_inventory: float
    reason: str


@strawberry.type(description="One reason a line cannot be carried out, and by how much.")
class SupplyPlanIssue:
    kind: SupplyPlanIssueKind
    family_code: str | None
    resource_code: str | None
    period: str
    field: str = strawberry.field(description="The line field at fault, e.g. production.")
    amount: float = strawberry.field(description="By how much (hours or units).")
    message: str


@strawberry.type(description="A line that cannot be carried out, with every reason.")
class InfeasibleLine:
    family_code: str
    period: str
    kinds: list[SupplyPlanIssueKind]


@strawberry.type(
    name="SupplyPlanValidation",
    description="A supply plan checked against capacity (regular + maximum overtime), the "
    "overtime it plans, the subcontractors' limits and its inventory balance.",
)
class SupplyPlanValidationType:
    feasible: bool
    infeasible_lines: list[InfeasibleLine]
    issues: list[SupplyPlanIssue]

    @classmethod
    def of(cls, validation: SupplyPlanValidation) -> "SupplyPlanValidationType":
        return cls(
            feasible=validation.feasible,
            infeasible_lines=[from_model(InfeasibleLine, x) for x in validation.infeasible_lines],
            issues=[from_model(SupplyPlanIssue, x) for x in validation.issues],
        )


@strawberry.type(description="Operations' versioned supply plan (supply service).")
class SupplyPlan:
    id: int
    version: int
    name: str
    status: SupplyPlanStatus
    horizon_start: str
    horizon_months: int
    note: str
    demand_plan_id: int | None
    created_at: dt.datetime
    proposed_at: dt.datetime | None
    previous_version_id: int | None

    @classmethod
    def of(cls, plan: SupplyPlanPublic) -> "SupplyPlan":
        return from_model(cls, plan)

    @strawberry.field(description="The demand plan this proposal answers (demand service).")
    async def demand_plan(self, info: Info) -> DemandPlan | None:
        if self.demand_plan_id is None:
            return None
        plan = await info.context.loaders.demand_plans.get(self.demand_plan_id)
        return DemandPlan.of(plan) if plan else None

    @strawberry.field(description="The plan's lines, optionally for one family.")
    async def lines(
        self, info: Info, family_code: Code | None = None
    ) -> list[SupplyPlanLine] | None:
        lines = await info.context.loaders.planner.supply_lines(self.id)
        return [
            from_model(SupplyPlanLine, line)
            for line in lines
            if family_code is None or line.family_code == family_code
        ]

    @strawberry.field(
        description="The plan in money: its shipments serve the demand plan it answers, "
        "strategic and high-priority segments first."
    )
    async def valuation(self, info: Info) -> PlanValuationType | None:
        return await valuation_of(info, PlanKind.supply, self.id)

    @strawberry.field(description="Gap of the plan to the AOP, explained.")
    async def aop_gap(self, info: Info, tolerance: Tolerance = None) -> PlanAopGapType | None:
        return await aop_gap_of(info, PlanKind.supply, self.id, tolerance)

    @strawberry.field(description="Which lines cannot be carried out, and why.")
    async def validation(self, info: Info) -> SupplyPlanValidationType | None:
        validation = await info.context.loaders.planner.supply_validation(self.id)
        return SupplyPlanValidationType.of(validation)

    @strawberry.field(description="Inventory turns, utilisation, fill rates, margin %, AOP gap.")
    async def kpis(self, info: Info, tolerance: Tolerance = None) -> PlanKpisType | None:
        return await kpis_of(info, PlanKind.supply, self.id, tolerance)

    @strawberry.field(
        description="Line by line against a consensus plan; default: the newest consensus plan."
    )
    async def comparison(
        self, info: Info, consensus_plan_id: int | None = None
    ) -> SupplyComparisonType | None:
        comparison = await info.context.loaders.planner.comparison(
            self.id,
            consensus_plan_id=optional_id(consensus_plan_id, "consensusPlanId"),
            field="consensusPlanId",
        )
        return SupplyComparisonType.of(comparison)


@strawberry.type
class PlanningQuery:
    @strawberry.field(
        description="Rough-cut capacity of a demand plan (default: the latest locked, else the "
        "latest draft): load per resource and month against regular and overtime capacity, "
        "the families causing overloads, the bottlenecks."
    )
    async def rccp(self, info: Info, demand_plan_id: int | None = None) -> Rccp | None:
        planner = info.context.loaders.planner
        plan_id = optional_id(demand_plan_id, "demandPlanId")
        return Rccp.of(await planner.rccp(plan_id, field="demandPlanId"))

    @strawberry.field(description="Supply plans, optionally by status.")
    async def supply_plans(
        self, info: Info, status: SupplyPlanStatus | None = None
    ) -> list[SupplyPlan] | None:
        plans = await info.context.loaders.supply_plans.all()
        return [SupplyPlan.of(plan) for plan in plans if status is None or plan.status == status]

    @strawberry.field
    async def supply_plan(self, info: Info, id: int) -> SupplyPlan | None:
        try:
            plan = await info.context.loaders.planner.supply_plan(checked_id(id, "id"))
        except NotFound:
            return None
        return SupplyPlan.of(plan)

    @strawberry.field(description="The newest proposed supply plan, else the newest draft.")
    async def latest_supply_plan(self, info: Info) -> SupplyPlan | None:
        plan = await info.context.loaders.planner.latest_supply_plan()
        return SupplyPlan.of(plan) if plan else None
