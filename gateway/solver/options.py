"""Options on escalation items: re-solve with a lever changed, report the deltas, recommend.

A linear plan's options are priced on the whole plan: each lever is the whole problem with
the lever's changes, re-solved on one warm model of the plan (``LeverSolver``), so an option
promises exactly what deciding it alone gives (the cycle's decisions re-solve the same model
with the same changes). Every delta is option minus the plan. A lever that changes the
model's structure (a step ruled out, a limit opened from zero) is solved cold beside the
model, which keeps its basis for the next lever.

An integer plan cannot be held warm, so re-solves stay bounded by working on a sub-model per
item: only the item's families (and the resources they use) are re-optimised; every other
family keeps its planned production, whose hours enter the sub-model as ``committed_hours``
on the shared resources. The plan restricted to the sub-model is optimal for it, so it is
the baseline without a solve; each lever is one cold solve of the sub-model (with the whole
plan's priority weights), and the frozen part cancels out of every delta.

Money is valued at the problem's own costs (a lever that works through a penalty, like
protecting safety stock, is not credited the penalty). Fill-rate deltas are for the whole
plan.

The work is spread under a budget of ``BUDGET_FACTOR`` x the plan's own build and solve time
(at least ``MIN_BUDGET_SECONDS``): first each item's first lever, most severe item first, then
the other levers in turns while the next solve (at the mean time so far) fits. Every item gets
"accept" (no solve) and at least one re-solved lever even when the budget is spent; levers
left out are named in the item's detail.

Levers per kind:
- service below target: more overtime / outsourcing / an expansion step / more workers where
  the shortage is, move the unserved demand to the period after the shortage, cut it.
- resource overload: level the load to the threshold (the model cuts, pre-builds or moves
  work), the same with unlimited subcontracting at its price, an expansion step, hiring.
- safety-stock breach: protect safety stock (penalty above any sale's value), more overtime,
  more outsourcing, an expansion step.
- executive lever: authorise (the plan as it is, no solve) or refuse (the step ruled out, or
  the crew held to its starting size). What refusing loses, in fill rate and margin, is the
  service the lever buys; it is written into the item's detail.

Recommendation for an executive lever: authorise it when refusing it loses margin or fill
rate, else refuse it. For the other kinds: the resolving supply-side option with the best
margin, when the item is high or critical or that option costs at most ``MATERIALITY`` of
the plan's margin; else moving demand when that resolves it; else, when nothing resolves it,
the supply option that closes most of the gap if it closes at least a quarter of it
affordably; else accepting (the reason then names the cheapest resolving option and its
cost).
"""

import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import highspy
import numpy as np

from gateway.solver.changes import (
    AcceptPlan,
    CapacityChange,
    CostChange,
    DemandChange,
    DemandMove,
    ExpansionChange,
    OutsourcingChange,
    OvertimeChange,
    PlanChange,
    WorkforceChange,
    apply_changes,
)
from gateway.solver.data import (
    Bools,
    Floats,
    Ints,
    ProblemData,
    problem_data,
    routed_by_load_period,
)
from gateway.solver.decode import Plan, segment_fill, totals_of
from gateway.solver.escalations import Escalation, listing
from gateway.solver.optimise import Optimum, optimise
from gateway.solver.problem import PlanningProblem
from gateway.solver.solution import EscalationKind, Option, Severity, Totals
from gateway.solver.warm import SolvePath, WarmModel, cold_reason
from shared.errors import ValidationFailed

BUDGET_FACTOR = 1.8  # with the plan itself, options keep a reconcile near 3x one solve
MIN_BUDGET_SECONDS = 0.25
MATERIALITY = 0.005  # share of the plan's margin a medium/low item may cost to resolve
SUPPLY_LEVERS = {"overtime", "outsourcing", "expansion", "workforce", "level", "protect"}


def _listed(values: Floats) -> list[float]:
    return [round(float(v), 6) for v in values]


def _span(periods: list[str], mask: np.ndarray) -> str:
    chosen = [periods[t] for t in np.flatnonzero(mask)]
    return chosen[0] if len(chosen) == 1 else f"{chosen[0]}..{chosen[-1]}"


@dataclass(frozen=True)
class SubModel:
    problem: PlanningProblem
    families: Ints  # sub family -> full family
    lines: Ints  # sub demand line -> full line
    resources: Ints  # sub resource -> full resource
    expansions: Ints  # sub expansion -> full expansion
    own_load: Floats  # (sub resources, T): hours of the sub-model's families in the plan


def sub_model(problem: PlanningProblem, data: ProblemData, plan: Plan, families: Ints) -> SubModel:
    """The problem restricted to ``families``; other families' hours become committed."""
    keep = np.zeros(len(data.family_codes), dtype=bool)
    keep[families] = True
    lines = np.flatnonzero(keep[data.line_family])
    routed = keep[data.routing_family]
    resources = np.unique(data.routing_resource[routed])
    own = np.zeros_like(plan.plan_load)
    np.add.at(
        own,
        data.routing_resource[routed],
        routed_by_load_period(data, plan.production, missing=0.0)[routed]
        * data.routing_hours[routed, None],
    )
    frozen = np.maximum(plan.plan_load - own, 0.0) + data.committed_hours
    resource_inputs = [
        problem.resources[r].model_copy(update={"committed_hours": frozen[r].tolist()})
        for r in resources
    ]
    expansions = np.flatnonzero(np.isin(data.expansion_resource, resources))
    family_index = np.flatnonzero(keep)
    sub = problem.model_copy(
        update={
            "families": [problem.families[f] for f in family_index],
            "demand": [problem.demand[d] for d in lines],
            "resources": resource_inputs,
            "routings": [problem.routings[k] for k in np.flatnonzero(routed)],
            "expansions": [problem.expansions[e] for e in expansions],
            "options": problem.options.model_copy(update={"compute_options": False}),
        }
    )
    return SubModel(sub, family_index, lines, resources, expansions, own[resources])


