"""Exact decomposition: families that share no resource solve as independent parts, in
parallel on the solver workers, and the parts' plans merge into the plan of the whole.

The model couples families only through the resources they are routed on (capacity rows,
overtime, workforce, expansion steps on a resource). Two families with no chain of shared
resources between them are in different *components*: the LP is block-diagonal, its
objective the sum of the blocks' (every revenue, cost, penalty and offset term belongs to one
family, line or resource) and its optimum the union of the blocks' optima. So the plan of a
problem with several components is solved as ``workers`` parts (unions of whole components,
balanced by size), each an LP of its own, and merged: same objective, same duals, same plan
up to ties between equally good plans. Decoding, the explanation, the escalation items and
their options then run once on the whole problem, as for a monolithic solve.

Where the split is NOT exact, the problem is solved whole (``split_plan`` answers ``None``):

- integer models: a part's relative gap is not the whole's (the MIP stops at a gap of each
  part instead of the total), so the merged objective could differ within the gap;
- ``service_first``: its second stage keeps the weighted unmet demand within a relative
  tolerance of the first stage's *total*, a budget the parts would each have to share out;
- one component, or one worker: nothing to run in parallel.

The priority weights on unmet demand depend on the whole problem's prices and penalties
(``priority.unmet_weights``), so every part is solved with the whole problem's weights.
"""

import time
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gateway.solver.data import Floats, Ints, problem_data
from gateway.solver.decode import Plan
from gateway.solver.model import solution_of
from gateway.solver.optimise import Optimum, money_formulation, optimise
from gateway.solver.problem import Objective, PlanningProblem
from gateway.solver.solution import Solution
from gateway.solver.validation import validate_problem


def components(problem: PlanningProblem) -> list[list[int]]:
    """The families (indices, ascending) of each component: families linked by a chain of
    shared resources, largest component first."""
    families = {f.code: i for i, f in enumerate(problem.families)}
    resources = {r.code: len(families) + i for i, r in enumerate(problem.resources)}
    routed = [
        (families[r.family], resources[r.resource])
        for r in problem.routings
        if r.family in families and r.resource in resources
    ]
    nodes = len(families) + len(resources)
    edges = np.array(routed, dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(nodes, nodes))
    _, labels = connected_components(graph, directed=False)
    family_labels = labels[: len(families)]
    groups = [np.flatnonzero(family_labels == label).tolist() for label in np.unique(family_labels)]
    return sorted(groups, key=lambda group: (-len(group), group[0]))


def balanced(groups: list[list[int]], bins: int) -> list[list[int]]:
    """Whole components packed into at most ``bins`` parts of similar size (largest first,
    each into the smallest part so far); each part's families ascending."""
    parts: list[list[int]] = [[] for _ in range(min(bins, len(groups)))]
    for group in sorted(groups, key=len, reverse=True):
        min(parts, key=len).extend(group)
    return [sorted(part) for part in parts]


@dataclass(frozen=True)
class Part:
    """A sub-problem of whole components and where its rows sit in the whole problem."""

    problem: PlanningProblem
    families: Ints
    lines: Ints
    resources: Ints
    expansions: Ints
    unmet_weight: Floats


def is_exact(problem: PlanningProblem) -> bool:
    """Whether a split of this problem's components solves to the whole's optimum (see the
    module's docstring)."""
    return not problem.options.integer and problem.options.objective != Objective.service_first


def split_plan(problem: PlanningProblem, *, workers: int) -> list[Part] | None:
    """The parts to solve in parallel, or ``None`` when the problem is solved whole."""
    if workers < 2 or not is_exact(problem):
        return None
    groups = components(problem)
    if len(groups) < 2:
        return None
    validate_problem(problem)
    data = problem_data(problem)
    weight = money_formulation(data, problem.options).unmet_weight
    routed = {r.resource for r in problem.routings}
    # Resources no family is routed on (their workforce and costs are still planned) go
    # with the first part.
    unrouted = {r.code for r in problem.resources if r.code not in routed}
    return [
        _part(problem, families, weight, extra_resources=unrouted if index == 0 else set())
        for index, families in enumerate(balanced(groups, workers))
    ]


