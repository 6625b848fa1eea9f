"""Operations' supply plan against the reconciled consensus plan, line by line.

Per family and month: production, outsourced units, ending inventory and overtime hours of
each plan, their difference (supply plan - consensus) and which is larger. The consensus plan
holds overtime per resource and month; it is shared among the families loading the resource
that month in proportion to their hours (production x hours per unit), the rule the supply
service uses to check a supply plan's overtime, so both plans compare per family.
"""

from collections import defaultdict
from collections.abc import Sequence

from gateway.figures.models import (
    ComparedQuantity,
    ComparisonLine,
    ComparisonTotals,
    PlanRef,
    SupplyComparison,
)
from gateway.plans.models import ConsensusFamilyLineBase, ConsensusResourceLineBase
from shared.contracts.supply import RoutingBase, SupplyPlanLineBase
from shared.periods import add_months

# Differences within this are float noise: the plans agree.
SAME = 1e-6
MEASURES = ("production", "outsourced", "ending_inventory", "overtime_hours")


def compared(supply_plan: float, consensus: float) -> ComparedQuantity:
    difference = supply_plan - consensus
    larger = (
        "equal" if abs(difference) <= SAME else "supply_plan" if difference > 0 else "consensus"
    )
    return ComparedQuantity(
        supply_plan=round(supply_plan, 6),
        consensus=round(consensus, 6),
        difference=round(difference, 6),
        larger=larger,
    )


def consensus_overtime_by_family(
    *,
    family_lines: Sequence[ConsensusFamilyLineBase],
    resource_lines: Sequence[ConsensusResourceLineBase],
    routings: Sequence[RoutingBase],
) -> dict[tuple[str, str], float]:
    """Each resource-month's overtime shared among the family-months loading it by their
    hours; a family-month's units load the resource ``lead_time_offset`` months before."""
    routes: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
    for routing in routings:
        routes[routing.family_code].append(
            (routing.resource_code, routing.hours_per_unit, routing.lead_time_offset)
        )
    # (resource, load period) -> (family, completion period) -> hours
    hours: dict[tuple[str, str], dict[tuple[str, str], float]] = defaultdict(dict)
    for line in family_lines:
        for resource, per_unit, offset in routes.get(line.family_code, []):
            if line.production > 0:
                loaded = (resource, add_months(line.period, -offset))
                hours[loaded][(line.family_code, line.period)] = line.production * per_unit
    shares: dict[tuple[str, str], float] = defaultdict(float)
    for row in resource_lines:
        loading = hours.get((row.resource_code, row.period), {})
        total = sum(loading.values())
        if row.overtime <= 0 or total <= 0:
            continue
        for family_month, family_hours in loading.items():
            shares[family_month] += row.overtime * family_hours / total
    return dict(shares)


def compare_plans(
    *,
    supply_plan: PlanRef,
    supply_lines: Sequence[SupplyPlanLineBase],
    consensus_plan: PlanRef,
    family_lines: Sequence[ConsensusFamilyLineBase],
    resource_lines: Sequence[ConsensusResourceLineBase],
    routings: Sequence[RoutingBase],
) -> SupplyComparison:
    overtime = consensus_overtime_by_family(
        family_lines=family_lines, resource_lines=resource_lines, routings=routings
    )
    proposed = {
        (line.family_code, line.period): (
            line.production,
            line.outsourced,
            line.ending_inventory,
            line.overtime_hours,
        )
        for line in supply_lines
    }
    reconciled = {
        (line.family_code, line.period): (
            line.production,
            line.outsourced,
            line.inventory,
            overtime.get((line.family_code, line.period), 0.0),
        )
        for line in family_lines
    }
    nothing = (0.0, 0.0, 0.0, 0.0)
    lines = []
    sums = {"supply_plan": [0.0] * 4, "consensus": [0.0] * 4}
    for key in sorted(proposed.keys() | reconciled.keys()):
        ours, theirs = proposed.get(key, nothing), reconciled.get(key, nothing)
        for index in range(4):
            sums["supply_plan"][index] += ours[index]
            sums["consensus"][index] += theirs[index]
        only_in = (
            None
            if key in proposed and key in reconciled
            else "supply_plan"
            if key in proposed
            else "consensus"
        )
        values = dict(zip(MEASURES, map(compared, ours, theirs), strict=True))
        lines.append(ComparisonLine(family_code=key[0], period=key[1], only_in=only_in, **values))
    totals = dict(zip(MEASURES, map(compared, sums["supply_plan"], sums["consensus"]), strict=True))
    return SupplyComparison(
        supply_plan=supply_plan,
        consensus_plan=consensus_plan,
        lines=lines,
        totals=ComparisonTotals(**totals),
        differing_lines=sum(
            any(getattr(line, measure).larger != "equal" for measure in MEASURES) for line in lines
        ),
    )
