"""Gaps to the AOP as escalation items of a reconciliation.

After the solve, the plan is valued and compared with the AOP by the finance service (one
call). Each month (and family group with a budget) whose revenue or margin gap is beyond the
tolerance (finance's ``flagged``) is a flagged month; the flagged months are consolidated into
one ``aop_gap`` item per family group and direction (below or above the AOP) over the whole
horizon, so an executive reads one item where the plan misses its budget month after month,
the detail inside: each quarter's gap, then each month's. A month's gap is in money
(plan - AOP; the margin's when the margin is flagged, else the revenue's); the item's amount
is the sum over its months, its severity the worst month's: how far beyond the tolerance a
shortfall is (more than 4x the tolerance critical, more than 2x high, else medium; a plan
above its AOP is low); its detail each month's price, volume, mix and cost lines. Options,
each with its deltas and its changes (``gateway.solver.changes``):

- ``accept``: keep the plan and report the gap (no change);
- ``objective_<name>``: the whole problem solved again under another objective (service-first
  when the plan maximised margin or minimised cost, for the volume and revenue it wins; max
  margin otherwise), without its own options: one extra solve and one extra finance call
  measure every item. Deltas in fill rate per segment, cost, margin, revenue and average
  inventory are against the plan at the problem's own costs; the item's metric is its months'
  gap under that plan, and it resolves the item when none of its months is flagged;
- ``price``: each month's net prices moved by its gap's share of its revenue, landing it on
  the AOP at unchanged volume and cost (revenue and margin move by the gap). Demand's response
  to price is not modelled, so it measures the size of the commercial lever, for the
  executive to weigh; it is never the recommendation.

Recommendation: for a plan above its AOP, accept; else the re-solve when it resolves the item
for at most ``MATERIALITY`` of the plan's margin; else accept, the reason naming what closing
the gap would cost.
"""

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass

from gateway.clients import FinanceClient
from gateway.figures.figures import LeverRates, consensus_request
from gateway.plans.service import solution_sales, solution_supply
from gateway.reconcile.timing import timed
from gateway.solver.changes import AcceptPlan, ObjectiveChange, PlanChange, PriceChange
from gateway.solver.options import MATERIALITY
from gateway.solver.problem import Objective, PlanningProblem
from gateway.solver.runner import SolverRunner
from gateway.solver.solution import (
    EscalationItem,
    EscalationKind,
    Option,
    Severity,
    Solution,
)
from shared.contracts.finance import (
    AopGap,
    AopGapRequest,
    FlaggedGap,
    GapMeasureName,
    PeriodGap,
    ValuationRequest,
)
from shared.errors import ValidationFailed

CRITICAL_BEYOND = 4.0  # a shortfall this many times the tolerance is critical
HIGH_BEYOND = 2.0

GapKey = tuple[str, str | None]  # (period, family group; None: the company)
ItemKey = tuple[str | None, bool]  # (family group, below the AOP)


def alternative_objective(objective: Objective) -> Objective:
    """The objective whose plan trades margin for volume, or volume for margin."""
    return Objective.max_margin if objective == Objective.service_first else Objective.service_first


def valuation_request(solution: Solution, *, rates: LeverRates) -> ValuationRequest:
    """The solution's valuation request, as its stored plan's would be."""
    family_lines, resource_lines = solution_supply(solution)
    return consensus_request(
        lines=solution_sales(solution),
        family_lines=family_lines,
        resource_lines=resource_lines,
        rates=rates,
        expansion_levels=solution.expansion_levels,
        first_period=solution.periods[0],
    )


async def gap_of_solution(
    finance: FinanceClient, *, solution: Solution, rates: LeverRates, tolerance: float | None
) -> AopGap:
    # 72,000 lines at 1,000 families: built off the event loop.
    request = await asyncio.to_thread(valuation_request, solution, rates=rates)
    return await finance.aop_gap(AopGapRequest(**dict(request), tolerance=tolerance))


@dataclass(frozen=True)
class Alternative:
    """The plan under the other objective, or why there is none."""

    objective: Objective
    solution: Solution | None
    gap: AopGap | None
    refusal: str | None = None


