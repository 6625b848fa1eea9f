"""The request of ``POST /reconcile`` (and of the GraphQL ``reconcile`` mutation), and the
problem each reconcile gathered, kept with its plan as a ``/solve`` body."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from gateway.solver.problem import Objective
from shared.types import Code, Fraction, Name, Period, RowRef

TimeLimit = Annotated[float, Strict(), Field(gt=0, le=3600, allow_inf_nan=False)]


class FenceOverride(BaseModel):
    """A change inside the time fence: the family-month the reconcile may move, and why."""

    model_config = ConfigDict(extra="forbid")

    family_code: Code
    period: Period
    reason: Name = Field(description="Why the approved production may change: required.")


class ReconcileRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "demand_plan_id": 3,
                    "objective": "max_margin",
                    "time_limit_seconds": 30,
                    "aop_gap_tolerance": 0.05,
                }
            ]
        },
    )

    demand_plan_id: RowRef | None = Field(
        default=None,
        description="Demand plan to reconcile; default: the latest locked plan, else the latest "
        "draft.",
    )
    objective: Objective = Objective.max_margin
    time_limit_seconds: TimeLimit | None = Field(
        default=None,
        description="Solver time limit; default and maximum: the gateway's "
        "SOP_GATEWAY_SOLVE_TIME_LIMIT_SECONDS.",
    )
    aop_gap_tolerance: Fraction | None = Field(
        default=None,
        description="Share of the AOP (revenue or margin) beyond which a month's gap to it "
        "becomes an escalation item; default: the finance service's "
        "SOP_FINANCE_AOP_GAP_TOLERANCE.",
    )
    supply_plan_id: RowRef | None = Field(
        default=None,
        description="Operations' proposal to compare the plan with; default: the newest proposed "
        "supply plan answering the demand plan (the one the supply review records).",
    )
    comparison_tolerance: Fraction | None = Field(
        default=None,
        description="Share of the larger quantity beyond which a family-month's production or "
        "a resource-month's load differs in the comparison's summary; default 0.01.",
    )
    fence_overrides: list[FenceOverride] = Field(
        default_factory=list,
        max_length=500,
        description="Family-months inside the time fence (the first SOP_GATEWAY_TIME_FENCE_MONTHS "
        "of the horizon) whose production may move from the last approved plan, each with its "
        "reason; every other fenced month is held at its approved production.",
    )
