"""Scenarios: storing, sharing, solving (warm from the base's model), promoting, batches.

Solving a scenario never touches a consensus plan: the outcome is stored on the scenario.
The warm models are held per base problem in the warm workers
(``gateway.solver.warm_pool``), so every scenario over the same base re-solves from that
base's basis; the totals and the comparison are made there, and only they (and the lines
when asked) come back.
"""

import functools
import time
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.engine import Engine
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from gateway.cycle import queries
from gateway.cycle.models import Cycle
from gateway.cycle.problems import GateClosed
from gateway.cycle.service import _plan_before_executive
from gateway.plans import service as consensus
from gateway.reconcile.service import check_solve_limits
from gateway.scenarios import rules
from gateway.scenarios.compare import compare
from gateway.scenarios.models import (
    BatchResult,
    BatchRow,
    HeldCell,
    ProposalPublic,
    Scenario,
    ScenarioBatch,
    ScenarioCopy,
    ScenarioCreate,
    ScenarioEdit,
    ScenarioOutcome,
    ScenarioPromotion,
    ScenarioProposal,
    ScenarioPublic,
    ScenarioSolved,
)
from gateway.scenarios.robustness import hold_plan
from gateway.solver.changes import PlanChange, apply_changes
from gateway.solver.problem import PlanningProblem
from gateway.solver.runner import SolverRunner
from gateway.solver.solution import Solution
from gateway.solver.warm import WarmRun
from gateway.solver.warm_pool import HeldBase, WarmTask, fingerprint
from shared.auth import Principal
from shared.concurrency import claim_version
from shared.db import run_in_session
from shared.errors import FieldError, Forbidden, NotFound, ValidationFailed
from shared.settings import GatewaySettings
from shared.types import utc_now

CHANGES = TypeAdapter(list[PlanChange])
BASE_COLUMN: Any = Scenario.base  # a mapped column at run time (typed as its value)


def for_scenarios(problem: PlanningProblem) -> PlanningProblem:
    """A base as scenarios solve it: escalation options are not re-solved (a what-if is
    compared, not decided; the promoted proposal goes through the cycle's own solve)."""
    options = problem.options.model_copy(update={"compute_options": False})
    return problem.model_copy(update={"options": options})


def scenario_outcome(
    run: WarmRun, held: HeldBase, *, lines: bool
) -> tuple[ScenarioOutcome, Solution | None]:
    """In the warm worker: the scenario's totals and its comparison with the base (whose
    solution the worker keeps with the model); the whole solution only with ``lines``."""
    solution = run.solution()
    outcome = ScenarioOutcome(
        path=run.path.value,
        reason=run.reason,
        seconds=round(time.perf_counter() - run.started, 6),
        objective=run.optimum.objective,
        totals=solution.totals,
        comparison=compare(held.solution(), solution),
    )
    return outcome, solution if lines else None


def batch_solution(run: WarmRun, held: HeldBase) -> tuple[str, Solution, Solution, PlanningProblem]:
    """In the warm worker: a batch row's path, its solution, the base's, its problem."""
    return run.path.value, run.solution(), held.solution(), run.problem


def _task(base: PlanningProblem, changes: Sequence[PlanChange], finish: Any) -> WarmTask[Any]:
    return WarmTask(key=fingerprint(base), changes=list(changes), finish=finish, base=base)


# --- stored scenarios ---------------------------------------------------------------------


def public(scenario: Scenario) -> ScenarioPublic:
    return ScenarioPublic.model_validate(scenario)


def _changes(changes: Sequence[PlanChange]) -> list[dict[str, Any]]:
    return CHANGES.dump_python(list(changes), mode="json")


def _check(base: PlanningProblem, changes: Sequence[PlanChange], location: str) -> None:
    """Refuse changes that do not fit the base now, not at the first solve."""
    apply_changes(base, changes, path=f"{location}.changes")


