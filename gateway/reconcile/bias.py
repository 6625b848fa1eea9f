"""Persistent forecast bias as escalation items of a reconciliation.

The demand service flags streams (and authors within a role stream) whose recent forecasts sat
on one side of the actuals (``GET /accuracy/bias-flags``, its defaults: the last 6 months with
actuals, |bias| >= 10% of actual demand, 80% of the months of one sign or the tracking signal
out of +/-4). The flags are read with the other inputs; a failed or empty read is no items,
never a failed reconcile.

One ``forecast_bias`` item per stream and scope (segment, and family when flagged per family):
the stream's own flag leads, its authors' flags are listed with it. The amount is the bias in
% of actual demand (actual - forecast: negative is over-forecasting).

The bias *reaches the plan* when the flagged stream is the consensus, or when the consensus of
the same scope is flagged in the same direction; otherwise the plan does not carry it (a later
step of the waterfall offset it).

Severity: the demand service's (high when |bias| >= twice its threshold or the tracking signal
is out of +/-4, else medium), one level lower (high -> medium, medium -> low) when the bias
does not reach the plan.

Options:

0. ``accept``: keep the plan as the demand review made it; nothing changes (deltas 0).
1. ``correct_at_source``: the stream's owner corrects the stream by its bias in the next
   demand review (for the statistical stream: review the baseline method and history window).
   It changes the next plan, not this one: its money effect is not quantified (deltas 0).
2. ``correct_plan`` (only when the bias reaches the plan and the plan has demand in the scope):
   the plan re-solved with the scope's demand scaled by 1 / (1 - b), b the consensus's own
   bias (actuals were 1 / (1 - b) times the forecast over the window), so the deltas in fill
   rate, cost, margin, revenue and mean ending inventory are what this plan's numbers move by
   if its demand carries the same bias. The item's metric is the change in demand units. One
   re-solve per biased consensus scope, the largest biases first, at most ``MAX_RESOLVES``;
   beyond that, or when the re-solve is refused, the option says it is not quantified.

Recommendation: ``correct_plan`` when the plan's own bias (the consensus flag that carries
it) is of high severity and the re-solve measured it; else ``correct_at_source``. ``accept``
is never recommended: a bias that persists is not noise.
"""

import time
from collections import defaultdict
from dataclasses import dataclass, field

from gateway.clients import DemandClient
from gateway.solver.changes import AcceptPlan, DemandChange, PlanChange, apply_changes
from gateway.solver.problem import PlanningProblem
from gateway.solver.runner import SolverRunner
from gateway.solver.solution import (
    EscalationItem,
    EscalationKind,
    Option,
    Severity,
    Solution,
)
from shared.contracts.demand import BiasFlagPublic, ForecastSource
from shared.errors import DomainError, NotFound, ValidationFailed
from shared.periods import horizon, months_between

MAX_RESOLVES = 8
LOWER = {Severity.high: Severity.medium, Severity.medium: Severity.low}
Scope = tuple[str | None, str | None]  # (segment, family; None: every family of the segment)


@dataclass(frozen=True)
class BiasFlagsRead:
    """The demand service's bias flags, or why there are none."""

    flags: list[BiasFlagPublic] = field(default_factory=list)
    note: str | None = None


async def read_bias_flags(demand: DemandClient) -> BiasFlagsRead:
    """The flags at the demand service's defaults. Any failure is an empty read with a note:
    a reconcile never fails for want of bias flags."""
    try:
        return BiasFlagsRead(flags=await demand.bias_flags())
    except NotFound:
        return BiasFlagsRead(note="forecast bias: the demand service has no bias flags")
    except DomainError as exc:
        return BiasFlagsRead(note=f"forecast bias: flags not read ({exc.detail})")


@dataclass(frozen=True)
class Correction:
    """The plan re-solved with one scope's demand corrected by the consensus's bias."""

    scope: Scope
    bias_pct: float
    factor: float
    units: float  # change in demand units over the horizon
    solution: Solution | None = None
    refusal: str | None = None


