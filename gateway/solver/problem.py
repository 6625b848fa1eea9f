"""The planning problem: the input of the reconciliation model and the body of ``POST /solve``.

A whole multi-period aggregate-planning problem in one JSON document. Every cost, price,
capacity and limit marked ``PerPeriod`` is either one number for every period or a list
with one number per period. Codes tie the parts together (families, segments, resources).
"""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic import Strict as JsonOnly

from shared.types import JSON_INTEGER, Flag

# Numbers of a JSON body: true is not a quantity, nor "3" (shared.types).
NonNegative = Annotated[float, JsonOnly(), Field(ge=0, le=1e13, allow_inf_nan=False)]
Number = Annotated[float, JsonOnly()]
Integer = Annotated[int, JSON_INTEGER]
PerPeriod = NonNegative | list[NonNegative]
Label = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$")]


class Objective(StrEnum):
    max_margin = "max_margin"  # revenue - all costs - penalties
    min_cost = "min_cost"  # all demand met by the end (backlog allowed), least total cost
    service_first = "service_first"  # max priority-weighted fill, then best margin under it


class UnmetDemand(StrEnum):
    backlog = "backlog"
    lost = "lost"


class Strict(BaseModel):
    # Defaults validated too: a default 0 is then the float 0.0 its field holds (an int in a
    # float | list[float] field makes every serialisation warn).
    model_config = ConfigDict(extra="forbid", validate_default=True)


class FamilyInput(Strict):
    code: Label
    variable_cost: PerPeriod = 0
    holding_cost: PerPeriod = Field(default=0, description="Per unit held at a period's end.")
    initial_inventory: NonNegative = 0
    safety_stock: PerPeriod = Field(default=0, description="Soft floor on ending inventory.")
    safety_stock_penalty: PerPeriod | None = Field(
        default=None,
        description="Per unit-period below safety stock; default: 2x holding cost plus 1.",
    )
    min_ending_inventory: NonNegative = Field(
        default=0, description="Hard floor at the horizon's end."
    )
    outsource_cost: PerPeriod = 0
    outsource_limit: PerPeriod | None = Field(
        default=0, description="Units per period a subcontractor can supply; null: unlimited."
    )
    fixed_production: list[NonNegative | None] | None = Field(
        default=None,
        description="Per period, production held at this value (a time fence), null: free.",
    )


class SegmentInput(Strict):
    code: Label
    priority: Integer = Field(default=5, ge=1, le=100, description="1 is served first.")
    strategic: Flag = False
    fill_rate_target: Number = Field(default=0.0, ge=0, le=1)
    unmet: UnmetDemand = UnmetDemand.backlog
    backlog_cost: PerPeriod = Field(default=0, description="Per unit-period of backlog.")
    lost_sale_penalty: PerPeriod = Field(
        default=0, description="Per unit lost, beyond lost margin."
    )
    clear_backlog_by_end: Flag = Field(
        default=False, description="No backlog at the horizon's end."
    )


class SegmentDemand(Strict):
    """Unconstrained demand of a family in a segment, one quantity per period."""

    family: Label
    segment: Label
    quantity: list[NonNegative]
    price: PerPeriod = 0
    initial_backlog: NonNegative = 0


class WorkforceInput(Strict):
    """Workforce-driven capacity: regular hours = workers x hours per worker."""

    initial_workers: NonNegative
    hours_per_worker: PerPeriod
    wage_per_hour: PerPeriod = Field(default=0, description="Paid on the whole workforce's hours.")
    hire_cost: PerPeriod = 0
    layoff_cost: PerPeriod = 0
    overtime_hours_per_worker: PerPeriod = 0
    min_workers: PerPeriod | None = None
    max_workers: PerPeriod | None = None


class ResourceInput(Strict):
    code: Label
    regular_hours: PerPeriod = Field(
        default=0, description="Fixed capacity (ignored with a workforce)."
    )
    max_overtime_hours: PerPeriod = 0
    regular_hour_cost: PerPeriod = Field(
        default=0, description="Per regular hour used (fixed mode)."
    )
    overtime_hour_cost: PerPeriod = 0
    workforce: WorkforceInput | None = None
    utilisation_threshold: Number = Field(default=0.95, gt=0, le=10)
    committed_hours: PerPeriod = Field(
        default=0,
        description="Hours already taken by work outside this plan (other products, maintenance):"
        " they use capacity first and count in the load.",
    )


class RoutingInput(Strict):
    family: Label
    resource: Label
    hours_per_unit: Number = Field(gt=0, le=1e6, allow_inf_nan=False)
    lead_time_offset: Integer = Field(
        default=0,
        ge=0,
        le=36,
        description="The load falls this many periods before the period the units are "
        "completed (the supply service's RCCP rule); loads before the first period are "
        "outside the plan.",
    )


class ExpansionInput(Strict):
    """A capacity step: extra hours per period on a resource from the period it becomes
    available (decided now, available after ``lead_time_periods``), for a fixed cost."""

    code: Label
    resource: Label
    extra_hours: PerPeriod
    fixed_cost: NonNegative
    lead_time_periods: Integer = Field(default=0, ge=0, le=120)
    committed: Flag = Field(
        default=False, description="Already decided: the step is taken (its cost is paid)."
    )


class LpAlgorithm(StrEnum):
    barrier = "barrier"  # HiGHS interior point (IPX) with crossover: fastest measured at scale
    dual_simplex = "dual_simplex"
    primal_simplex = "primal_simplex"


class SolveOptions(Strict):
    objective: Objective = Objective.max_margin
    integer: Flag = Field(default=False, description="Whole units and workers (a MIP).")
    time_limit_seconds: Number = Field(default=60, gt=0, le=3600)
    relative_gap: Number = Field(default=1e-4, ge=0, le=1)
    compute_options: Flag = Field(
        default=True,
        description="Re-solve with each lever to give every escalation item its options.",
    )
    service_tolerance: Number = Field(
        default=1e-3,
        ge=0,
        le=0.5,
        description="service_first: relative slack on the best priority-weighted unmet demand"
        " when the money objective is optimised under it.",
    )
    lp_algorithm: LpAlgorithm = Field(
        default=LpAlgorithm.barrier, description="Algorithm for linear (relaxed) solves."
    )
    executive_lever_threshold: Number = Field(
        default=10_000,
        ge=0,
        description="Direct cost (money) from which an expansion step the plan takes, or the"
        " hiring it does on a resource, is an executive_lever escalation item.",
    )


class PlanningProblem(Strict):
    periods: list[Label] = Field(min_length=1, max_length=120)
    families: list[FamilyInput] = Field(min_length=1)
    segments: list[SegmentInput] = Field(min_length=1)
    demand: list[SegmentDemand] = Field(default_factory=list)
    resources: list[ResourceInput] = Field(default_factory=list)
    routings: list[RoutingInput] = Field(default_factory=list)
    expansions: list[ExpansionInput] = Field(default_factory=list)
    options: SolveOptions = Field(default_factory=SolveOptions)