def restricted(plan: Plan, sub: SubModel) -> Plan:
    """The plan's own values for the sub-model: optimal for it, so it is the baseline."""
    f, d, r, e = sub.families, sub.lines, sub.resources, sub.expansions
    return Plan(
        production=plan.production[f],
        outsourced=plan.outsourced[f],
        inventory=plan.inventory[f],
        safety_shortfall=plan.safety_shortfall[f],
        sales=plan.sales[d],
        backlog=plan.backlog[d],
        lost=plan.lost[d],
        on_time=plan.on_time[d],
        due=plan.due[d],
        overtime=plan.overtime[r],
        workers=plan.workers[r],
        hired=plan.hired[r],
        laid_off=plan.laid_off[r],
        expansion_level=plan.expansion_level[e],
        plan_load=sub.own_load,
        load=plan.load[r],
        regular_capacity=plan.regular_capacity[r],
        expansion_hours=plan.expansion_hours[r],
        utilisation=plan.utilisation[r],
        shadow_price=plan.shadow_price[r],
    )


@dataclass
class Outcome:
    data: ProblemData
    plan: Plan
    totals: Totals
    objective: float | None = None  # of the re-solve (None: the plan's own values)


@dataclass
class Lever:
    """A lever as the changes it makes to the problem (``gateway.solver.changes``): the
    option carries them, and a decision for it applies them to the whole problem."""

    lever: str
    description: str
    changes: list[PlanChange]


@dataclass
class Context:
    """What the options of one item are measured against."""

    full: ProblemData
    base: Plan
    escalation: Escalation
    sub: SubModel  # the item's sub-model, or the whole problem (``whole_context``)
    baseline: Outcome
    weights: Floats  # unmet weights of the plan's objective (for protecting safety stock)


def _limited(problem: PlanningProblem, time_limit: float) -> PlanningProblem:
    options = problem.options.model_copy(update={"time_limit_seconds": time_limit})
    return problem.model_copy(update={"options": options})


def _run(problem: PlanningProblem, weights: Floats | None, time_limit: float) -> Outcome:
    """A lever's re-solve from scratch (the cold path); ``weights``: the unmet weights of a
    sub-model (the whole plan's), None for the whole problem (its own)."""
    limited = _limited(problem, time_limit)
    data = problem_data(limited)
    optimum = optimise(data, limited.options, unmet_weight=weights)
    return Outcome(data, optimum.plan, totals_of(data, optimum.plan), optimum.objective)


@dataclass
class LeverSolver:
    """The levers' re-solves on one warm model of the whole plan (``gateway.solver.warm``):
    each lever's changes become bound, cost and coefficient edits of the held model,
    re-solved by dual simplex from the last basis (the previous lever's changes undone by
    the same edits). A lever that adds or removes variables or rows is solved cold beside
    the model, which stays as it was. Without a held model, the first lever loads one."""

    model: WarmModel
    warm: int = 0
    cold: int = 0

    def run(self, problem: PlanningProblem, time_limit: float) -> Outcome:
        run = self.model.move_to(_limited(problem, time_limit), reload=self.model.lp is None)
        if run.path == SolvePath.warm:
            self.warm += 1
        else:
            self.cold += 1
        plan = run.optimum.plan
        return Outcome(run.data, plan, totals_of(run.data, plan), run.optimum.objective)


def whole_context(
    problem: PlanningProblem, data: ProblemData, optimum: Optimum
) -> Callable[[Escalation], Context]:
    """Items measured against the whole plan (their levers re-solve the whole problem);
    the whole model and the plan's totals are built once for every item."""
    plan = optimum.plan
    whole = SubModel(
        problem,
        families=np.arange(len(data.family_codes)),
        lines=np.arange(len(data.line_family)),
        resources=np.arange(len(data.resource_codes)),
        expansions=np.arange(len(data.expansion_codes)),
        own_load=plan.plan_load,
    )
    baseline = Outcome(data, plan, totals_of(data, plan), optimum.objective)
    return lambda escalation: Context(data, plan, escalation, whole, baseline, optimum.weights)


def sub_context(
    problem: PlanningProblem, data: ProblemData, optimum: Optimum
) -> Callable[[Escalation], Context]:
    """Items measured against their sub-models (an integer plan: see the module
    docstring)."""

    def context(escalation: Escalation) -> Context:
        sub = sub_model(problem, data, optimum.plan, escalation.scope.families)
        sub_data = problem_data(sub.problem)
        base_plan = restricted(optimum.plan, sub)
        baseline = Outcome(sub_data, base_plan, totals_of(sub_data, base_plan))
        return Context(data, optimum.plan, escalation, sub, baseline, optimum.weights)

    return context