async def forecast_bias_items(
    *,
    read: BiasFlagsRead,
    problem: PlanningProblem,
    solution: Solution,
    solver: SolverRunner,
    key: str | None = None,
) -> list[EscalationItem]:
    """One item per biased stream and scope, with its options; the solver's stats record the
    re-solves and any note of the read. ``key``: the plan problem's key in the warm pool,
    when the caller has it."""
    if read.note:
        solution.stats.notes.append(read.note)
    groups = _grouped(read.flags)
    if not groups:
        return []
    consensus = {
        (lead.segment_code, lead.family_code): lead
        for lead, _ in groups
        if lead.stream == ForecastSource.consensus
    }
    started = time.perf_counter()
    corrections = await _corrections(
        consensus=consensus, problem=problem, solution=solution, solver=solver, key=key
    )
    solved = sum(1 for c in corrections.values() if c.solution is not None or c.refusal)
    if solved:
        solution.stats.option_solves += solved
        solution.stats.options_seconds = round(
            solution.stats.options_seconds + time.perf_counter() - started, 6
        )
    solution.stats.notes.append(
        f"forecast bias: {len(groups)} item(s) from the demand service's bias flags, "
        f"{solved} re-solve(s) with corrected demand"
    )
    return [
        _item(
            lead=lead,
            authors=authors,
            carried_by=_carried_by(lead, consensus),
            correction=corrections.get((lead.segment_code, lead.family_code)),
            problem=problem,
            solution=solution,
        )
        for lead, authors in groups
    ]


def _grouped(flags: list[BiasFlagPublic]) -> list[tuple[BiasFlagPublic, list[BiasFlagPublic]]]:
    """Per stream and scope: the leading flag (the stream's own, else its most biased
    author's) and the authors' flags, in the demand service's order (high severity first)."""
    by_scope: dict[tuple[str, str | None, str | None], list[BiasFlagPublic]] = defaultdict(list)
    for flag in flags:
        by_scope[(flag.stream, flag.segment_code, flag.family_code)].append(flag)
    groups = []
    for members in by_scope.values():
        own = [flag for flag in members if flag.author is None]
        authors = [flag for flag in members if flag.author is not None]
        lead = own[0] if own else max(authors, key=lambda flag: abs(flag.bias_pct))
        groups.append((lead, authors))
    return groups


def _carried_by(
    lead: BiasFlagPublic, consensus: dict[Scope, BiasFlagPublic]
) -> BiasFlagPublic | None:
    """The consensus flag through which the bias reaches the plan, if it does."""
    flag = consensus.get((lead.segment_code, lead.family_code))
    return flag if flag is not None and flag.direction == lead.direction else None


def _in_scope(scope: Scope, family: str, segment: str) -> bool:
    wanted_segment, wanted_family = scope
    return (wanted_segment is None or segment == wanted_segment) and (
        wanted_family is None or family == wanted_family
    )


def _scope_units(problem: PlanningProblem, scope: Scope) -> float:
    return sum(
        sum(row.quantity) for row in problem.demand if _in_scope(scope, row.family, row.segment)
    )


def correction_changes(scope: Scope, factor: float) -> list[PlanChange]:
    """The demand of the scope (a segment, a family, both or everything) scaled by
    ``factor``, as changes (``gateway.solver.changes``)."""
    segment, family = scope
    return [DemandChange(family=family, segment=segment, value=round((factor - 1) * 100, 9))]


def _corrected(problem: PlanningProblem, scope: Scope, factor: float) -> PlanningProblem:
    options = problem.options.model_copy(update={"compute_options": False})
    changed = apply_changes(problem, correction_changes(scope, factor))
    return changed.model_copy(update={"options": options})