def create_scenario(
    session: Session,
    *,
    principal: Principal,
    request: ScenarioCreate,
    settings: GatewaySettings,
    location: str = "body",
) -> Scenario:
    check_solve_limits(request.base, settings, location=f"{location}.base")
    base = for_scenarios(request.base)
    _check(base, request.changes, location)
    scenario = Scenario(
        name=request.name,
        owner=principal.subject,
        shared_with=[role.value for role in request.shared_with],
        base=base.model_dump(mode="json"),
        base_key=fingerprint(base),
        base_time_limit_seconds=base.options.time_limit_seconds,
        changes=_changes(request.changes),
    )
    session.add(scenario)
    session.flush()
    return scenario


def get_scenario(
    session: Session, *, principal: Principal, scenario_id: int, base: bool = True
) -> Scenario:
    """The scenario, 404 alike when it does not exist or the caller may not see it; without
    ``base``, its base (megabytes for a large company) is read only if it is used."""
    if base:
        scenario = session.get(Scenario, scenario_id)
    else:
        query = select(Scenario).where(Scenario.id == scenario_id).options(defer(BASE_COLUMN))
        scenario = session.exec(query).first()
    if scenario is None or not rules.can_read(
        principal, owner=scenario.owner, shared_with=scenario.shared_with
    ):
        raise NotFound(f"scenario {scenario_id} not found")
    return scenario


def list_scenarios(session: Session, *, principal: Principal) -> list[Scenario]:
    """The scenarios the caller may see, newest first."""
    rows = session.exec(select(Scenario).order_by(col(Scenario.id).desc())).all()
    return [s for s in rows if rules.can_read(principal, owner=s.owner, shared_with=s.shared_with)]


def _owned(session: Session, *, principal: Principal, scenario_id: int) -> Scenario:
    scenario = get_scenario(session, principal=principal, scenario_id=scenario_id)
    if not rules.can_write(principal, owner=scenario.owner):
        raise Forbidden("only the scenario's owner changes it; copy it to make your own")
    return scenario


def edit_scenario(
    session: Session,
    *,
    principal: Principal,
    scenario_id: int,
    expected_version: int | None,
    edit: ScenarioEdit,
    location: str = "body",
) -> Scenario:
    scenario = _owned(session, principal=principal, scenario_id=scenario_id)
    if edit.changes is not None:
        _check(PlanningProblem.model_validate(scenario.base), edit.changes, location)
    claim_version(session, scenario, expected_version, what=f"scenario {scenario_id}")
    if edit.name is not None:
        scenario.name = edit.name
    if edit.shared_with is not None:
        scenario.shared_with = [role.value for role in edit.shared_with]
    if edit.changes is not None:
        scenario.changes = _changes(edit.changes)
        scenario.outcome = None  # solved for other changes
    scenario.updated_at = utc_now()
    session.add(scenario)
    session.flush()
    return scenario


def copy_scenario(
    session: Session, *, principal: Principal, scenario_id: int, request: ScenarioCopy
) -> Scenario:
    """A new scenario of the caller's with the same base and changes (not shared)."""
    source = get_scenario(session, principal=principal, scenario_id=scenario_id)
    scenario = Scenario(
        name=request.name,
        owner=principal.subject,
        shared_with=[],
        base=source.base,
        base_key=source.base_key,
        base_time_limit_seconds=source.base_time_limit_seconds,
        changes=source.changes,
        outcome=source.outcome,
    )
    session.add(scenario)
    session.flush()
    return scenario


def delete_scenario(
    session: Session, *, principal: Principal, scenario_id: int, expected_version: int | None
) -> None:
    scenario = _owned(session, principal=principal, scenario_id=scenario_id)
    claim_version(session, scenario, expected_version, what=f"scenario {scenario_id}")
    proposed = session.exec(
        select(ScenarioProposal).where(ScenarioProposal.scenario_id == scenario_id)
    ).first()
    if proposed is not None:
        raise ValidationFailed(
            f"scenario {scenario_id} was proposed to cycle {proposed.cycle_id}: the record stays",
            field="path.id",
        )
    session.delete(scenario)
    session.flush()


