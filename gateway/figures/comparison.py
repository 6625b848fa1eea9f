"""Operations' supply plan against the reconciled consensus plan, line by line.

Per family and month: production, outsourced units, ending inventory and overtime hours of
each plan, their difference (supply plan - consensus) and which is larger. The consensus plan
holds overtime per resource and month; it is shared among the families loading the resource
that month in proportion to their hours (production x hours per unit), the rule the supply
service uses to check a supply plan's overtime, so both plans compare per family.

Per resource and month: the hours each plan loads. The supply plan's are its production x the
routing's hours per unit, in the month the routing's lead-time offset puts them (the supply
service's RCCP rule); the consensus plan's are its load.

The summary counts the lines whose production (family-months) or load (resource-months)
differ beyond a tolerance: |difference| > tolerance x the larger of the two quantities; the
largest of those differences first, each by its share of the larger quantity (so units and
hours rank together), at most ten, and one sentence.

``compare_plans`` is the one comparison: ``GET /supply-plans/{id}/comparison``, its GraphQL
twin and the reconcile (operations' proposal against the plan it makes) all call it.
"""

from collections import defaultdict
from collections.abc import Sequence

from gateway.figures.models import (
    ComparedQuantity,
    ComparisonLine,
    ComparisonSummary,
    ComparisonTotals,
    LargestDifference,
    PlanRef,
    ResourceComparisonLine,
    SupplyComparison,
)
from gateway.plans.models import ConsensusFamilyLineBase, ConsensusResourceLineBase
from shared.contracts.supply import RoutingBase, SupplyPlanLineBase
from shared.periods import add_months

# Differences within this are float noise: the plans agree.
SAME = 1e-6
MEASURES = ("production", "outsourced", "ending_inventory", "overtime_hours")
# A line differs beyond this share of the larger of its two quantities (the default).
TOLERANCE = 0.01
LARGEST = 10


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


def supply_load(
    *, supply_lines: Sequence[SupplyPlanLineBase], routings: Sequence[RoutingBase]
) -> dict[tuple[str, str], float]:
    """Hours per (resource, month) of the supply plan's production: units x hours per unit,
    ``lead_time_offset`` months before the units are completed."""
    routes: dict[str, list[RoutingBase]] = defaultdict(list)
    for routing in routings:
        routes[routing.family_code].append(routing)
    load: dict[tuple[str, str], float] = defaultdict(float)
    for line in supply_lines:
        for routing in routes.get(line.family_code, []):
            if line.production > 0:
                month = add_months(line.period, -routing.lead_time_offset)
                load[(routing.resource_code, month)] += line.production * routing.hours_per_unit
    return dict(load)


def beyond(quantity: ComparedQuantity, tolerance: float) -> float | None:
    """The difference's share of the larger quantity when beyond ``tolerance``, else None."""
    larger = max(abs(quantity.supply_plan), abs(quantity.consensus))
    if abs(quantity.difference) <= max(tolerance * larger, SAME):
        return None
    return abs(quantity.difference) / larger


def summary_of(
    lines: Sequence[ComparisonLine],
    resources: Sequence[ResourceComparisonLine],
    *,
    tolerance: float,
) -> ComparisonSummary:
    found: list[tuple[float, LargestDifference]] = []
    for measure, code, period, quantity in [
        *(("production", ln.family_code, ln.period, ln.production) for ln in lines),
        *(("load", ln.resource_code, ln.period, ln.load) for ln in resources),
    ]:
        share = beyond(quantity, tolerance)
        if share is not None:
            difference = LargestDifference(
                measure=measure,
                code=code,
                period=period,
                supply_plan=quantity.supply_plan,
                consensus=quantity.consensus,
                difference=quantity.difference,
            )
            found.append((share, difference))
    found.sort(key=lambda item: (-item[0], -abs(item[1].difference), item[1].code))
    production = sum(1 for _, d in found if d.measure == "production")
    load = len(found) - production
    text = (
        f"{production} of {len(lines)} family-months differ in production and {load} of "
        f"{len(resources)} resource-months in load beyond {tolerance:.0%}"
    )
    if found:
        top = found[0][1]
        unit = "units" if top.measure == "production" else "hours"
        text += (
            f"; largest: {top.code} {top.period} {top.measure} {top.difference:+,.6g} {unit}"
            f" (operations {top.supply_plan:,.6g}, plan {top.consensus:,.6g})"
        )
    return ComparisonSummary(
        tolerance=tolerance,
        production_lines=len(lines),
        production_lines_beyond=production,
        load_lines=len(resources),
        load_lines_beyond=load,
        largest=[difference for _, difference in found[:LARGEST]],
        text=text,
    )


def compare_plans(
    *,
    supply_plan: PlanRef,
    supply_lines: Sequence[SupplyPlanLineBase],
    consensus_plan: PlanRef,
    family_lines: Sequence[ConsensusFamilyLineBase],
    resource_lines: Sequence[ConsensusResourceLineBase],
    routings: Sequence[RoutingBase],
    tolerance: float = TOLERANCE,
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
    proposed_load = supply_load(supply_lines=supply_lines, routings=routings)
    reconciled_load = {(row.resource_code, row.period): row.load for row in resource_lines}
    # Months the consensus plan covers: a supply plan's load offset before its first month
    # (or after its last) has no counterpart and is compared only where the plan has months.
    months = {row.period for row in resource_lines} | {line.period for line in family_lines}
    resources = [
        ResourceComparisonLine(
            resource_code=key[0],
            period=key[1],
            load=compared(proposed_load.get(key, 0.0), reconciled_load.get(key, 0.0)),
        )
        for key in sorted(proposed_load.keys() | reconciled_load.keys())
        if key[1] in months or not months
    ]
    return SupplyComparison(
        supply_plan=supply_plan,
        consensus_plan=consensus_plan,
        lines=lines,
        totals=ComparisonTotals(**totals),
        differing_lines=sum(
            any(getattr(line, measure).larger != "equal" for measure in MEASURES) for line in lines
        ),
        resources=resources,
        summary=summary_of(lines, resources, tolerance=tolerance),
    )