async def aop_gap_items(
    *,
    finance: FinanceClient,
    solver: SolverRunner,
    problem: PlanningProblem,
    solution: Solution,
    rates: LeverRates,
    tolerance: float | None,
    key: str | None = None,
) -> list[EscalationItem]:
    """The plan's gaps to the AOP beyond the tolerance, as items with their options.
    ``key``: the plan problem's key in the warm pool, when the caller has it."""
    with timed("valuation"):
        gap = await gap_of_solution(finance, solution=solution, rates=rates, tolerance=tolerance)
    flagged = _flagged_by_key(gap)
    if not flagged:
        return []
    started = time.perf_counter()
    with timed("alternative"):
        alternative = await _alternative(
            finance, solver=solver, problem=problem, rates=rates, tolerance=gap.tolerance, key=key
        )
    solution.stats.option_solves += 1
    solution.stats.options_seconds = round(
        solution.stats.options_seconds + time.perf_counter() - started, 6
    )
    solution.stats.notes.append(
        f"AOP gap options: the plan re-solved under {alternative.objective.value} for "
        f"{len(flagged)} item(s)"
    )
    levels = _levels(gap)
    return [
        _item(
            months=[Month(key, flagged[key], levels[key]) for key in keys],
            tolerance=gap.tolerance,
            solution=solution,
            alternative=alternative,
        )
        for keys in consolidated(flagged).values()
    ]


async def _alternative(
    finance: FinanceClient,
    *,
    solver: SolverRunner,
    problem: PlanningProblem,
    rates: LeverRates,
    tolerance: float,
    key: str | None,
) -> Alternative:
    """The plan under the other objective: a change of objective on the plan's warm model
    (a cost vector; ``service_first`` adds its service row), re-solved from its basis; a
    cold solve when the plan cannot be held warm (an integer plan)."""
    objective = alternative_objective(problem.options.objective)
    try:
        if solver.can_hold(problem):
            solution = await solver.resolve_plan(
                problem,
                [ObjectiveChange(objective=objective)],
                key=key or await solver.key_of(problem),
            )
        else:
            update = {"objective": objective, "compute_options": False}
            options = problem.options.model_copy(update=update)
            solution = await solver.solve(problem.model_copy(update={"options": options}))
    except ValidationFailed as refused:
        return Alternative(objective=objective, solution=None, gap=None, refusal=refused.detail)
    gap = await gap_of_solution(finance, solution=solution, rates=rates, tolerance=tolerance)
    return Alternative(objective=objective, solution=solution, gap=gap)


def _flagged_by_key(gap: AopGap) -> dict[GapKey, list[FlaggedGap]]:
    flagged: dict[GapKey, list[FlaggedGap]] = defaultdict(list)
    for flag in gap.flagged:
        flagged[(flag.period, flag.family_group)].append(flag)
    return dict(flagged)


def quarter_of(period: str) -> str:
    """``2026-05`` -> ``2026-Q2``."""
    year, month = period.split("-")
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


def consolidated(flagged: dict[GapKey, list[FlaggedGap]]) -> dict[ItemKey, list[GapKey]]:
    """The flagged months grouped per family group and direction (months below and above
    the AOP stay two items), months in order."""
    groups: dict[ItemKey, list[GapKey]] = defaultdict(list)
    for key in sorted(flagged, key=lambda k: (k[1] or "", k[0])):
        below = _measure_of(flagged[key]).gap < 0
        groups[(key[1], below)].append(key)
    return dict(groups)


def _quarters(months: list["Month"]) -> dict[str, float]:
    """Each quarter's gap: the sum of its months' (in order)."""
    gaps: dict[str, float] = defaultdict(float)
    for month in months:
        gaps[quarter_of(month.key[0])] += month.flag.gap
    return dict(gaps)


def _levels(gap: AopGap) -> dict[GapKey, PeriodGap]:
    return {(level.period, level.family_group): level for level in [*gap.periods, *gap.groups]}


def _measure_of(flags: list[FlaggedGap]) -> FlaggedGap:
    """The margin's flag when the margin is flagged: it is what the budget is judged on."""
    return next((f for f in flags if f.measure == GapMeasureName.margin), flags[0])