async def solve_scenario(
    *,
    engine: Engine,
    solver: SolverRunner,
    principal: Principal,
    scenario_id: int,
    lines: bool = True,
) -> ScenarioSolved:
    """Solve a stored scenario (warm from its base's model where it can) and store the
    outcome on it; a scenario edited meanwhile keeps its own (null) outcome. Without
    ``lines`` the answer carries the outcome (totals, comparison) and no solution.

    The base is read (megabytes for a large company) only when the warm worker does not
    hold its model: the scenario keeps the base's key and time limit with it."""

    def read(session: Session) -> tuple[str | None, float | None, list[PlanChange], int]:
        scenario = get_scenario(session, principal=principal, scenario_id=scenario_id, base=False)
        changes = CHANGES.validate_python(scenario.changes)
        return scenario.base_key, scenario.base_time_limit_seconds, changes, scenario.version

    def base_of(session: Session) -> PlanningProblem:
        scenario = get_scenario(session, principal=principal, scenario_id=scenario_id)
        return PlanningProblem.model_validate(scenario.base)

    async def load_base() -> PlanningProblem:
        return await run_in_session(engine, base_of)

    key, time_limit, changes, version = await run_in_session(engine, read)
    finish = functools.partial(scenario_outcome, lines=lines)
    if key is None or time_limit is None:  # stored before scenarios kept the base's key
        base = await load_base()
        outcome, solution = await solver.resolve_warm(_task(base, changes, finish))
    else:
        outcome, solution = await solver.resolve_warm(
            WarmTask(key=key, changes=changes, finish=finish),
            load_base=load_base,
            time_limit_seconds=time_limit,
        )

    def store(session: Session) -> ScenarioPublic:
        scenario = get_scenario(session, principal=principal, scenario_id=scenario_id, base=False)
        if scenario.version == version:
            scenario.outcome = outcome.model_dump(mode="json")
            session.add(scenario)
            session.flush()
        return public(scenario)

    return ScenarioSolved(scenario=await run_in_session(engine, store), solution=solution)


def promote_scenario(
    session: Session,
    *,
    principal: Principal,
    scenario_id: int,
    request: ScenarioPromotion,
    location: str = "body",
) -> ScenarioProposal:
    """Put the scenario's supply, lever, target and cost changes before the cycle's
    executive: an ``executive_lever`` escalation item on the recommended plan whose option
    0 carries the changes (option 1 keeps the plan), recorded as a proposal. Deciding it is
    a decision like any other, taken into the plan by authorising, published by approving.
    Demand changes are refused (they go back to the demand review and its sign-off), so are
    changes that do not fit the recommended plan's problem (422 naming the change)."""
    if not principal.has_any(rules.PROMOTERS):
        raise Forbidden("only the process owner promotes a scenario")
    scenario = get_scenario(session, principal=principal, scenario_id=scenario_id)
    changes = CHANGES.validate_python(scenario.changes)
    demand = rules.demand_changes(changes)
    if demand:
        raise ValidationFailed(
            "demand changes go back to the demand review and its sign-off, not to a decision:"
            " remove them from the scenario (or copy it without them) to promote the rest",
            errors=[
                FieldError(
                    field=f"scenario.changes.{i}",
                    reason=f"a {changes[i].kind} change cannot be promoted",
                )
                for i in demand
            ],
        )
    if not changes:
        raise ValidationFailed("the scenario changes nothing: nothing to propose", field="path.id")
    cycle = session.get(Cycle, request.cycle_id)
    if cycle is None:
        raise ValidationFailed(
            f"cycle {request.cycle_id} does not exist", field=f"{location}.cycle_id"
        )
    plan = _plan_before_executive(session, cycle=cycle, steps=queries.steps_of(session, cycle))
    assert plan.id is not None and scenario.id is not None
    problem = consensus.problem_of(session, plan_id=plan.id)
    if problem is None:
        raise GateClosed(
            "plan-problem-stored",
            f"consensus plan {plan.id} was stored without its planning problem: reconcile again",
        )
    apply_changes(problem, changes, path="scenario.changes")
    outcome = None if scenario.outcome is None else ScenarioOutcome(**scenario.outcome)
    item = rules.proposal_item(
        scenario_id=scenario.id,
        name=scenario.name,
        changes=changes,
        rationale=request.rationale,
        moved={} if outcome is None else {d.name: d.change for d in outcome.comparison.totals},
    )
    escalation = consensus.add_escalation(session, plan_id=plan.id, item=item)
    proposal = ScenarioProposal(
        scenario_id=scenario_id,
        scenario_version=scenario.version,
        cycle_id=request.cycle_id,
        escalation_id=escalation.id,
        changes=scenario.changes,
        rationale=request.rationale,
        proposed_by=principal.subject,
    )
    session.add(proposal)
    session.flush()
    return proposal


