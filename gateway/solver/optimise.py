"""Run the objectives: one solve for money objectives, two for service-first, plus an LP with
the integer decisions fixed when a MIP needs duals. Failures become 422s that say why.

- ``max_margin``: revenue - costs - priority weights on unmet demand.
- ``min_cost``: costs + priority weights, every unit delivered by the end (lost-sales
  segments in their own period, backlog cleared at the end).
- ``service_first``: first minimise priority-weighted unmet demand (unit-periods backlogged
  plus units lost, weights from ``priority.service_weights``); then maximise margin with the
  weighted unmet demand kept within ``service_tolerance`` (relative) of that optimum.
"""

import time
from dataclasses import dataclass, field, replace

import numpy as np

from gateway.solver.backend import SolverRun, solve_lp
from gateway.solver.build import Formulation, Layout, build_model
from gateway.solver.data import Floats, Ints, ProblemData
from gateway.solver.decode import Plan, plan_of
from gateway.solver.lp import LinearProgram
from gateway.solver.priority import priority_ranks, service_weights, unmet_weights
from gateway.solver.problem import Objective, SolveOptions
from shared.errors import FieldError, ValidationFailed

FEASIBLE = {"optimal", "feasible", "imprecise"}


@dataclass
class Optimum:
    """A solved plan with what it took to get it."""

    plan: Plan
    termination: str
    objective: float | None
    relative_gap: float | None
    ranks: Ints
    weights: Floats  # per segment: the weight of unmet demand in the final objective
    variables: int = 0
    constraints: int = 0
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    solves: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class _Clock:
    deadline: float
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    solves: int = 0

    def remaining(self) -> float:
        return max(self.deadline - time.perf_counter(), 0.05)


def _solve(
    data: ProblemData, form: Formulation, options: SolveOptions, clock: _Clock
) -> tuple[LinearProgram, Layout, SolverRun]:
    started = time.perf_counter()
    lp, layout = build_model(data, form)
    clock.build_seconds += time.perf_counter() - started
    run = solve_lp(
        lp,
        time_limit=clock.remaining(),
        relative_gap=options.relative_gap,
        algorithm=options.lp_algorithm,
    )
    clock.build_seconds += run.proto_seconds
    clock.solve_seconds += run.seconds
    clock.solves += 1
    if run.primal is None or run.termination not in FEASIBLE:
        _fail(data, form, options, run, clock)
    return lp, layout, run


def _fail(
    data: ProblemData, form: Formulation, options: SolveOptions, run: SolverRun, clock: _Clock
) -> None:
    """Raise the 422 that says why no plan came out."""
    if run.termination in {"infeasible", "infeasible_or_unbounded"}:
        errors, limits = diagnose(data, form, options, clock)
        if errors:
            raise ValidationFailed(
                "No plan meets every hard requirement: "
                + "; ".join(e.reason for e in errors[:3])
                + (f" (and {len(errors) - 3} more)" if len(errors) > 3 else "")
                + (f". Binding capacity: {limits}" if limits else ""),
                errors=errors,
            )
    if run.termination in {"unbounded", "infeasible_or_unbounded"}:
        raise ValidationFailed(
            "The plan is unbounded: some quantity can grow without limit and keep paying;"
            " check for negative costs or missing limits",
            field="body",
        )
    if run.termination == "no_solution_found":
        raise ValidationFailed(
            f"No plan was found within the time limit of {options.time_limit_seconds:g} s;"
            " raise options.time_limit_seconds or solve the linear relaxation",
            field="body.options.time_limit_seconds",
        )
    raise ValidationFailed(
        f"The solver could not solve this problem ({run.termination}: {run.detail});"
        " check the magnitudes of the inputs",
        field="body",
    )


def diagnose(
    data: ProblemData, form: Formulation, options: SolveOptions, clock: _Clock
) -> tuple[list[FieldError], str]:
    """Which hard requirements cannot be met, and by how much: re-solve with each one
    relaxed by a slack of cost 1 per unit and nothing else in the objective."""
    relaxed = replace(
        form,
        revenue=False,
        money=False,
        unmet_weight=np.zeros(len(data.segment_codes)),
        service_cap=None,
        integer=False,
        relax_requirements=True,
    )
    lp, layout = build_model(data, relaxed)
    # An infeasible model is often proven fast, leaving little of the limit: the diagnosis
    # gets at least what the problem allows, up to 30 s.
    limit = max(clock.remaining(), min(options.time_limit_seconds, 30.0))
    run = solve_lp(lp, time_limit=limit, algorithm=options.lp_algorithm)
    clock.solves += 1
    if run.primal is None:
        return [], ""
    primal = run.primal
    errors: list[FieldError] = []
    last = data.periods[-1]
    slack = layout.shortfall
    for f in np.flatnonzero(slack["min_ending_inventory"] >= 0):
        missing = float(primal[slack["min_ending_inventory"][f]])
        if missing > 1e-6:
            target = float(data.min_ending_inventory[f])
            errors.append(
                FieldError(
                    field=f"body.families.{f}.min_ending_inventory",
                    reason=f"family {data.family_codes[f]!r} cannot end {last} with"
                    f" {target:g} units: at most {target - missing:.6g} (short {missing:.6g})",
                )
            )
    for kind in ("backlog_at_end", "lost_demand"):
        ids = slack.get(kind)
        if ids is None:
            continue
        for d in np.flatnonzero(ids >= 0):
            missing = float(primal[ids[d]])
            if missing <= 1e-6:
                continue
            s = int(data.line_segment[d])
            family, segment = data.family_codes[data.line_family[d]], data.segment_codes[s]
            if kind == "backlog_at_end" and data.clear_backlog_by_end[s]:
                errors.append(
                    FieldError(
                        field=f"body.segments.{s}.clear_backlog_by_end",
                        reason=f"the backlog of {family!r} for {segment!r} cannot be cleared by"
                        f" {last}: {missing:.6g} units remain",
                    )
                )
            else:
                when = "by the end" if kind == "backlog_at_end" else "in their own periods"
                errors.append(
                    FieldError(
                        field=f"body.demand.{d}.quantity",
                        reason=f"min_cost needs all demand of {family!r} for {segment!r}"
                        f" delivered {when}: {missing:.6g} units cannot be",
                    )
                )
    limits = ""
    if run.duals is not None:
        shadow = np.where(
            layout.capacity_rows >= 0, run.duals[np.maximum(layout.capacity_rows, 0)], 0
        )
        binding = shadow > 1e-9
        names = [
            f"{data.resource_codes[r]} ({int(binding[r].sum())} periods)"
            for r in np.flatnonzero(binding.any(axis=1))
        ]
        limits = ", ".join(names[:5])
    return errors, limits