def severity_of(flag: FlaggedGap) -> Severity:
    if flag.gap >= 0:
        return Severity.low  # above the AOP: good news that still resets expectations
    beyond = (
        abs(flag.gap_pct) / flag.tolerance if flag.gap_pct is not None and flag.tolerance else None
    )
    if beyond is None or beyond > CRITICAL_BEYOND:
        return Severity.critical
    return Severity.high if beyond > HIGH_BEYOND else Severity.medium


@dataclass(frozen=True)
class Month:
    """One flagged month of an item."""

    key: GapKey
    flags: list[FlaggedGap]
    level: PeriodGap

    @property
    def flag(self) -> FlaggedGap:
        return _measure_of(self.flags)


def _item(
    *, months: list[Month], tolerance: float, solution: Solution, alternative: Alternative
) -> EscalationItem:
    group = months[0].key[1]
    gap = sum(month.flag.gap for month in months)
    measures = sorted({month.flag.measure.value for month in months})
    quarters = _quarters(months)
    first, last = next(iter(quarters)), list(quarters)[-1]
    span = first if first == last else f"{len(quarters)} quarters, {first}..{last}"
    where = span + (f" (family group {group})" if group else "")
    by_quarter = (
        "by quarter: " + ", ".join(f"{q} {amount:+,.0f}" for q, amount in quarters.items()) + "; "
        if len(quarters) > 1
        else ""
    )
    direction = "below" if gap < 0 else "above"
    segments = [segment.segment for segment in solution.segments]
    options = [
        Option(
            lever="accept",
            description=f"Accept: keep the plan {direction} the AOP in {where}",
            fill_rate_delta=dict.fromkeys(segments, 0.0),
            cost_delta=0.0,
            margin_delta=0.0,
            inventory_delta=0.0,
            resolves=False,
            item_metric=round(gap, 2),
            changes=[AcceptPlan()],
        ),
        _resolved_option(months=months, solution=solution, alternative=alternative),
        _price_option(months=months, where=where, segments=segments),
    ]
    # Severity lists low to critical: the worst month's is the last in that order.
    worst = max((severity_of(month.flag) for month in months), key=list(Severity).index)
    item = EscalationItem(
        kind=EscalationKind.aop_gap,
        severity=worst,
        title=f"{' and '.join(m.capitalize() for m in measures)} {direction} the AOP in "
        f"{where}: {len(months)} month(s) beyond the tolerance, {gap:+,.0f} in all",
        detail=by_quarter
        + "; ".join(
            f"{month.key[0]}: " + _detail(flags=month.flags, level=month.level, tolerance=tolerance)
            for month in months
        ),
        periods=[month.key[0] for month in months],
        amount=round(gap, 2),
        unit="currency",
        options=options,
    )
    _recommend(item, gap=gap, revenue=_revenue(months), margin=solution.totals.margin)
    return item


def _detail(*, flags: list[FlaggedGap], level: PeriodGap, tolerance: float) -> str:
    parts = []
    for flag in flags:
        measure = getattr(level, flag.measure.value)
        lines = measure.explained_by
        explained = (
            f"price {lines.price:+,.0f}, volume {lines.volume:+,.0f}, mix {lines.mix:+,.0f}"
            + (f", cost {lines.cost:+,.0f}" if flag.measure == GapMeasureName.margin else "")
            + (f", not decomposed {lines.not_decomposed:+,.0f}" if lines.not_decomposed else "")
        )
        parts.append(
            f"{flag.measure.value}: plan {flag.plan:,.0f} against AOP {flag.aop:,.0f}, gap "
            f"{flag.gap:+,.0f} ({explained})"
        )
    return "; ".join(parts) + f". Tolerance {tolerance:.1%} of the AOP."