def proposal_public(proposal: ScenarioProposal) -> ProposalPublic:
    return ProposalPublic.model_validate(proposal)


# --- batches ------------------------------------------------------------------------------


def held_cells(
    plans_and_problems: tuple[dict[str, Solution], dict[str, PlanningProblem]],
) -> list[HeldCell]:
    """Every plan held fixed under every scenario (in a solver worker)."""
    plans, problems = plans_and_problems
    cells: list[HeldCell] = []
    for plan_name, plan in plans.items():
        for scenario_name, problem in problems.items():
            held = hold_plan(problem, plan)
            best = plans[scenario_name].totals.margin
            solution = held.solution
            cells.append(
                HeldCell(
                    plan=plan_name,
                    scenario=scenario_name,
                    holds=held.holds,
                    margin=None if solution is None else solution.totals.margin,
                    fill_rate=None if solution is None else solution.totals.fill_rate,
                    regret=None if solution is None else best - solution.totals.margin,
                    escalations=None if solution is None else len(solution.escalations),
                )
            )
    return cells


async def solve_batch(
    *,
    solver: SolverRunner,
    request: ScenarioBatch,
    settings: GatewaySettings,
    location: str = "body",
) -> BatchResult:
    """Every scenario of the batch solved over the base (warm, one after another from the
    base's basis), compared with the base; with ``robustness``, the plans x scenarios
    table."""
    check_solve_limits(request.base, settings, location=f"{location}.base")
    base = for_scenarios(request.base)
    for name, changes in request.scenarios.items():
        _check(base, changes, f"{location}.scenarios.{name}")
    rows: list[BatchRow] = []
    plans: dict[str, Solution] = {}
    problems: dict[str, PlanningProblem] = {"base": base}
    base_solution: Solution | None = None
    key = await solver.key_of(base)  # once: hashing a large base takes a while
    for name, changes in request.scenarios.items():
        path, solution, held_base, problem = await solver.resolve_warm(
            WarmTask(key=key, changes=list(changes), finish=batch_solution, base=base)
        )
        plans[name], problems[name], base_solution = solution, problem, held_base
        rows.append(
            BatchRow(
                scenario=name,
                path=path,
                objective=solution.stats.objective_value,
                margin=solution.totals.margin,
                fill_rate=solution.totals.fill_rate,
                margin_change=solution.totals.margin - held_base.totals.margin,
                fill_rate_change=solution.totals.fill_rate - held_base.totals.fill_rate,
            )
        )
    assert base_solution is not None  # at least one scenario (min_length)
    plans = {"base": base_solution, **plans}
    cells = (
        await solver.pool.run(
            held_cells,
            (plans, problems),
            wall_seconds=len(plans) * len(problems) * solver.wall_seconds(base),
        )
        if request.robustness
        else []
    )
    return BatchResult(
        base_margin=base_solution.totals.margin,
        base_fill_rate=base_solution.totals.fill_rate,
        rows=rows,
        robustness=cells,
    )


def scenario_problem(
    session: Session, *, principal: Principal, scenario_id: int
) -> PlanningProblem:
    """The scenario's problem (its base with its changes) as a ``/solve`` body."""
    scenario = get_scenario(session, principal=principal, scenario_id=scenario_id)
    base = PlanningProblem.model_validate(scenario.base)
    return apply_changes(base, CHANGES.validate_python(scenario.changes))