# --------------------------------------------------------------------------- levers


def _sub_scope(ctx: Context) -> tuple[Ints, Ints]:
    """The item's families and resources as sub-model indices."""
    scope = ctx.escalation.scope
    families = np.searchsorted(ctx.sub.families, scope.families)
    resources = np.flatnonzero(np.isin(ctx.sub.resources, scope.resources))
    return families, resources


def _grouped(
    periods: list[str], values: Iterable[Hashable], mask: Bools
) -> list[tuple[list[str], Any]]:
    """The chosen periods grouped by their value (first appearance first): one change per
    distinct value rather than one per period."""
    groups: dict[Hashable, list[str]] = {}
    for period, value, chosen in zip(periods, values, mask, strict=True):
        if chosen:
            groups.setdefault(value, []).append(period)
    return [(chosen, value) for value, chosen in groups.items()]


def _rounded(values: Floats) -> list[float]:
    return [round(float(v), 6) for v in values]


def _overtime_changes(
    problem: PlanningProblem, data: ProblemData, plan: Plan, extra: Floats
) -> list[PlanChange]:
    """``extra`` (sub resources x periods) more overtime hours where positive; on a workforce,
    per worker of the plan (and on its cap, when it has one)."""
    changes: list[PlanChange] = []
    for r in np.flatnonzero(extra.sum(axis=1) > 0).tolist():
        resource = problem.resources[r]
        positive = extra[r] > 0
        if resource.workforce is None:
            changes += [
                OvertimeChange(resource=resource.code, periods=periods, mode="add", value=value)
                for periods, value in _grouped(data.periods, _rounded(extra[r]), positive)
            ]
            continue
        per_worker = _rounded(extra[r] / np.maximum(plan.workers[r], 1.0))
        changes += [
            OvertimeChange(
                resource=resource.code,
                unit="hours_per_worker",
                periods=periods,
                mode="add",
                value=value,
            )
            for periods, value in _grouped(data.periods, per_worker, positive)
        ]
        if "max_overtime_hours" in resource.model_fields_set:
            changes += [
                OvertimeChange(resource=resource.code, periods=periods, mode="add", value=value)
                for periods, value in _grouped(data.periods, _rounded(extra[r]), positive)
            ]
    return changes


def _outsourcing_changes(
    problem: PlanningProblem, data: ProblemData, families: Ints, units: Floats, window: Bools
) -> list[PlanChange]:
    """``units`` more of each family (all of them spread evenly over ``window``)."""
    chosen = [data.periods[t] for t in np.flatnonzero(window)]
    return [
        OutsourcingChange(
            family=problem.families[f].code,
            periods=chosen,
            mode="add",
            value=round(float(amount) / len(chosen), 6),
        )
        for f, amount in zip(families.tolist(), units, strict=True)
    ]


def _outsourceable(problem: PlanningProblem, data: ProblemData, families: Ints) -> Ints:
    """Families with a priced subcontractor whose limit is not already unlimited."""
    priced = (data.outsource_cost[families] > 0).any(axis=1)
    bounded = np.isfinite(data.outsource_limit[families]).all(axis=1)
    return families[priced & bounded]


def _expansion_levers(ctx: Context, resources: Ints, what: str) -> list[Lever]:
    data, problem = ctx.baseline.data, ctx.sub.problem
    levers = []
    for e in np.flatnonzero(np.isin(data.expansion_resource, resources)):
        if ctx.baseline.plan.expansion_level[e] >= 1 - 1e-6:
            continue
        step = problem.expansions[e]
        levers.append(
            Lever(
                "expansion",
                f"Take capacity step {step.code} on {step.resource} (fixed cost"
                f" {step.fixed_cost:,.0f}, available after {step.lead_time_periods} periods)"
                f" {what}",
                [ExpansionChange(code=step.code, action="commit")],
            )
        )
    return levers[:2]


def _hours_per_unit(data: ProblemData) -> Floats:
    """(F, R) hours per unit of each family on each resource of the sub-model."""
    table = np.zeros((len(data.family_codes), len(data.resource_codes)))
    table[data.routing_family, data.routing_resource] = data.routing_hours
    return table


def _hiring_changes(
    problem: PlanningProblem,
    data: ProblemData,
    plan: Plan,
    needed: Floats,
    resources: Ints,
    window: Bools,
) -> tuple[list[PlanChange], int]:
    """Floors on the crews that add the workers ``needed`` hours take over ``window``; the
    most workers added in a period."""
    changes: list[PlanChange] = []
    added = 0
    for r, hours_needed in zip(resources.tolist(), needed, strict=True):
        if not data.workforce[r] or hours_needed <= 0:
            continue
        per_period = hours_needed / window.sum()
        more = np.where(
            window, np.ceil(per_period / np.maximum(data.hours_per_worker[r], 1e-9)), 0.0
        )
        floor = np.maximum(data.min_workers[r], plan.workers[r] + more)
        crew = problem.resources[r].workforce
        assert crew is not None
        ceilings = (
            [None] * len(floor)
            if crew.max_workers is None
            else _rounded(np.maximum(data.max_workers[r], floor))
        )
        changes += [
            WorkforceChange(
                resource=problem.resources[r].code,
                periods=periods,
                min_workers=bounds[0],
                max_workers=bounds[1],
            )
            for periods, bounds in _grouped(
                data.periods, zip(_rounded(floor), ceilings, strict=True), window
            )
        ]
        added = max(added, int(more.max()))
    return changes, added


