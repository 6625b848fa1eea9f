"""Escalation items: what the plan cannot do or may only do with the executive's
authority, where, how much, how severe.

Four kinds come out of the model (the gateway adds AOP gaps and forecast bias):

- ``service_below_target``: a segment's on-time fill rate below its target. Amount: units
  short of the target. Severity by the gap g = target - fill rate (fill-rate points):
  critical when g >= 0.20, or a strategic segment with g >= 0.05; high when g >= 0.10 or the
  segment is strategic; medium when g >= 0.03; else low.
- ``resource_overload``: a resource loaded above its utilisation threshold (load over
  regular capacity + expansion). Amount: hours above the threshold, summed over periods.
  Severity by the peak utilisation u: critical u >= 1.20, high u >= 1.10, medium u >= 1.0,
  else low (above threshold, still within regular hours).
- ``safety_stock_breach``: inventory below safety stock. Families are grouped by the
  resource that limits them (the routed resource with the largest shadow price x hours),
  so executives see one item per bottleneck rather than one per family. Amount: the peak,
  over periods, of the units missing across the group. Severity by the deepest breach
  b = shortfall / safety stock over families and periods: critical b >= 0.9 for three
  periods or more, high b >= 0.5, medium b >= 0.25, else low.
- ``executive_lever``: a lever only the executive authorises that the plan uses at a direct
  cost of at least the problem's ``executive_lever_threshold``: a capacity expansion step
  not already committed (cost: its fixed cost x the share taken; a step is a new shift,
  line or cell) or hiring on a workforce (cost: workers hired x the hiring cost, per
  period). Amount: that cost. Severity by the cost c against the threshold h: high when
  c >= 10h, medium when c >= 3h, else low. Its options (``gateway.solver.options``) are
  authorise (the plan as it is) and refuse (re-solved without the lever); what refusing
  loses is the service the lever buys.

Repeats are rolled up so an executive reads a short list: when a plan has more than
``MAX_ITEMS_PER_KIND`` overload or safety-stock items, the ``MAX_ITEMS_PER_KIND - 1`` most
severe (then largest) stay as they are and the others become one item of the same kind about
all their resources and families (amount: their hours summed, or the peak of their units
below safety stock; severity: the worst of them), each one's figures listed in its detail.
Its options act on all of them at once.

There is no data-quality kind: every data problem that would change the plan stops it
instead (``gateway.reconcile.checks``: a missing price, cost, routing or capacity is a 422
to fix, not a choice to make), and the demand history's quality report acts on the baseline
forecast, which the demand review reads, adjusts and locks before any plan exists (the data
gathering step records it); its persistent effect, forecast bias, is the ``forecast_bias``
kind. Nothing is left for an executive to decide about data.
"""

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from gateway.solver.data import Bools, Ints, ProblemData, routed_by_load_period
from gateway.solver.decode import Plan, segment_fill
from gateway.solver.solution import (
    EscalationItem,
    EscalationKind,
    Explanation,
    Severity,
)

TOLERANCE = 1e-6
MAX_ITEMS_PER_KIND = 4


@dataclass(frozen=True)
class Scope:
    """What an item is about, as indices, for the options that re-solve it."""

    families: Ints
    segment: int | None
    resources: Ints
    periods: Bools  # (T,)
    amount: float
    expansion: int | None = None  # the capacity step an executive_lever item is about


@dataclass
class Escalation:
    item: EscalationItem
    scope: Scope


def _periods(data: ProblemData, mask: Bools) -> list[str]:
    return [data.periods[t] for t in np.flatnonzero(mask)]


def listing(names: list[str], limit: int = 5) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def service_severity(gap: float, strategic: bool) -> Severity:
    if gap >= 0.20 or (strategic and gap >= 0.05):
        return Severity.critical
    if gap >= 0.10 or strategic:
        return Severity.high
    if gap >= 0.03:
        return Severity.medium
    return Severity.low


def overload_severity(peak: float) -> Severity:
    if peak >= 1.20:
        return Severity.critical
    if peak >= 1.10:
        return Severity.high
    if peak >= 1.0:
        return Severity.medium
    return Severity.low


def safety_severity(depth: float, periods: int) -> Severity:
    if depth >= 0.9 and periods >= 3:
        return Severity.critical
    if depth >= 0.5:
        return Severity.high
    if depth >= 0.25:
        return Severity.medium
    return Severity.low


