"""Rough-cut capacity of a demand plan: its units per family and month, loaded by supply."""

from collections import defaultdict
from collections.abc import Sequence

from shared.contracts.demand import DemandPlanLineBase
from shared.contracts.supply import DemandLineIn, RccpResult


def units_per_family(lines: Sequence[DemandPlanLineBase]) -> list[DemandLineIn]:
    """The plan's lines summed over segments: one line per family and month with units."""
    units: dict[tuple[str, str], float] = defaultdict(float)
    for line in lines:
        units[(line.family_code, line.period)] += line.quantity
    return [
        DemandLineIn(family_code=family, period=period, quantity=quantity)
        for (family, period), quantity in sorted(units.items())
        if quantity > 0
    ]


def bottlenecks(result: RccpResult) -> list[str]:
    """Resources loaded beyond regular + maximum overtime in some month (or loaded in a month
    without capacity), the largest overload first."""
    overloaded = [summary for summary in result.resources if summary.overload_hours > 0]
    overloaded.sort(key=lambda summary: (-summary.overload_hours, summary.resource_code))
    return [summary.resource_code for summary in overloaded]