def service_levers(ctx: Context) -> list[Lever]:
    data, plan, problem = ctx.baseline.data, ctx.baseline.plan, ctx.sub.problem
    scope = ctx.escalation.scope
    s = scope.segment
    assert s is not None
    segment = data.segment_codes[s]
    periods = data.periods_count
    families, resources = _sub_scope(ctx)
    lines = np.flatnonzero(data.line_segment == s)
    unserved = np.maximum(plan.due[lines] - plan.on_time[lines], 0.0)
    total = float(unserved.sum())
    if total <= 1e-9:
        return []
    scale = min(1.0, 1.1 * scope.amount / total)  # enough to reach the target, with 10%
    unserved = unserved * scale
    short = unserved.sum(axis=0) > 1e-9
    last = int(np.flatnonzero(short).max())
    window = np.arange(periods) <= last  # capacity before the shortage can pre-build
    where = _span(data.periods, short)
    units_by_family = np.zeros(len(data.family_codes))
    np.add.at(units_by_family, data.line_family[lines], unserved.sum(axis=1))
    levers: list[Lever] = []

    hours = _hours_per_unit(data)
    needed = (units_by_family @ hours)[resources]  # hours per resource to serve the gap
    if len(resources) and needed.sum() > 0:
        extra = np.zeros((len(data.resource_codes), periods))
        extra[resources] = needed[:, None] * window / window.sum()
        names = ", ".join(data.resource_codes[r] for r in resources)
        levers.append(
            Lever(
                "overtime",
                f"Allow {float(needed.sum()):,.0f} more overtime hours on {names} up to"
                f" {data.periods[last]}",
                _overtime_changes(problem, data, plan, extra),
            )
        )
    subcontracted = _outsourceable(problem, data, families)
    subcontracted = subcontracted[units_by_family[subcontracted] > 0]
    if len(subcontracted):
        levers.append(
            Lever(
                "outsourcing",
                f"Subcontract up to {float(units_by_family[subcontracted].sum()):,.0f} more"
                f" units of {len(subcontracted)} families up to {data.periods[last]}",
                _outsourcing_changes(
                    problem, data, subcontracted, units_by_family[subcontracted], window
                ),
            )
        )
    levers += _expansion_levers(ctx, resources, f"for {segment}")
    crews = resources[data.workforce[resources]]
    if len(crews) and needed.sum() > 0:
        hiring, added = _hiring_changes(problem, data, plan, needed, resources, window)
        levers.append(
            Lever(
                "workforce",
                f"Hire {added} more workers on "
                + ", ".join(data.resource_codes[r] for r in crews)
                + f" up to {data.periods[last]}",
                hiring,
            )
        )

    short_lines = [
        (data.family_codes[data.line_family[d]], row)
        for row, d in enumerate(lines)
        if unserved[row].sum() > 1e-9
    ]
    if last + 1 < periods:
        later = data.periods[last + 1]
        moves: list[PlanChange] = [
            DemandMove(
                family=family,
                segment=segment,
                from_period=data.periods[t],
                to_period=later,
                quantity=round(float(unserved[row, t]), 6),
            )
            for family, row in short_lines
            for t in np.flatnonzero(unserved[row] > 1e-9).tolist()
        ]
        levers.append(
            Lever(
                "move_demand",
                f"Agree with {segment} to take {float(unserved.sum()):,.0f} units"
                f" due in {where} in {later} instead",
                moves,
            )
        )
    cuts: list[PlanChange] = [
        DemandChange(family=family, segment=segment, periods=chosen, mode="add", value=-value)
        for family, row in short_lines
        for chosen, value in _grouped(data.periods, _rounded(unserved[row]), unserved[row] > 1e-9)
    ]
    levers.append(
        Lever(
            "cut_demand",
            f"Cut {float(unserved.sum()):,.0f} units of {segment} demand in"
            f" {where} (decline or redirect the orders)",
            cuts,
        )
    )
    return levers


