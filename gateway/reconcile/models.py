"""The request of ``POST /reconcile`` (and of the GraphQL ``reconcile`` mutation), and the
problem each reconcile gathered, kept with its plan as a ``/solve`` body."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Column
from sqlmodel import Field as SqlField

from gateway.solver.problem import Objective
from gateway.tables import GatewayTable
from shared.types import Fraction, RowId

TimeLimit = Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)]


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

    demand_plan_id: RowId | None = Field(
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


class ReconciledProblem(GatewayTable, table=True):
    """The planning problem a reconcile built from the services' data (a ``/solve`` body):
    for harnesses, bug reports, offline studies and scenarios over that plan."""

    __tablename__ = "reconciled_problem"

    plan_id: int = SqlField(primary_key=True, foreign_key="consensus_plan.id")
    problem: dict[str, Any] = SqlField(sa_column=Column(JSON, nullable=False))
