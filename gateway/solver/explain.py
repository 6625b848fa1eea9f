"""Why the plan looks the way it does: bottlenecks in money, and the cause of each shortage.

A resource is binding in a period when its capacity dual (shadow price) is positive: one more
hour there would add margin. Bottlenecks are ranked by the first-order value of 10% more
regular hours (shadow price x 10% of the hours, summed over the binding periods).

A family/segment falls short in period t for the binding routed resource that matters most
for it up to t (inventory could have been built earlier): the one with the largest
sum of shadow price x hours per unit. The cause is ``capacity`` when that resource had no
hour left (regular, overtime and expansion all used) in a binding period, ``lever_cost``
when more hours existed at a price above what the unit earns, and ``unprofitable`` when no
resource binds at all.
"""

from collections import defaultdict

import numpy as np

from gateway.solver.data import Ints, ProblemData
from gateway.solver.decode import ZERO, Plan
from gateway.solver.solution import Bottleneck, Explanation, Shortage, ShortageCause

BINDING = 1e-6  # a shadow price below this is degenerate noise, not a binding resource


def _names(periods: list[str], mask: np.ndarray) -> list[str]:
    return [periods[t] for t in np.flatnonzero(mask)]


def exhausted(data: ProblemData, plan: Plan) -> np.ndarray:
    """Per resource and period: no hour of any kind left (overtime at its limit)."""
    overtime_limit = np.where(
        data.workforce[:, None],
        np.minimum(data.overtime_hours_per_worker * plan.workers, data.workforce_overtime_cap),
        data.max_overtime_hours,
    )
    return plan.overtime >= overtime_limit - 1e-6


def bottlenecks(data: ProblemData, plan: Plan) -> list[Bottleneck]:
    binding = plan.shadow_price > BINDING
    capacity = plan.regular_capacity + plan.expansion_hours
    value = (plan.shadow_price * 0.1 * capacity * binding).sum(axis=1)
    found = []
    for r in np.flatnonzero(binding.any(axis=1)):
        prices = plan.shadow_price[r][binding[r]]
        found.append(
            Bottleneck(
                resource=data.resource_codes[r],
                periods=_names(data.periods, binding[r]),
                shadow_price_max=round(float(prices.max()), 6),
                shadow_price_mean=round(float(prices.mean()), 6),
                value_of_more_capacity=round(float(value[r]), 2),
                peak_utilisation=round(float(plan.utilisation[r].max()), 6),
            )
        )
    found.sort(key=lambda b: -b.value_of_more_capacity)
    return found


def shortages(data: ProblemData, plan: Plan, ranks: Ints) -> list[Shortage]:
    short = plan.due - plan.on_time > 1e-6
    units = np.where(short, plan.due - plan.on_time, 0.0).sum(axis=1)
    lines = np.flatnonzero(units > ZERO)
    routes: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for f, r, h in zip(
        data.routing_family.tolist(),
        data.routing_resource.tolist(),
        data.routing_hours.tolist(),
        strict=True,
    ):
        routes[f].append((r, h))
    full = exhausted(data, plan)
    binding = plan.shadow_price > BINDING
    short_share = units / np.maximum(plan.due.sum(axis=1), ZERO)
    found = []
    for d in lines:
        f, s = int(data.line_family[d]), int(data.line_segment[d])
        last = int(np.flatnonzero(short[d]).max())
        best, best_score = -1, 0.0
        for r, hours in routes.get(f, []):
            score = float(plan.shadow_price[r, : last + 1].sum()) * hours
            if score > best_score:
                best, best_score = r, score
        family, segment = data.family_codes[f], data.segment_codes[s]
        served_first = [
            data.segment_codes[int(data.line_segment[o])]
            for o in np.flatnonzero(data.line_family == f)
            if o != d and ranks[data.line_segment[o]] > ranks[s] and short_share[o] < 1e-9
        ]
        priority = (
            f"; capacity went first to {', '.join(served_first)} (higher priority)"
            if served_first
            else ""
        )
        if best >= 0:
            window = binding[best, : last + 1]
            resource = data.resource_codes[best]
            periods = _names(data.periods, window)
            top = float(plan.shadow_price[best, : last + 1].max())
            if bool((full[best, : last + 1] & window).any()):
                cause = ShortageCause.capacity
                detail = (
                    f"{resource} has no hour left (overtime included) in "
                    f"{_span(periods)}; one more hour there is worth up to {top:.2f}{priority}"
                )
            else:
                cause = ShortageCause.lever_cost
                detail = (
                    f"{resource} regular hours are full in {_span(periods)}; more hours cost "
                    f"more than a unit of {family} for {segment} earns{priority}"
                )
        else:
            cause = ShortageCause.unprofitable
            resource, periods = None, []
            detail = (
                f"no resource limits {family}: serving {segment} costs more than it earns"
                f" (price, penalties and priority weight below the cost of a unit){priority}"
            )
        found.append(
            Shortage(
                family=family,
                segment=segment,
                periods=_names(data.periods, short[d]),
                units=round(float(units[d]), 6),
                cause=cause,
                resource=resource,
                resource_periods=periods,
                detail=detail,
            )
        )
    found.sort(key=lambda item: -item.units)
    return found


def _span(periods: list[str]) -> str:
    if len(periods) <= 3:
        return ", ".join(periods)
    return f"{periods[0]}..{periods[-1]} ({len(periods)} periods)"


def explain(data: ProblemData, plan: Plan, ranks: Ints) -> Explanation:
    return Explanation(bottlenecks=bottlenecks(data, plan), shortages=shortages(data, plan, ranks))
