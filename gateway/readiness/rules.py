"""What a horizon needs before a cycle can plan it. Pure functions over the services' data.

The series to plan are the family x segment pairs with demand history in the year before
the horizon. Each needs:
- history: its latest actual, the month before the horizon (demand planner, demand);
- prices: one in every month of the horizon (finance);
- unit costs: one effective from the horizon's first month or earlier, per family (finance);
- routings: at least one per family (supply planner, supply);
- capacity: every routed resource with fixed capacity, a row in every month (supply);
- lever costs: an overtime rate for every routed resource that may work overtime (finance);
- AOP: the company's budget in every month (finance).
Every missing row is one hole, named by the service that owns it and the role that loads it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from shared.auth import Role
from shared.contracts.demand import DemandHistoryPublic
from shared.contracts.finance import AopPublic, Lever, LeverCostPublic, PricePublic, UnitCostPublic
from shared.contracts.supply import CapacityMode, CapacityPublic, ResourcePublic, RoutingPublic
from shared.periods import add_months

from .models import Dataset, ReadinessHole

# The data-gathering step's responsible roles (gateway.cycle.raci) that own each service's data.
OWNER = {"demand": Role.demand_planner, "supply": Role.supply_planner, "finance": Role.finance}
SERVICE_OF = {
    Dataset.history: "demand",
    Dataset.prices: "finance",
    Dataset.unit_costs: "finance",
    Dataset.lever_costs: "finance",
    Dataset.aop: "finance",
    Dataset.routings: "supply",
    Dataset.capacity: "supply",
}
HISTORY_LOOKBACK_MONTHS = 12


@dataclass(frozen=True)
class MasterData:
    history: Sequence[DemandHistoryPublic]
    prices: Sequence[PricePublic]
    unit_costs: Sequence[UnitCostPublic]
    lever_costs: Sequence[LeverCostPublic]
    aop: Sequence[AopPublic]
    resources: Sequence[ResourcePublic]
    routings: Sequence[RoutingPublic]
    capacity: Sequence[CapacityPublic]


def hole(dataset: Dataset, key: str, reason: str) -> ReadinessHole:
    service = SERVICE_OF[dataset]
    return ReadinessHole(
        service=service,
        role=OWNER[service],
        dataset=dataset,
        field=f"{service}.{dataset}.{key}",
        reason=reason,
    )


def readiness_holes(data: MasterData, *, periods: Sequence[str]) -> list[ReadinessHole]:
    """Every hole of the module's rules, in dataset order then key order."""
    start = periods[0]
    latest = add_months(start, -1)
    series = sorted({(row.family_code, row.segment_code) for row in data.history})
    families = sorted({family for family, _ in series})
    holes: list[ReadinessHole] = []
    actual = {(row.family_code, row.segment_code) for row in data.history if row.period == latest}
    holes += [
        hole(Dataset.history, f"{f}.{s}.{latest}", f"no actual for {latest}, the latest month")
        for f, s in series
        if (f, s) not in actual
    ]
    priced = {(row.family_code, row.segment_code, row.period) for row in data.prices}
    holes += [
        hole(Dataset.prices, f"{f}.{s}.{p}", "no price although the series has demand")
        for f, s in series
        for p in periods
        if (f, s, p) not in priced
    ]
    costed = {row.family_code for row in data.unit_costs if row.effective_from <= start}
    holes += [
        hole(Dataset.unit_costs, f, f"no unit cost effective in {start}")
        for f in families
        if f not in costed
    ]
    routed_families = {row.family_code for row in data.routings}
    holes += [
        hole(Dataset.routings, f, "no routing: the family cannot be produced")
        for f in families
        if f not in routed_families
    ]
    fixed = {r.code for r in data.resources if r.capacity_mode == CapacityMode.fixed}
    routed = sorted({row.resource_code for row in data.routings if row.family_code in families})
    rows = {(row.resource_code, row.period): row for row in data.capacity}
    holes += [
        hole(Dataset.capacity, f"{r}.{p}", "no capacity in the month")
        for r in routed
        if r in fixed
        for p in periods
        if (r, p) not in rows
    ]
    overtime_rates = {row.code for row in data.lever_costs if row.lever == Lever.overtime_hour}
    holes += [
        hole(Dataset.lever_costs, f"{Lever.overtime_hour}.{r}", "may work overtime, no rate")
        for r in routed
        if r not in overtime_rates
        and any(rows[(r, p)].max_overtime_hours > 0 for p in periods if (r, p) in rows)
    ]
    budgeted = {row.period for row in data.aop if row.family_group is None}
    holes += [
        hole(Dataset.aop, p, "no company AOP in the month") for p in periods if p not in budgeted
    ]
    return holes
