"""The hand-off of the approved family plan to master scheduling: the locked demand plan
split to items and locations by the demand service (``GET /demand-plans/{id}/disaggregation``)."""

import strawberry

from gateway.graph.arguments import arguments_of, checked
from gateway.graph.context import Info
from gateway.graph.convert import from_model
from gateway.graph.demand_review import plan_or_latest
from gateway.graph.scalars import Code, Period
from shared.contracts.demand import PlanStatus
from shared.contracts.hierarchy import (
    BaseMethod,
    DisaggregationBasis,
    DisaggregationParams,
    DisaggregationPublic,
    MeasureUnit,
)
from shared.errors import Conflict

strawberry.enum(DisaggregationBasis, description="The mix a family figure is split by.")
strawberry.enum(BaseMethod, name="HierarchyBaseMethod", description="Model of item forecasts.")
strawberry.enum(MeasureUnit, description="Units of goods; hours and money are not among them.")


@strawberry.type(description="One item x location x segment (x customer) x month of a locked plan.")
class DisaggregatedLine:
    family_code: str
    segment_code: str
    item_code: str
    location_code: str
    customer_code: str | None = strawberry.field(
        description="With byCustomer: the customer (null: the demand not split by customer)."
    )
    period: str
    quantity: float
    share: float
    unit: str


@strawberry.type(description="A plan line no item or location of its family and segment takes.")
class UnallocatedLine:
    family_code: str
    segment_code: str
    period: str
    quantity: float
    unit: str
    reason: str


@strawberry.type(description="The locked plan split to items and locations, and its rule.")
class Disaggregation:
    plan_id: int
    basis: DisaggregationBasis
    rule: str
    lines: list[DisaggregatedLine]
    unallocated: list[UnallocatedLine]

    @classmethod
    def of(cls, answer: DisaggregationPublic) -> "Disaggregation":
        return cls(
            plan_id=answer.plan_id,
            basis=answer.basis,
            rule=answer.rule,
            lines=[from_model(DisaggregatedLine, line) for line in answer.lines],
            unallocated=[from_model(UnallocatedLine, line) for line in answer.unallocated],
        )


@strawberry.type
class HierarchyQuery:
    @strawberry.field(
        description="The approved (locked) demand plan split to items and locations, for "
        "master scheduling (default: the latest plan). A draft is refused (conflict)."
    )
    async def demand_disaggregation(
        self,
        info: Info,
        plan_id: int | None = None,
        basis: DisaggregationBasis | None = None,
        history_months: int | None = None,
        method: BaseMethod | None = None,
        by_customer: bool | None = None,
        family_code: Code | None = None,
        segment_code: Code | None = None,
        period_from: Period | None = None,
        period_to: Period | None = None,
        unit: MeasureUnit | None = None,
    ) -> Disaggregation | None:
        chosen = await plan_or_latest(info, plan_id)
        if chosen is None:
            return None
        plan = await info.context.loaders.demand_plans.get(chosen)
        if plan is None:
            return None
        if plan.status != PlanStatus.locked:
            raise Conflict(
                f"demand plan {chosen} is a draft: only a locked plan goes to master scheduling"
            )
        params = arguments_of(
            DisaggregationParams,
            basis=basis,
            history_months=history_months,
            method=method,
            by_customer=by_customer,
            family_code=family_code,
            segment_code=segment_code,
            period_from=period_from,
            period_to=period_to,
            unit=unit,
        )
        demand = info.context.state.upstreams.demand
        answer = await checked(demand.plan_disaggregation(plan_id=chosen, params=params))
        return Disaggregation.of(answer) if answer is not None else None