def _levelling_changes(ctx: Context, r: int, threshold: float) -> tuple[list[PlanChange], int]:
    """The changes that hold resource ``r`` to ``threshold`` of its capacity, and for a crew
    about how many workers that needs beyond the plan's."""
    data, plan, problem = ctx.baseline.data, ctx.baseline.plan, ctx.sub.problem
    resource = problem.resources[r]
    code = resource.code
    everywhere = np.ones(data.periods_count, dtype=bool)
    changes: list[PlanChange] = []
    if resource.workforce is None:
        capacity = data.regular_hours[r] + plan.expansion_hours[r]
        if threshold >= 1:
            overtime = _rounded(np.minimum(data.max_overtime_hours[r], (threshold - 1) * capacity))
            changes += [
                OvertimeChange(resource=code, periods=periods, mode="set", value=value)
                for periods, value in _grouped(data.periods, overtime, everywhere)
            ]
        else:
            changes += [
                CapacityChange(resource=code, mode="percent", value=(threshold - 1) * 100),
                OvertimeChange(resource=code, mode="set", value=0),
            ]
        return changes, 0
    # Each worker counts for threshold x their hours (the wage per hour scaled so a worker
    # costs the same); the model hires up to what the threshold needs.
    crew = resource.workforce
    hours = data.hours_per_worker[r]
    counted = min(threshold, 1.0)
    if counted < 1:
        changes += [
            CapacityChange(resource=code, mode="percent", value=(counted - 1) * 100),
            CostChange(
                cost="wage_per_hour", resource=code, mode="percent", value=(1 / counted - 1) * 100
            ),
        ]
    overtime = _rounded(
        np.minimum(data.overtime_hours_per_worker[r], max(threshold - 1, 0) * hours)
    )
    changes += [
        OvertimeChange(
            resource=code, unit="hours_per_worker", periods=periods, mode="set", value=value
        )
        for periods, value in _grouped(data.periods, overtime, everywhere)
    ]
    needed = np.ceil(plan.load[r] / np.maximum(threshold * hours, 1e-9) - 1e-9)
    if crew.max_workers is not None:
        ceiling = _rounded(np.maximum(data.max_workers[r], needed))
        changes += [
            WorkforceChange(resource=code, periods=periods, max_workers=value)
            for periods, value in _grouped(data.periods, ceiling, everywhere)
        ]
    return changes, int(np.maximum(needed - plan.workers[r], 0).max())


def overload_levers(ctx: Context) -> list[Lever]:
    """Levers on every resource of the item (one, or those a rolled-up item stands for)."""
    data, problem = ctx.baseline.data, ctx.sub.problem
    families, resources = _sub_scope(ctx)
    codes = [data.resource_codes[r] for r in resources.tolist()]
    levelled: list[PlanChange] = []
    added = 0
    for r in resources.tolist():
        changes, more = _levelling_changes(ctx, r, float(data.utilisation_threshold[r]))
        levelled += changes
        added += more
    if len(codes) == 1:
        threshold = float(data.utilisation_threshold[resources[0]])
        held, staffed, it = (
            f"{codes[0]} to {threshold:.0%}",
            f"{codes[0]} for {threshold:.0%}",
            "it",
        )
    else:
        held = staffed = f"{len(codes)} resources ({listing(codes)}) to their thresholds"
        it = "they"
    levers: list[Lever] = []
    if not any(problem.resources[r].workforce for r in resources.tolist()):
        levers.append(
            Lever(
                "level",
                f"Hold {held}: the plan pre-builds, moves or drops the least valuable work",
                levelled,
            )
        )
    else:
        levers.append(
            Lever(
                "workforce",
                f"Staff {staffed} utilisation: hire (up to about {added} more workers) or drop"
                " the least valuable work, whichever is cheaper",
                levelled,
            )
        )
    subcontracted = _outsourceable(problem, data, families)
    if len(subcontracted):
        levers.append(
            Lever(
                "outsourcing",
                f"Hold {held} and subcontract what {it} cannot make"
                f" ({len(subcontracted)} families, at their outsourcing cost)",
                levelled
                + [
                    OutsourcingChange(family=problem.families[f].code, mode="unlimited")
                    for f in subcontracted.tolist()
                ],
            )
        )
    levers += _expansion_levers(ctx, resources, f"to relieve {listing(codes, 3)}")
    return levers


def safety_levers(ctx: Context) -> list[Lever]:
    data, plan, problem = ctx.baseline.data, ctx.baseline.plan, ctx.sub.problem
    families, resources = _sub_scope(ctx)
    periods = data.periods_count
    shortfall = plan.safety_shortfall[families]
    last = int(np.flatnonzero(shortfall.sum(axis=0) > 1e-9).max())
    window = np.arange(periods) <= last
    peak = shortfall.max(axis=1)
    levers: list[Lever] = []

    # Above the most a unit can earn anywhere: safety stock then outranks every sale.
    worth = (
        data.price.max()
        + max(data.backlog_cost.max(initial=0), data.lost_sale_penalty.max(initial=0))
        + ctx.weights.max(initial=0)
        + 1.0
    )
    levers.append(
        Lever(
            "protect",
            "Rebuild safety stock before serving demand (it outranks every sale)",
            [
                CostChange(
                    cost="safety_stock_penalty",
                    family=problem.families[f].code,
                    mode="set",
                    value=round(float(worth), 6),
                )
                for f in families.tolist()
            ],
        )
    )
    if len(resources):
        hours = _hours_per_unit(data)
        needed = (np.bincount(families, peak, minlength=len(data.family_codes)) @ hours)[resources]
        if needed.sum() > 0:
            extra = np.zeros((len(data.resource_codes), periods))
            extra[resources] = needed[:, None] * window / window.sum()
            levers.append(
                Lever(
                    "overtime",
                    f"Allow {float(needed.sum()):,.0f} more overtime hours on "
                    + ", ".join(data.resource_codes[r] for r in resources)
                    + f" up to {data.periods[last]}",
                    _overtime_changes(problem, data, plan, extra),
                )
            )
    subcontracted = _outsourceable(problem, data, families)
    if len(subcontracted):
        position = np.searchsorted(families, subcontracted)
        levers.append(
            Lever(
                "outsourcing",
                f"Subcontract up to {float(peak[position].sum()):,.0f} more units of"
                f" {len(subcontracted)} families up to {data.periods[last]}",
                _outsourcing_changes(problem, data, subcontracted, peak[position], window),
            )
        )
    levers += _expansion_levers(ctx, resources, "to rebuild safety stock")
    return levers