def limiting_resource(data: ProblemData, plan: Plan) -> Ints:
    """Per family: the routed resource with the largest shadow price x hours per unit
    (its first routing when none binds; -1 without routings)."""
    families = len(data.family_codes)
    score = np.full(families, -1.0)
    best = np.full(families, -1, dtype=np.int64)
    value = plan.shadow_price.sum(axis=1)[data.routing_resource] * data.routing_hours
    for k in np.argsort(-value, kind="stable"):  # one pass over routings, best first
        f = data.routing_family[k]
        if best[f] < 0 or value[k] > score[f]:
            best[f], score[f] = data.routing_resource[k], value[k]
    return best


def service_items(data: ProblemData, plan: Plan, explanation: Explanation) -> list[Escalation]:
    demand, on_time, fill = segment_fill(data, plan)
    short = plan.due - plan.on_time > TOLERANCE
    resource_index = {code: r for r, code in enumerate(data.resource_codes)}
    found = []
    for s in np.flatnonzero((fill < data.fill_rate_target - TOLERANCE) & (demand > 0)):
        code = data.segment_codes[s]
        target, rate = float(data.fill_rate_target[s]), float(fill[s])
        lines = np.flatnonzero(data.line_segment == s)
        units = np.where(short[lines], plan.due[lines] - plan.on_time[lines], 0.0).sum(axis=1)
        order = lines[np.argsort(-units)]
        order = order[short[order].any(axis=1)]
        families = [data.family_codes[data.line_family[d]] for d in order]
        causes: dict[str, float] = defaultdict(float)
        for shortage in explanation.shortages:
            if shortage.segment == code and shortage.resource is not None:
                causes[shortage.resource] += shortage.units
        resources = sorted(causes, key=lambda name: -causes[name])
        strategic = bool(data.strategic[s])
        when: Bools = np.asarray(short[lines].any(axis=0))
        amount = target * float(demand[s]) - float(on_time[s])
        cause = (
            f"; limited mainly by {listing(resources, 3)}"
            if resources
            else "; no resource binds: serving more costs more than it earns"
        )
        item = EscalationItem(
            kind=EscalationKind.service_below_target,
            severity=service_severity(target - rate, strategic),
            title=f"{code} fill rate {rate:.1%} below target {target:.1%}",
            detail=f"{amount:,.0f} units short of the {target:.1%} target"
            f" ({'strategic, ' if strategic else ''}priority {int(data.priority[s])});"
            f" {len(families)} families short: {listing(families)}{cause}",
            segment=code,
            family=families[0] if len(families) == 1 else None,
            resource=resources[0] if resources else None,
            families=families,
            periods=_periods(data, when),
            amount=round(amount, 4),
            unit="units",
        )
        scope = Scope(
            families=np.unique(data.line_family[order]),
            segment=int(s),
            resources=np.array([resource_index[name] for name in resources], dtype=np.int64),
            periods=when,
            amount=amount,
        )
        found.append(Escalation(item, scope))
    return found


def overload_items(data: ProblemData, plan: Plan) -> list[Escalation]:
    capacity = plan.regular_capacity + plan.expansion_hours
    threshold = data.utilisation_threshold[:, None]
    over = plan.utilisation > threshold + TOLERANCE
    found = []
    # Hours each routing loads over the horizon (one pass for every resource).
    routing_load = (
        routed_by_load_period(data, plan.production, missing=0.0) * data.routing_hours[:, None]
    ).sum(axis=1)
    for r in np.flatnonzero(over.any(axis=1)):
        code = data.resource_codes[r]
        hours = float(np.where(over[r], plan.load[r] - threshold[r] * capacity[r], 0).sum())
        peak = float(plan.utilisation[r].max())
        routed = data.routing_resource == r
        load = routing_load[routed]
        families_idx = data.routing_family[routed][np.argsort(-load)]
        families = [data.family_codes[f] for f in families_idx]
        overtime = float(plan.overtime[r][over[r]].sum())
        item = EscalationItem(
            kind=EscalationKind.resource_overload,
            severity=overload_severity(peak),
            title=f"{code} loaded at {peak:.0%} (threshold {float(threshold[r, 0]):.0%})",
            detail=f"{hours:,.0f} hours above the threshold in {int(over[r].sum())} periods,"
            f" {overtime:,.0f} of them overtime; largest loads: {listing(families)}",
            resource=code,
            families=families,
            periods=_periods(data, over[r]),
            amount=round(hours, 4),
            unit="hours",
        )
        scope = Scope(
            families=np.sort(families_idx),
            segment=None,
            resources=np.array([r], dtype=np.int64),
            periods=over[r],
            amount=hours,
        )
        found.append(Escalation(item, scope))
    return found