def _part(
    problem: PlanningProblem, families: list[int], weight: Floats, *, extra_resources: set[str]
) -> Part:
    codes = {problem.families[f].code for f in families}
    routed = {r.resource for r in problem.routings if r.family in codes} | extra_resources
    resources = [i for i, r in enumerate(problem.resources) if r.code in routed]
    lines = [i for i, d in enumerate(problem.demand) if d.family in codes]
    routings = [r for r in problem.routings if r.family in codes]
    expansions = [i for i, e in enumerate(problem.expansions) if e.resource in routed]
    sub = problem.model_copy(
        update={
            "families": [problem.families[f] for f in families],
            "demand": [problem.demand[d] for d in lines],
            "resources": [problem.resources[r] for r in resources],
            "routings": routings,
            "expansions": [problem.expansions[e] for e in expansions],
        }
    )
    return Part(
        problem=sub,
        families=np.array(families, dtype=np.int64),
        lines=np.array(lines, dtype=np.int64),
        resources=np.array(resources, dtype=np.int64),
        expansions=np.array(expansions, dtype=np.int64),
        unmet_weight=weight,
    )


def solve_part(part: Part) -> Optimum:
    """The optimum of one part, weighing unmet demand as the whole problem does (a worker's
    function)."""
    return optimise(
        problem_data(part.problem), part.problem.options, unmet_weight=part.unmet_weight
    )


# Plan arrays by what their first axis counts.
FAMILY_ARRAYS = ("production", "outsourced", "inventory", "safety_shortfall")
LINE_ARRAYS = ("sales", "backlog", "lost", "on_time", "due")
RESOURCE_ARRAYS = (
    "overtime",
    "workers",
    "hired",
    "laid_off",
    "plan_load",
    "load",
    "regular_capacity",
    "expansion_hours",
    "utilisation",
    "shadow_price",
)


def merged_plan(parts: list[Part], optima: list[Optimum], *, sizes: dict[str, int]) -> Plan:
    """The whole plan: each part's rows put back at their place in the whole problem."""
    periods = optima[0].plan.production.shape[1]

    def merged(name: str, count: int, where: str) -> Floats:
        out = np.zeros((count, periods))
        for part, optimum in zip(parts, optima, strict=True):
            out[getattr(part, where)] = getattr(optimum.plan, name)
        return out

    arrays = {name: merged(name, sizes["families"], "families") for name in FAMILY_ARRAYS}
    arrays |= {name: merged(name, sizes["lines"], "lines") for name in LINE_ARRAYS}
    arrays |= {name: merged(name, sizes["resources"], "resources") for name in RESOURCE_ARRAYS}
    level = np.zeros(sizes["expansions"])
    for part, optimum in zip(parts, optima, strict=True):
        level[part.expansions] = optimum.plan.expansion_level
    return Plan(**arrays, expansion_level=level)


def merged_optimum(problem: PlanningProblem, parts: list[Part], optima: list[Optimum]) -> Optimum:
    """The whole problem's optimum from its parts': the objective, sizes and times are sums
    (the build and solve times set the options' budget, which stays the whole problem's)."""
    sizes = {
        "families": len(problem.families),
        "lines": len(problem.demand),
        "resources": len(problem.resources),
        "expansions": len(problem.expansions),
    }
    gaps = [o.relative_gap for o in optima if o.relative_gap is not None]
    objectives = [o.objective for o in optima]
    notes = list(dict.fromkeys(note for o in optima for note in o.notes))
    notes.append(
        f"solved as {len(parts)} independent parts in parallel (families sharing no resource)"
    )
    terminations = {o.termination for o in optima}
    return Optimum(
        plan=merged_plan(parts, optima, sizes=sizes),
        termination="optimal" if terminations == {"optimal"} else sorted(terminations)[0],
        objective=None
        if None in objectives
        else float(sum(o for o in objectives if o is not None)),
        relative_gap=max(gaps) if gaps else None,
        ranks=optima[0].ranks,
        weights=optima[0].weights,
        variables=sum(o.variables for o in optima),
        constraints=sum(o.constraints for o in optima),
        build_seconds=sum(o.build_seconds for o in optima),
        solve_seconds=sum(o.solve_seconds for o in optima),
        solves=sum(o.solves for o in optima),
        notes=notes,
    )


@dataclass(frozen=True)
class Assembly:
    problem: PlanningProblem
    parts: list[Part]
    optima: list[Optimum]
    parts_seconds: float  # wall time of the split and the parts' solves, for total_seconds


def assemble(assembly: Assembly) -> Solution:
    """The whole solution (decoding, explanation, escalation items and their options) of the
    merged optimum (a worker's function)."""
    started = time.perf_counter() - assembly.parts_seconds
    problem = assembly.problem
    optimum = merged_optimum(problem, assembly.parts, assembly.optima)
    return solution_of(problem, problem_data(problem), optimum, started=started)