def refusal_levers(ctx: Context) -> list[Lever]:
    """Refusing an executive lever: the expansion step ruled out, or no hiring (the crew's
    ceiling at its starting size, never below a floor the problem sets)."""
    data, problem = ctx.baseline.data, ctx.sub.problem
    scope = ctx.escalation.scope
    if scope.expansion is not None:
        code = ctx.full.expansion_codes[scope.expansion]
        return [
            Lever(
                "refuse",
                f"Refuse step {code}: plan without it",
                [ExpansionChange(code=code, action="forbid")],
            )
        ]
    _, resources = _sub_scope(ctx)
    r = int(resources[0])
    ceiling = np.maximum(
        data.min_workers[r], np.minimum(data.initial_workers[r], data.max_workers[r])
    )
    everywhere = np.ones(data.periods_count, dtype=bool)
    code = problem.resources[r].code
    return [
        Lever(
            "refuse",
            f"Refuse the hiring on {code}: keep the crew at {float(data.initial_workers[r]):,.0f}"
            " workers",
            [
                WorkforceChange(resource=code, periods=periods, max_workers=value)
                for periods, value in _grouped(data.periods, _rounded(ceiling), everywhere)
            ],
        )
    ]


LEVERS: dict[EscalationKind, Callable[[Context], list[Lever]]] = {
    EscalationKind.service_below_target: service_levers,
    EscalationKind.resource_overload: overload_levers,
    EscalationKind.safety_stock_breach: safety_levers,
    EscalationKind.executive_lever: refusal_levers,
}


# --------------------------------------------------------------------------- measuring


def _whole_fill(ctx: Context, outcome: Outcome) -> Floats:
    """Whole-plan fill rate per segment with the sub-model's part replaced by ``outcome``."""
    demand, on_time, _ = segment_fill(ctx.full, ctx.base)
    base_demand, base_on_time, _ = segment_fill(ctx.baseline.data, ctx.baseline.plan)
    new_demand, new_on_time, _ = segment_fill(outcome.data, outcome.plan)
    total = demand - base_demand + new_demand
    served = on_time - base_on_time + new_on_time
    return np.divide(served, total, out=np.ones_like(total), where=total > 0)


def _metric(ctx: Context, outcome: Outcome) -> tuple[float, bool]:
    """The item's measure with ``outcome`` and whether that resolves it."""
    scope = ctx.escalation.scope
    kind = ctx.escalation.item.kind
    if kind == EscalationKind.service_below_target:
        assert scope.segment is not None
        fill = float(_whole_fill(ctx, outcome)[scope.segment])
        return fill, fill >= ctx.full.fill_rate_target[scope.segment] - 1e-6
    families, resources = _sub_scope(ctx)
    if kind == EscalationKind.executive_lever:
        return _lever_cost(ctx, outcome), False
    if kind == EscalationKind.resource_overload:
        data = ctx.baseline.data
        peaks, fits = [], True
        for r in resources.tolist():
            regular = np.where(
                data.workforce[r],
                data.hours_per_worker[r] * outcome.plan.workers[r],
                data.regular_hours[r],
            )
            hours = np.zeros(data.periods_count)
            for e in np.flatnonzero(data.expansion_resource == r):
                hours += data.expansion_hours[e] * outcome.plan.expansion_level[e]
            capacity = regular + hours
            utilisation = np.divide(
                outcome.plan.load[r],
                capacity,
                out=np.where(outcome.plan.load[r] > 0, 100.0, 0.0),
                where=capacity > 1e-9,
            )
            peaks.append(float(utilisation.max()))
            fits &= bool((utilisation <= float(data.utilisation_threshold[r]) + 1e-6).all())
        return max(peaks), fits
    peak = float(outcome.plan.safety_shortfall[families].sum(axis=0).max())
    return peak, peak <= max(1e-6, 0.01 * scope.amount)


def _lever_cost(ctx: Context, outcome: Outcome) -> float:
    """The direct cost of the item's lever in ``outcome`` (see ``lever_items``); a refused
    step is no longer in the outcome's problem."""
    scope, data, plan = ctx.escalation.scope, outcome.data, outcome.plan
    if scope.expansion is not None:
        taken = np.array(data.expansion_codes) == ctx.full.expansion_codes[scope.expansion]
        return float((data.expansion_cost[taken] * plan.expansion_level[taken]).sum())
    _, resources = _sub_scope(ctx)
    return float((plan.hired[resources] * data.hire_cost[resources]).sum())


def _valued(ctx: Context, outcome: Outcome) -> Totals:
    """Money of an option at the problem's own costs (its demand may be shaped, and a
    refused capacity step is gone from it)."""
    data = replace(
        ctx.baseline.data,
        quantity=outcome.data.quantity,
        initial_backlog=outcome.data.initial_backlog,
        expansion_codes=outcome.data.expansion_codes,
        expansion_resource=outcome.data.expansion_resource,
        expansion_hours=outcome.data.expansion_hours,
        expansion_cost=outcome.data.expansion_cost,
        expansion_committed=outcome.data.expansion_committed,
    )
    return totals_of(data, outcome.plan)