def _capacity_decisions_fixed(lp: LinearProgram, layout: Layout, primal: Floats) -> LinearProgram:
    """The LP of a MIP with its capacity decisions (expansion steps, workers, hires, layoffs)
    fixed at their values and the quantities continuous: its duals price capacity given
    those decisions (fixing the quantities too would make every capacity dual zero)."""
    ids = np.concatenate(
        [
            layout.expansion.ravel(),
            layout.workers.ravel(),
            layout.hired.ravel(),
            layout.laid_off.ravel(),
        ]
    )
    ids = ids[ids >= 0]
    lower, upper = lp.lower.copy(), lp.upper.copy()
    lower[ids] = upper[ids] = np.round(primal[ids])
    return replace(lp, lower=lower, upper=upper, integer=np.zeros_like(lp.integer))


def money_formulation(
    data: ProblemData, options: SolveOptions, *, unmet_weight: Floats | None = None
) -> Formulation:
    """The single-solve formulation of ``max_margin`` / ``min_cost`` (also what the bench
    exports for the raw-solver reference)."""
    revenue = options.objective == Objective.max_margin
    return Formulation(
        revenue=revenue,
        money=True,
        unmet_weight=unmet_weights(data, revenue=revenue) if unmet_weight is None else unmet_weight,
        must_meet_demand=options.objective == Objective.min_cost,
        integer=options.integer,
    )


def service_stage(data: ProblemData, options: SolveOptions) -> Formulation:
    """``service_first``'s first stage: minimise priority-weighted unmet demand."""
    return Formulation(
        revenue=False, money=False, unmet_weight=service_weights(data), integer=options.integer
    )


def margin_stage(
    data: ProblemData, options: SolveOptions, weights: Floats, unmet: float
) -> Formulation:
    """``service_first``'s second stage: maximise margin with the weighted unmet demand
    within ``service_tolerance`` of the first stage's optimum ``unmet``."""
    cap = unmet + options.service_tolerance * max(unmet, 0.0) + 1e-6 * (1 + abs(unmet))
    return Formulation(
        revenue=True,
        money=True,
        unmet_weight=np.zeros(len(data.segment_codes)),
        integer=options.integer,
        service_cap=(weights, cap),
    )


def service_note(options: SolveOptions, unmet: float) -> str:
    return (
        f"service_first: priority-weighted unmet demand {unmet:.6g} (stage 1), kept within"
        f" {options.service_tolerance:g} while maximising margin"
    )


def optimise(
    data: ProblemData, options: SolveOptions, *, unmet_weight: Floats | None = None
) -> Optimum:
    """Solve the problem for its objective; raise ValidationFailed when no plan exists.

    ``unmet_weight`` overrides the money objectives' priority weights (per segment): a
    sub-model re-solved for an option must weigh unmet demand as the whole plan did."""
    clock = _Clock(deadline=time.perf_counter() + options.time_limit_seconds)
    ranks = priority_ranks(data)
    notes: list[str] = []
    objective = options.objective
    if objective == Objective.service_first:
        stage = service_stage(data, options)
        weights = stage.unmet_weight
        _, _, first = _solve(data, stage, options, clock)
        unmet = -float(first.objective or 0.0)
        form = margin_stage(data, options, weights, unmet)
        notes.append(service_note(options, unmet))
        reported_weights = weights
    else:
        form = money_formulation(data, options, unmet_weight=unmet_weight)
        reported_weights = form.unmet_weight
    lp, layout, run = _solve(data, form, options, clock)
    assert run.primal is not None  # _solve raises otherwise
    duals = run.duals
    if lp.is_mip:
        fixed = solve_lp(
            _capacity_decisions_fixed(lp, layout, run.primal),
            time_limit=clock.remaining(),
            algorithm=options.lp_algorithm,
        )
        clock.build_seconds += fixed.proto_seconds
        clock.solve_seconds += fixed.seconds
        clock.solves += 1
        if fixed.duals is not None and fixed.termination in FEASIBLE:
            duals = fixed.duals
            notes.append(
                "shadow prices from the LP with the capacity decisions (expansion steps,"
                " workforce) fixed at the integer plan's values"
            )
        else:
            notes.append(f"no shadow prices: the fixed LP ended {fixed.termination}")
    if reported_weights.any() and objective != Objective.service_first:
        notes.append(
            "objective_value and shadow prices include the priority weights on unmet demand"
        )
    return Optimum(
        plan=plan_of(data, layout, run.primal, duals),
        termination=run.termination,
        objective=run.objective,
        relative_gap=run.relative_gap,
        ranks=ranks,
        weights=reported_weights,
        variables=lp.variables_count,
        constraints=lp.constraints_count,
        build_seconds=clock.build_seconds,
        solve_seconds=clock.solve_seconds,
        solves=clock.solves,
        notes=notes,
    )
