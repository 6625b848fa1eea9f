"""The problem as numeric arrays, one row per family / segment / demand line / resource.

Every ``PerPeriod`` input becomes a row of length T, so the model is built by array
operations. The loops here run once per entity (family, line, resource), never per
coefficient of the model.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gateway.solver.lp import Bools, Floats, Ints
from gateway.solver.problem import PerPeriod, PlanningProblem, UnmetDemand

__all__ = [
    "Bools",
    "Floats",
    "Ints",
    "ProblemData",
    "per_period",
    "problem_data",
    "routed_by_load_period",
]


def per_period(values: Sequence[PerPeriod | None], periods: int, missing: float) -> Floats:
    """A (len(values), periods) array; ``None`` becomes ``missing``, a scalar fills its row."""
    out = np.empty((len(values), periods))
    for index, value in enumerate(values):
        out[index] = missing if value is None else value
    return out


@dataclass(frozen=True)
class ProblemData:
    periods: list[str]
    # families (F)
    family_codes: list[str]
    variable_cost: Floats
    holding_cost: Floats
    initial_inventory: Floats
    safety_stock: Floats
    safety_stock_penalty: Floats
    min_ending_inventory: Floats
    outsource_cost: Floats
    outsource_limit: Floats  # inf: unlimited
    fixed_production: Floats  # nan: free
    # segments (S)
    segment_codes: list[str]
    priority: Ints
    strategic: Bools
    fill_rate_target: Floats
    backlogged: Bools
    backlog_cost: Floats
    lost_sale_penalty: Floats
    clear_backlog_by_end: Bools
    # demand lines (D)
    line_family: Ints
    line_segment: Ints
    quantity: Floats
    price: Floats
    initial_backlog: Floats
    # resources (R)
    resource_codes: list[str]
    workforce: Bools
    regular_hours: Floats
    max_overtime_hours: Floats
    regular_hour_cost: Floats
    overtime_hour_cost: Floats
    committed_hours: Floats
    utilisation_threshold: Floats
    initial_workers: Floats
    hours_per_worker: Floats
    wage_per_hour: Floats
    hire_cost: Floats
    layoff_cost: Floats
    overtime_hours_per_worker: Floats
    min_workers: Floats
    max_workers: Floats  # inf: no maximum
    workforce_overtime_cap: Floats  # inf unless max_overtime_hours is given with a workforce
    # routings (K)
    routing_family: Ints
    routing_resource: Ints
    routing_hours: Floats
    routing_offset: Ints  # periods between the load and the completion of the units
    # expansions (E)
    expansion_codes: list[str]
    expansion_resource: Ints
    expansion_hours: Floats  # zero before the step is available
    expansion_cost: Floats
    expansion_committed: Bools

    @property
    def periods_count(self) -> int:
        return len(self.periods)

    @property
    def line_backlogged(self) -> Bools:
        return self.backlogged[self.line_segment]

    @property
    def line_due(self) -> Floats:
        """Demand due per line and period; a lost-sales line's initial backlog is due at once."""
        due = self.quantity.copy()
        lost = ~self.line_backlogged
        due[lost, 0] += self.initial_backlog[lost]
        return due


def routed_by_load_period(
    data: ProblemData, per_family: NDArray[Any], missing: float
) -> NDArray[Any]:
    """Per routing k and period t, the value of ``per_family`` (F, T) for k's family in the
    period whose units load k's resource in t: t + offset_k (the RCCP rule: the load falls
    ``lead_time_offset`` periods before completion); ``missing`` where that is past the
    horizon."""
    periods = per_family.shape[1]
    completed = np.arange(periods)[None, :] + data.routing_offset[:, None]
    inside = completed < periods
    values = per_family[data.routing_family[:, None], np.where(inside, completed, 0)]
    return np.where(inside, values, missing)