def _measure(ctx: Context, lever: Lever, outcome: Outcome) -> Option:
    totals = _valued(ctx, outcome)
    base = ctx.baseline.totals
    before = _whole_fill(ctx, ctx.baseline)
    after = _whole_fill(ctx, outcome)
    metric, resolves = _metric(ctx, outcome)
    periods = ctx.full.periods_count
    inventory = (outcome.plan.inventory.sum() - ctx.baseline.plan.inventory.sum()) / periods
    return Option(
        lever=lever.lever,
        description=lever.description,
        fill_rate_delta={
            code: round(float(after[s] - before[s]), 6)
            for s, code in enumerate(ctx.full.segment_codes)
        },
        cost_delta=round(totals.total_cost - base.total_cost, 2),
        margin_delta=round(totals.margin - base.margin, 2),
        revenue_delta=round(totals.revenue - base.revenue, 2),
        inventory_delta=round(float(inventory), 4),
        resolves=resolves,
        item_metric=round(metric, 6),
        changes=lever.changes,
    )


def _accept(escalation: Escalation, segments: list[str]) -> Option:
    item = escalation.item
    what = {
        EscalationKind.service_below_target: "serve the segment as planned, below its target",
        EscalationKind.resource_overload: "run the resource above its threshold as planned",
        EscalationKind.safety_stock_breach: "run below safety stock as planned",
        EscalationKind.executive_lever: "take the lever as planned",
    }[item.kind]
    authorise = item.kind == EscalationKind.executive_lever
    return Option(
        lever="authorise" if authorise else "accept",
        description=f"{'Authorise' if authorise else 'Accept'}: {what}",
        fill_rate_delta=dict.fromkeys(segments, 0.0),
        cost_delta=0.0,
        margin_delta=0.0,
        inventory_delta=0.0,
        resolves=False,
        changes=[AcceptPlan()],
    )


def recommend(
    escalation: Escalation, options: list[Option], base_metric: float, gap: float, margin: float
) -> None:
    """Set the item's recommended option and the reason (see the module docstring).

    ``gap``: how far the item's measure is from resolved (fill-rate points below target,
    utilisation above threshold, units below safety stock); ``margin``: the plan's margin,
    for the materiality of a medium or low item's cost."""
    item = escalation.item
    if item.kind == EscalationKind.executive_lever:
        _recommend_lever(escalation, options)
        return
    lower_is_better = item.kind != EscalationKind.service_below_target
    severe = item.severity in {Severity.critical, Severity.high}
    solved = [o for o in options if o.feasible and o.item_metric is not None]

    def gain(option: Option) -> float:
        assert option.item_metric is not None
        change = option.item_metric - base_metric
        return -change if lower_is_better else change

    def affordable(option: Option) -> bool:
        return severe or option.margin_delta >= -MATERIALITY * abs(margin)

    supply = [o for o in solved if o.resolves and o.lever in SUPPLY_LEVERS]
    cheapest = max(supply, key=lambda o: o.margin_delta, default=None)
    moves = [o for o in solved if o.resolves and o.lever == "move_demand"]
    partial = [o for o in solved if o.lever in SUPPLY_LEVERS and gain(o) >= 0.25 * gap]
    best_partial = max(partial, key=gain, default=None)
    if cheapest is not None and affordable(cheapest):
        best = cheapest
        reason = (
            f"the resolving option with the best margin ({best.margin_delta:+,.0f};"
            f" cost {best.cost_delta:+,.0f})"
        )
    elif moves:
        best = moves[0]
        reason = "no affordable supply lever resolves it; later delivery dates do"
    elif best_partial is not None and affordable(best_partial) and cheapest is None:
        best = best_partial
        reason = (
            f"no option resolves it; this one closes {min(gain(best) / gap, 1):.0%} of the gap"
            f" for a margin change of {best.margin_delta:+,.0f}"
        )
    elif cheapest is not None:
        best = options[0]
        reason = (
            f"resolving it costs at least {-cheapest.margin_delta:,.0f} of margin"
            f" ({cheapest.lever}), more than {MATERIALITY:.1%} of the plan's margin for a"
            f" {item.severity.value} item"
        )
    else:
        best = options[0]
        reason = "no option resolves it or closes a quarter of the gap"
    item.recommended_option = options.index(best)
    item.recommendation = f"{best.description} ({reason})"


def _recommend_lever(escalation: Escalation, options: list[Option]) -> None:
    """Authorise the lever when refusing it loses margin or any segment's fill rate; else
    refuse it. The detail states what it buys: what refusing it loses."""
    item = escalation.item
    refusals = [o for o in options if o.lever == "refuse" and o.feasible]
    if not refusals:
        item.recommended_option = 0
        item.recommendation = f"{options[0].description} (the plan has no way without it)"
        item.detail += "; without it there is no plan"
        return
    refuse = refusals[0]
    lost = {code: -delta for code, delta in refuse.fill_rate_delta.items() if delta < -1e-6}
    bought = [f"+{points * 100:.1f} points of {code} fill rate" for code, points in lost.items()]
    service = ", ".join(bought) or "no fill rate"
    item.detail += (
        f"; it buys {service} and {-refuse.margin_delta:+,.0f} of margin"
        f" (refusing it changes cost by {refuse.cost_delta:+,.0f})"
    )
    if lost or refuse.margin_delta < -1e-6:
        item.recommended_option = 0
        item.recommendation = f"{options[0].description} (it buys {service})"
    else:
        item.recommended_option = options.index(refuse)
        item.recommendation = f"{refuse.description} (the lever buys neither margin nor service)"