def _resolved_option(
    *, months: list[Month], solution: Solution, alternative: Alternative
) -> Option:
    lever = f"objective_{alternative.objective.value}"
    description = f"Re-plan with the objective {alternative.objective.value}"
    segments = [segment.segment for segment in solution.segments]
    changes: list[PlanChange] = [ObjectiveChange(objective=alternative.objective)]
    if alternative.solution is None or alternative.gap is None:
        return Option(
            lever=lever,
            description=f"{description}: no plan ({alternative.refusal})",
            fill_rate_delta=dict.fromkeys(segments, 0.0),
            cost_delta=0.0,
            margin_delta=0.0,
            inventory_delta=0.0,
            feasible=False,
            changes=changes,
        )
    other, base = alternative.solution, solution
    fill_before = {segment.segment: segment.fill_rate for segment in base.segments}
    levels = _levels(alternative.gap)
    after = [levels.get(month.key) for month in months]
    gap_after = sum(
        getattr(level, month.flag.measure.value).gap
        for month, level in zip(months, after, strict=True)
        if level is not None
    )
    still_flagged = any(
        (f.period, f.family_group, f.measure) == (*month.key, month.flag.measure)
        for month in months
        for f in alternative.gap.flagged
    )
    return Option(
        lever=lever,
        description=description,
        fill_rate_delta={
            segment.segment: round(segment.fill_rate - fill_before.get(segment.segment, 0.0), 6)
            for segment in other.segments
        },
        cost_delta=round(other.totals.total_cost - base.totals.total_cost, 2),
        margin_delta=round(other.totals.margin - base.totals.margin, 2),
        revenue_delta=round(other.totals.revenue - base.totals.revenue, 2),
        inventory_delta=round(_mean_inventory(other) - _mean_inventory(base), 4),
        resolves=not still_flagged,
        item_metric=round(gap_after, 2) if None not in after else None,
        changes=changes,
    )


def _revenue(months: list[Month]) -> float:
    return sum(month.level.revenue.plan for month in months)


def _share(change: float, revenue: float) -> float | None:
    """A revenue change as a share of the revenue (None without revenue)."""
    return change / revenue if revenue > 0 else None


def _price_option(*, months: list[Month], where: str, segments: list[str]) -> Option:
    """Each month's net prices moved by its own gap's share of its revenue."""
    change = -sum(month.flag.gap for month in months)
    shares = [_share(-month.flag.gap, month.level.revenue.plan) for month in months]
    share = _share(change, _revenue(months))
    priced = None not in shares
    return Option(
        lever="price",
        description=f"Change net prices by {_percent(share)} on average in {where} "
        f"({change:+,.0f}) to land on the AOP at unchanged volume; the demand response is not "
        "modelled",
        fill_rate_delta=dict.fromkeys(segments, 0.0),
        cost_delta=0.0,
        margin_delta=round(change, 2),
        revenue_delta=round(change, 2),
        inventory_delta=0.0,
        feasible=priced,
        resolves=priced,
        item_metric=0.0 if priced else None,
        changes=[
            PriceChange(periods=[month.key[0]], mode="percent", value=round(100 * one, 6))
            for month, one in zip(months, shares, strict=True)
            if one is not None
        ],
    )


def _percent(share: float | None) -> str:
    return f"{share:+.1%}" if share is not None else "an undefined share (no revenue)"


def _mean_inventory(solution: Solution) -> float:
    """Units on hand at a month's end, over every family, averaged over the months."""
    months = len(solution.periods)
    return sum(sum(line.inventory) for line in solution.families) / months if months else 0.0


def _recommend(item: EscalationItem, *, gap: float, revenue: float, margin: float) -> None:
    accept, replan = item.options[0], item.options[1]
    if gap >= 0:
        item.recommended_option = 0
        item.recommendation = (
            f"{accept.description} (the plan beats the budget: raise expectations rather "
            "than cut the plan)"
        )
        return
    affordable = replan.margin_delta >= -MATERIALITY * abs(margin)
    if replan.feasible and replan.resolves and affordable:
        item.recommended_option = 1
        item.recommendation = (
            f"{replan.description} (it closes the gap for a margin change of "
            f"{replan.margin_delta:+,.0f})"
        )
        return
    if replan.feasible and replan.resolves:
        why = f"re-planning closes it but costs {-replan.margin_delta:,.0f} of margin"
    else:
        why = "re-planning does not close it"
    item.recommended_option = 0
    item.recommendation = (
        f"{accept.description} ({why}; closing it by price alone needs "
        f"{_percent(_share(-gap, revenue))} on net prices: a commercial decision)"
    )