async def _corrections(
    *,
    consensus: dict[Scope, BiasFlagPublic],
    problem: PlanningProblem,
    solution: Solution,
    solver: SolverRunner,
    key: str | None,
) -> dict[Scope, Correction]:
    """A re-solve per biased consensus scope with demand in the plan, largest bias first:
    demand changes on the plan's warm model, re-solved from its basis (cold when the plan
    cannot be held warm)."""
    found: dict[Scope, Correction] = {}
    ranked = sorted(consensus.items(), key=lambda item: -abs(item[1].bias_pct))
    for rank, (scope, flag) in enumerate(ranked):
        units = _scope_units(problem, scope)
        if units <= 0:
            continue  # the plan has no demand there: nothing to correct
        if flag.bias_pct >= 1:
            continue  # the consensus forecast nothing: no factor corrects it
        factor = 1 / (1 - flag.bias_pct)
        correction = Correction(scope, flag.bias_pct, factor, units * (factor - 1))
        if rank >= MAX_RESOLVES:
            found[scope] = correction
            continue
        try:
            if solver.can_hold(problem):
                key = key or await solver.key_of(problem)
                changes = correction_changes(scope, factor)
                corrected = await solver.resolve_plan(problem, changes, key=key)
            else:
                corrected = await solver.solve(_corrected(problem, scope, factor))
        except ValidationFailed as refused:
            found[scope] = Correction(
                scope, flag.bias_pct, factor, correction.units, refusal=refused.detail
            )
            continue
        found[scope] = Correction(
            scope, flag.bias_pct, factor, correction.units, solution=corrected
        )
    return found


def _where_scope(scope: Scope) -> str:
    segment, family = scope
    where = f"segment {segment}" if segment else "every segment"
    return where + (f", family {family}" if family else "")


def _where(flag: BiasFlagPublic) -> str:
    return _where_scope((flag.segment_code, flag.family_code))


def _severity(lead: BiasFlagPublic, carried_by: BiasFlagPublic | None) -> Severity:
    severity = Severity.high if lead.severity == "high" else Severity.medium
    return severity if carried_by is not None else LOWER[severity]


def _unchanged(
    lever: str,
    description: str,
    segments: list[str],
    *,
    feasible: bool = True,
    resolves: bool | None = None,
    item_metric: float | None = None,
    changes: list[PlanChange] | None = None,
) -> Option:
    """An option whose deltas are 0: it changes nothing, or its effect is not quantified
    (its description says which)."""
    return Option(
        lever=lever,
        description=description,
        fill_rate_delta=dict.fromkeys(segments, 0.0),
        cost_delta=0.0,
        margin_delta=0.0,
        inventory_delta=0.0,
        feasible=feasible,
        resolves=resolves,
        item_metric=item_metric,
        changes=changes if changes is not None else [AcceptPlan()],
    )


def _source_option(
    lead: BiasFlagPublic, authors: list[BiasFlagPublic], segments: list[str]
) -> Option:
    pct = f"{abs(lead.bias_pct):.0%} of actual demand"
    # The forecast was (1 - b) times the actuals: it takes x 1 / (1 - b) to land on them.
    factor = 1 / (1 - lead.bias_pct) if lead.bias_pct < 1 else None
    by = f"by {factor:.3f} ({factor - 1:+.0%})" if factor is not None else "up from zero"
    if lead.stream == ForecastSource.statistical:
        side = "high" if lead.bias_pct < 0 else "low"
        action = (
            f"Review the statistical baseline for {_where(lead)} (method, history window): "
            f"it ran {pct} {side}"
        )
    elif lead.stream == ForecastSource.consensus:
        action = f"In the next demand review, scale the consensus for {_where(lead)} {by}"
    else:
        who = ", ".join(sorted({flag.author for flag in authors if flag.author})) or lead.stream
        action = (
            f"Ask the {lead.stream} stream ({who}) to scale its numbers for {_where(lead)} "
            f"{by} in the next demand review, or to write down why the bias will not recur"
        )
    return _unchanged(
        "correct_at_source",
        f"{action}. Changes the next plan, not this one: money effect not quantified",
        segments,
    )


def _correction_text(correction: Correction) -> str:
    return (
        f"Re-plan with the demand of {_where_scope(correction.scope)} corrected by the "
        f"consensus's measured bias ({correction.bias_pct:+.1%} of actuals): demand x "
        f"{correction.factor:.3f} ({correction.factor - 1:+.1%}, {correction.units:+,.0f} units)"
    )