def _standing(ctx: Context) -> tuple[float, float]:
    """The item's measure in the plan, and its distance from resolved."""
    item, scope = ctx.escalation.item, ctx.escalation.scope
    if item.kind == EscalationKind.service_below_target:
        assert scope.segment is not None
        fill = float(segment_fill(ctx.full, ctx.base)[2][scope.segment])
        return fill, float(ctx.full.fill_rate_target[scope.segment]) - fill
    if item.kind == EscalationKind.resource_overload:
        peaks = ctx.base.utilisation[scope.resources].max(axis=1)
        over = peaks - ctx.full.utilisation_threshold[scope.resources]
        return float(peaks.max()), float(over.max())
    if item.kind == EscalationKind.executive_lever:
        return scope.amount, 0.0
    return scope.amount, scope.amount


@dataclass
class _Work:
    escalation: Escalation
    options: list[Option]
    context: Context | None = None
    levers: list[Lever] | None = None


def add_options(
    problem: PlanningProblem,
    data: ProblemData,
    optimum: Optimum,
    escalations: list[Escalation],
    *,
    warm: bool = True,
    model: WarmModel | None = None,
) -> int:
    """Fill every item's options and recommendation; returns the number of re-solves.

    A linear plan's levers re-solve the whole problem: with ``warm`` (the default) on
    ``model``, the plan's warm model when the caller holds it (else one is loaded by the
    first lever), else each from scratch; either way to the same optimum. The count of
    warm and cold re-solves is noted in ``optimum.notes``. An integer plan's levers
    re-solve its items' sub-models from scratch."""
    started = time.perf_counter()
    base_seconds = optimum.build_seconds + optimum.solve_seconds
    budget = max(BUDGET_FACTOR * base_seconds, MIN_BUDGET_SECONDS)
    solves = 0
    plan_margin = totals_of(data, optimum.plan).margin
    lever_seconds: list[float] = []
    work = [_Work(e, [_accept(e, data.segment_codes)]) for e in escalations]
    whole = cold_reason(problem) is None
    solver: LeverSolver | None = None
    if whole and warm:
        held = model or WarmModel(base=problem, problem=problem, highs=highspy.Highs())
        solver = LeverSolver(held)

    def time_limit() -> float:
        """The rest of the budget, but never less than the plan's own solve took or a
        second, nor more than the problem allows."""
        rest = max(budget - (time.perf_counter() - started), base_seconds, 1.0)
        return min(problem.options.time_limit_seconds, rest)

    def over_budget() -> bool:
        """True when the next re-solve (at the mean time so far) would overrun the budget."""
        expected = sum(lever_seconds) / len(lever_seconds) if lever_seconds else 0.0
        return time.perf_counter() - started + expected > budget

    def solve_lever(job: _Work, lever: Lever) -> None:
        nonlocal solves
        assert job.context is not None
        solves += 1
        lever_started = time.perf_counter()
        try:
            changed = apply_changes(job.context.sub.problem, lever.changes)
            if solver is not None:
                outcome = solver.run(changed, time_limit())
            else:
                outcome = _run(changed, None if whole else optimum.weights, time_limit())
        except ValidationFailed as failure:
            lever_seconds.append(time.perf_counter() - lever_started)
            job.options.append(
                Option(
                    lever=lever.lever,
                    description=lever.description,
                    fill_rate_delta={},
                    cost_delta=0.0,
                    margin_delta=0.0,
                    inventory_delta=0.0,
                    feasible=False,
                    resolves=False,
                    item_metric=None,
                    changes=lever.changes,
                )
            )
            job.options[-1].description += f" (no plan: {failure.detail})"
            return
        lever_seconds.append(time.perf_counter() - lever_started)
        job.options.append(_measure(job.context, lever, outcome))

    def next_lever(job: _Work) -> None:
        assert job.levers
        solve_lever(job, job.levers.pop(0))

    # Round 1: every item's first lever, most severe first.
    context_of = (whole_context if whole else sub_context)(problem, data, optimum)
    for job in work:
        if len(job.escalation.scope.families) == 0:
            continue
        job.context = context_of(job.escalation)
        job.levers = LEVERS[job.escalation.item.kind](job.context)
        if job.levers:
            next_lever(job)
    # Round 2: the other levers in turns while the budget lasts.
    while not over_budget() and any(job.levers for job in work):
        for job in work:
            if job.levers and not over_budget():
                next_lever(job)
    if solver is not None and solves:
        optimum.notes.append(
            f"options: {solver.warm} lever re-solve(s) warm from the plan's model,"
            f" {solver.cold} cold (loading the model, or a change of structure)"
        )
    for job in work:
        item = job.escalation.item
        if job.levers:
            item.detail += "; not re-solved within the options budget: " + ", ".join(
                lever.lever for lever in job.levers
            )
        item.options = job.options
        if job.context is not None:
            metric, gap = _standing(job.context)
            job.options[0].item_metric = round(metric, 6)
            recommend(job.escalation, job.options, metric, max(gap, 1e-9), plan_margin)
        else:
            item.recommended_option = 0
            item.recommendation = f"{job.options[0].description} (no lever could be evaluated)"
    return solves