def safety_items(data: ProblemData, plan: Plan) -> list[Escalation]:
    breached = plan.safety_shortfall > TOLERANCE
    families_short = np.flatnonzero(breached.any(axis=1))
    if len(families_short) == 0:
        return []
    limiting = limiting_resource(data, plan)
    depth = np.divide(
        plan.safety_shortfall,
        data.safety_stock,
        out=np.zeros_like(plan.safety_shortfall),
        where=data.safety_stock > 0,
    )
    found = []
    for r in np.unique(limiting[families_short]):
        group = families_short[limiting[families_short] == r]
        periods = breached[group].any(axis=0)
        per_period = plan.safety_shortfall[group].sum(axis=0)
        amount = float(per_period.max())
        deepest = float(depth[group].max())
        long_breaches = int(breached[group].sum(axis=1).max())
        families = [
            data.family_codes[f]
            for f in group[np.argsort(-plan.safety_shortfall[group].sum(axis=1))]
        ]
        where = f" on {data.resource_codes[r]}" if r >= 0 else ""
        item = EscalationItem(
            kind=EscalationKind.safety_stock_breach,
            severity=safety_severity(deepest, long_breaches),
            title=f"Safety stock breached for {len(group)} "
            f"famil{'y' if len(group) == 1 else 'ies'}{where}",
            detail=f"up to {amount:,.0f} units below safety stock in a period, deepest breach"
            f" {deepest:.0%} of the target, longest {long_breaches} periods:"
            f" {listing(families)}",
            family=families[0] if len(group) == 1 else None,
            resource=data.resource_codes[r] if r >= 0 else None,
            families=families,
            periods=_periods(data, periods),
            amount=round(amount, 4),
            unit="units",
        )
        scope = Scope(
            families=group,
            segment=None,
            resources=np.array([r] if r >= 0 else [], dtype=np.int64),
            periods=periods,
            amount=amount,
        )
        found.append(Escalation(item, scope))
    return found


def lever_severity(cost: float, threshold: float) -> Severity:
    if cost >= 10 * threshold:
        return Severity.high
    if cost >= 3 * threshold:
        return Severity.medium
    return Severity.low


def _lever_scope(data: ProblemData, r: int, periods: Bools, cost: float) -> Scope:
    families = np.unique(data.routing_family[data.routing_resource == r])
    return Scope(families, None, np.array([r], dtype=np.int64), periods, cost)


def lever_items(data: ProblemData, plan: Plan, threshold: float) -> list[Escalation]:
    """Expansion steps taken and hiring done at a direct cost of at least ``threshold``."""
    found = []
    for e in np.flatnonzero(plan.expansion_level > TOLERANCE).tolist():
        cost = float(data.expansion_cost[e] * plan.expansion_level[e])
        if data.expansion_committed[e] or cost < max(threshold, TOLERANCE):
            continue
        r = int(data.expansion_resource[e])
        code, resource = data.expansion_codes[e], data.resource_codes[r]
        available = data.expansion_hours[e] > 0
        scope = _lever_scope(data, r, available, cost)
        item = EscalationItem(
            kind=EscalationKind.executive_lever,
            severity=lever_severity(cost, threshold),
            title=f"Capacity step {code} on {resource} for {cost:,.0f}",
            detail=f"the plan takes {float(plan.expansion_level[e]):.0%} of step {code}"
            f" ({float(data.expansion_hours[e].max()):,.0f} more hours a period on {resource}"
            f" from {data.periods[int(np.argmax(available))] if available.any() else 'never'})"
            f" at a fixed cost of {cost:,.0f}",
            resource=resource,
            families=[data.family_codes[f] for f in scope.families],
            periods=_periods(data, available),
            amount=round(cost, 2),
            unit="currency",
        )
        found.append(Escalation(item, replace(scope, expansion=e)))
    hiring = plan.hired * data.hire_cost
    for r in np.flatnonzero(data.workforce & (plan.hired.sum(axis=1) > TOLERANCE)).tolist():
        cost = float(hiring[r].sum())
        if cost < max(threshold, TOLERANCE):
            continue
        resource = data.resource_codes[r]
        when = plan.hired[r] > TOLERANCE
        scope = _lever_scope(data, r, when, cost)
        item = EscalationItem(
            kind=EscalationKind.executive_lever,
            severity=lever_severity(cost, threshold),
            title=f"Hire {float(plan.hired[r].sum()):,.0f} workers on {resource} for {cost:,.0f}",
            detail=f"the crew grows from {float(data.initial_workers[r]):,.0f} to"
            f" {float(plan.workers[r].max()):,.0f} workers; hiring costs {cost:,.0f}",
            resource=resource,
            families=[data.family_codes[f] for f in scope.families],
            periods=_periods(data, when),
            amount=round(cost, 2),
            unit="currency",
        )
        found.append(Escalation(item, scope))
    return found