def _plan_option(correction: Correction, solution: Solution, segments: list[str]) -> Option:
    description = _correction_text(correction)
    other = correction.solution
    if other is None:
        why = correction.refusal or f"only the {MAX_RESOLVES} largest biases are re-solved"
        return _unchanged(
            "correct_plan",
            f"{description}; not quantified: {why}",
            segments,
            feasible=correction.refusal is None,
            item_metric=round(correction.units, 2),
            changes=correction_changes(correction.scope, correction.factor),
        )
    fill_before = {row.segment: row.fill_rate for row in solution.segments}
    return Option(
        lever="correct_plan",
        description=description + "; deltas: this plan if its demand carries the bias",
        fill_rate_delta={
            row.segment: round(row.fill_rate - fill_before.get(row.segment, 0.0), 6)
            for row in other.segments
        },
        cost_delta=round(other.totals.total_cost - solution.totals.total_cost, 2),
        margin_delta=round(other.totals.margin - solution.totals.margin, 2),
        revenue_delta=round(other.totals.revenue - solution.totals.revenue, 2),
        inventory_delta=round(mean_inventory(other) - mean_inventory(solution), 4),
        item_metric=round(correction.units, 2),
        changes=correction_changes(correction.scope, correction.factor),
    )


def mean_inventory(solution: Solution) -> float:
    """Units on hand at a month's end, over every family, averaged over the months."""
    months = len(solution.periods)
    return sum(sum(line.inventory) for line in solution.families) / months if months else 0.0


def _item(
    *,
    lead: BiasFlagPublic,
    authors: list[BiasFlagPublic],
    carried_by: BiasFlagPublic | None,
    correction: Correction | None,
    problem: PlanningProblem,
    solution: Solution,
) -> EscalationItem:
    segments = [row.segment for row in solution.segments]
    direction = lead.direction.replace("_", "-")
    by = "" if lead.author is None else f" by {lead.author}"
    options = [
        _unchanged(
            "accept",
            "Accept: keep the plan as the demand review made it; the bias stays on record",
            segments,
            resolves=False,
        ),
        _source_option(lead, authors, segments),
    ]
    if carried_by is not None and correction is not None:
        options.append(_plan_option(correction, solution, segments))
    reach = (
        f"It reaches the plan: the consensus for {_where(lead)} {direction} by "
        f"{abs(carried_by.bias_pct):.0%}."
        if carried_by is not None
        else "The consensus is not flagged with the same bias: the plan does not carry it."
    )
    listed = "; ".join(flag.message for flag in [lead, *(a for a in authors if a is not lead)])
    item = EscalationItem(
        kind=EscalationKind.forecast_bias,
        severity=_severity(lead, carried_by),
        title=(
            f"{lead.stream.capitalize()} forecast{by} for {_where(lead)} {direction} by "
            f"{abs(lead.bias_pct):.0%} over {lead.periods} months"
        ),
        detail=f"{listed}. {reach}",
        family=lead.family_code,
        segment=lead.segment_code,
        families=sorted(
            {
                row.family
                for row in problem.demand
                if _in_scope((lead.segment_code, lead.family_code), row.family, row.segment)
            }
        ),
        periods=horizon(lead.first_period, months_between(lead.first_period, lead.last_period) + 1),
        amount=round(100 * lead.bias_pct, 1),
        unit="% of actual demand",
        options=options,
    )
    if (
        carried_by is not None
        and carried_by.severity == "high"
        and correction is not None
        and correction.solution is not None
    ):
        item.recommended_option = 2
        item.recommendation = (
            f"{_correction_text(correction)}: the plan carries a persistent "
            f"{abs(carried_by.bias_pct):.0%} bias (margin {options[2].margin_delta:+,.0f} if "
            "it holds); and correct the stream at its source"
        )
    else:
        item.recommended_option = 1
        item.recommendation = options[1].description
    return item