def problem_data(problem: PlanningProblem) -> ProblemData:
    """Arrays of a validated problem (see ``validate_problem``)."""
    periods = len(problem.periods)
    families = problem.families
    segments = problem.segments
    resources = problem.resources
    family_index = {f.code: i for i, f in enumerate(families)}
    segment_index = {s.code: i for i, s in enumerate(segments)}
    resource_index = {r.code: i for i, r in enumerate(resources)}

    holding = per_period([f.holding_cost for f in families], periods, 0)
    penalty = per_period([f.safety_stock_penalty for f in families], periods, np.nan)
    default_penalty = 2 * holding + 1
    penalty = np.where(np.isnan(penalty), default_penalty, penalty)

    crews = [r.workforce for r in resources]
    workforce = np.array([c is not None for c in crews], dtype=bool)

    def crew(name: str, missing: float) -> Floats:
        return per_period(
            [getattr(c, name) if c is not None else None for c in crews], periods, missing
        )

    explicit_overtime = [
        r.max_overtime_hours
        if r.workforce is not None and "max_overtime_hours" in r.model_fields_set
        else None
        for r in resources
    ]
    expansion_hours = per_period([e.extra_hours for e in problem.expansions], periods, 0)
    lead = np.array([e.lead_time_periods for e in problem.expansions], dtype=np.int64)
    expansion_hours[np.arange(periods)[None, :] < lead[:, None]] = 0

    return ProblemData(
        periods=list(problem.periods),
        family_codes=[f.code for f in families],
        variable_cost=per_period([f.variable_cost for f in families], periods, 0),
        holding_cost=holding,
        initial_inventory=np.array([f.initial_inventory for f in families], dtype=float),
        safety_stock=per_period([f.safety_stock for f in families], periods, 0),
        safety_stock_penalty=penalty,
        min_ending_inventory=np.array([f.min_ending_inventory for f in families], dtype=float),
        outsource_cost=per_period([f.outsource_cost for f in families], periods, 0),
        outsource_limit=per_period([f.outsource_limit for f in families], periods, np.inf),
        fixed_production=np.array(
            [
                [np.nan if v is None else v for v in (f.fixed_production or [None] * periods)]
                for f in families
            ],
            dtype=float,
        ).reshape(len(families), periods),
        segment_codes=[s.code for s in segments],
        priority=np.array([s.priority for s in segments], dtype=np.int64),
        strategic=np.array([s.strategic for s in segments], dtype=bool),
        fill_rate_target=np.array([s.fill_rate_target for s in segments], dtype=float),
        backlogged=np.array([s.unmet == UnmetDemand.backlog for s in segments], dtype=bool),
        backlog_cost=per_period([s.backlog_cost for s in segments], periods, 0),
        lost_sale_penalty=per_period([s.lost_sale_penalty for s in segments], periods, 0),
        clear_backlog_by_end=np.array([s.clear_backlog_by_end for s in segments], dtype=bool),
        line_family=np.array([family_index[d.family] for d in problem.demand], dtype=np.int64),
        line_segment=np.array([segment_index[d.segment] for d in problem.demand], dtype=np.int64),
        quantity=np.array([d.quantity for d in problem.demand], dtype=float).reshape(-1, periods),
        price=per_period([d.price for d in problem.demand], periods, 0),
        initial_backlog=np.array([d.initial_backlog for d in problem.demand], dtype=float),
        resource_codes=[r.code for r in resources],
        workforce=workforce,
        regular_hours=per_period([r.regular_hours for r in resources], periods, 0),
        max_overtime_hours=per_period([r.max_overtime_hours for r in resources], periods, 0),
        regular_hour_cost=per_period([r.regular_hour_cost for r in resources], periods, 0),
        overtime_hour_cost=per_period([r.overtime_hour_cost for r in resources], periods, 0),
        committed_hours=per_period([r.committed_hours for r in resources], periods, 0),
        utilisation_threshold=np.array([r.utilisation_threshold for r in resources], dtype=float),
        initial_workers=np.array(
            [c.initial_workers if c is not None else 0 for c in crews], dtype=float
        ),
        hours_per_worker=crew("hours_per_worker", 0),
        wage_per_hour=crew("wage_per_hour", 0),
        hire_cost=crew("hire_cost", 0),
        layoff_cost=crew("layoff_cost", 0),
        overtime_hours_per_worker=crew("overtime_hours_per_worker", 0),
        min_workers=crew("min_workers", 0),
        max_workers=crew("max_workers", np.inf),
        workforce_overtime_cap=per_period(explicit_overtime, periods, np.inf),
        routing_family=np.array([family_index[r.family] for r in problem.routings], dtype=np.int64),
        routing_resource=np.array(
            [resource_index[r.resource] for r in problem.routings], dtype=np.int64
        ),
        routing_hours=np.array([r.hours_per_unit for r in problem.routings], dtype=float),
        routing_offset=np.array([r.lead_time_offset for r in problem.routings], dtype=np.int64),
        expansion_codes=[e.code for e in problem.expansions],
        expansion_resource=np.array(
            [resource_index[e.resource] for e in problem.expansions], dtype=np.int64
        ),
        expansion_hours=expansion_hours,
        expansion_cost=np.array([e.fixed_cost for e in problem.expansions], dtype=float),
        expansion_committed=np.array([e.committed for e in problem.expansions], dtype=bool),
    )