_SEVERITY_ORDER = {Severity.critical: 0, Severity.high: 1, Severity.medium: 2, Severity.low: 3}


def _rolled_up(data: ProblemData, plan: Plan, rest: list[Escalation]) -> Escalation:
    """One item standing for ``rest`` (items of one kind), their figures in its detail."""
    kind = rest[0].item.kind
    families = np.unique(np.concatenate([e.scope.families for e in rest]))
    resources = np.unique(np.concatenate([e.scope.resources for e in rest]))
    periods: Bools = np.logical_or.reduce([e.scope.periods for e in rest])
    worst = min((e.item.severity for e in rest), key=lambda s: _SEVERITY_ORDER[s])
    if kind == EscalationKind.resource_overload:
        amount = sum(e.scope.amount for e in rest)
        peak = float(plan.utilisation[resources].max())
        title = f"{len(rest)} more resources above their threshold (peak {peak:.0%})"
        listed = [f"{e.item.resource} {e.item.amount:,.0f} h" for e in rest]
        unit = "hours"
    else:
        amount = float(plan.safety_shortfall[families].sum(axis=0).max())
        title = f"Safety stock breached for {len(families)} more families on {len(rest)} resources"
        listed = [f"{e.item.resource or 'unrouted'}: {e.item.title}" for e in rest]
        unit = "units"
    item = EscalationItem(
        kind=kind,
        severity=worst,
        title=title,
        detail=f"rolled up from {len(rest)} items: " + "; ".join(listed),
        families=[data.family_codes[f] for f in families],
        periods=_periods(data, periods),
        amount=round(amount, 4),
        unit=unit,
    )
    return Escalation(item, Scope(families, None, resources, periods, amount))


def rolled_up(data: ProblemData, plan: Plan, items: list[Escalation]) -> list[Escalation]:
    """Overload and safety-stock items beyond ``MAX_ITEMS_PER_KIND`` of a kind rolled up
    into one (see the module)."""
    kept: list[Escalation] = []
    for kind in EscalationKind:
        found = sorted(
            (e for e in items if e.item.kind == kind),
            key=lambda e: (_SEVERITY_ORDER[e.item.severity], -e.scope.amount),
        )
        limited = kind in (EscalationKind.resource_overload, EscalationKind.safety_stock_breach)
        if not limited or len(found) <= MAX_ITEMS_PER_KIND:
            kept += found
            continue
        head, rest = found[: MAX_ITEMS_PER_KIND - 1], found[MAX_ITEMS_PER_KIND - 1 :]
        kept += [*head, _rolled_up(data, plan, rest)]
    return kept


def escalation_items(
    data: ProblemData, plan: Plan, explanation: Explanation, *, lever_threshold: float
) -> list[Escalation]:
    """Every item of the plan, most severe first, repeats rolled up."""
    items = service_items(data, plan, explanation) + overload_items(data, plan)
    items += safety_items(data, plan) + lever_items(data, plan, lever_threshold)
    items = rolled_up(data, plan, items)
    items.sort(key=lambda e: _SEVERITY_ORDER[e.item.severity])
    return items
