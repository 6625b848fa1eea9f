"""Operations' proposal against the plan a reconcile makes.

Operations' proposal is the supply plan the request names (``supply_plan_id``), else the
newest proposed supply plan answering the reconciled demand plan: the supply review records
only a proposed plan answering the cycle's demand plan (``gateway.cycle``), so in a cycle it
is the plan operations submitted there. It is compared with the reconciled plan by the one
comparison (``gateway.figures.comparison.compare_plans``, the one of
``GET /supply-plans/{id}/comparison``); without a proposal the answer says so: no
comparison, and the reason.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.clients import Upstreams
from gateway.figures.comparison import TOLERANCE, compare_plans
from gateway.figures.planner import consensus_ref, supply_ref
from gateway.plans.models import (
    ConsensusFamilyLineBase,
    ConsensusPlanSummary,
    ConsensusResourceLineBase,
    OperationsComparison,
)
from shared.contracts.demand import DemandPlanPublic
from shared.contracts.supply import (
    RoutingBase,
    SupplyPlanLinePublic,
    SupplyPlanPublic,
    SupplyPlanStatus,
)
from shared.errors import ValidationFailed


@dataclass(frozen=True)
class Proposal:
    """Operations' supply plan and its lines, or why there is none."""

    plan: SupplyPlanPublic | None
    lines: list[SupplyPlanLinePublic]
    reason: str | None = None


async def operations_proposal(
    upstreams: Upstreams,
    *,
    demand_plan: DemandPlanPublic,
    supply_plan_id: int | None,
    location: str,
) -> Proposal:
    """The supply plan named (a 422 on ``supply_plan_id`` when the supply service does not
    have it), else the newest proposed one answering ``demand_plan`` (see the module)."""
    supply = upstreams.supply
    if supply_plan_id is not None:
        plan = await supply.supply_plan(plan_id=supply_plan_id)
        if plan is None:
            raise ValidationFailed(
                f"the supply service has no supply plan {supply_plan_id}",
                field=f"{location}.supply_plan_id",
            )
    else:
        proposed = await supply.supply_plans(status=SupplyPlanStatus.proposed)
        answering = [p for p in proposed if p.demand_plan_id == demand_plan.id]
        if not answering:
            return Proposal(
                plan=None,
                lines=[],
                reason=f"no proposed supply plan answers demand plan {demand_plan.id} "
                f"('{demand_plan.name}', version {demand_plan.version}): operations have "
                "proposed none to compare",
            )
        plan = max(answering, key=lambda p: p.id)
    return Proposal(plan=plan, lines=await supply.supply_plan_lines(plan_id=plan.id))


def compared_with_proposal(
    proposal: Proposal,
    *,
    plan: ConsensusPlanSummary,
    family_lines: Sequence[ConsensusFamilyLineBase],
    resource_lines: Sequence[ConsensusResourceLineBase],
    routings: Sequence[RoutingBase],
    tolerance: float | None,
) -> OperationsComparison:
    """The proposal against the stored plan, or no comparison and the reason."""
    if proposal.plan is None:
        return OperationsComparison(comparison=None, reason=proposal.reason)
    return OperationsComparison(
        comparison=compare_plans(
            supply_plan=supply_ref(proposal.plan),
            supply_lines=proposal.lines,
            consensus_plan=consensus_ref(plan),
            family_lines=family_lines,
            resource_lines=resource_lines,
            routings=routings,
            tolerance=TOLERANCE if tolerance is None else tolerance,
        )
    )
