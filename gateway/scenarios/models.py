"""Scenarios: a named what-if over a base problem, its typed changes, its last result.

A scenario belongs to the user who made it; the roles it is shared with may read it and
solve it, only the owner edits or deletes it. Solving one never writes a consensus plan: its
outcome lives on the scenario. A promotion records the supply, lever, target and cost
changes as a proposal on a cycle and puts them before the executive as an escalation item
of the recommended plan, decided, authorised and approved like any other.
"""

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field as SqlField

from gateway.scenarios.compare import Comparison
from gateway.solver.changes import PlanChange
from gateway.solver.problem import PlanningProblem
from gateway.solver.solution import Solution, Totals
from gateway.tables import GatewayTable
from shared.auth import Role
from shared.types import RowId, UtcDatetime, utc_now

Name = Field(min_length=1, max_length=200)


class Scenario(GatewayTable, table=True):
    __tablename__ = "scenario"

    id: int | None = SqlField(default=None, primary_key=True)
    name: str = SqlField(max_length=200)
    owner: str = SqlField(max_length=200, index=True)
    shared_with: list[str] = SqlField(sa_column=Column(JSON, nullable=False))
    # The base problem as a /solve body, and the changes over it (PlanChange dicts).
    base: dict[str, Any] = SqlField(sa_column=Column(JSON, nullable=False))
    changes: list[dict[str, Any]] = SqlField(sa_column=Column(JSON, nullable=False))
    # Kept with the base so that a solve reads neither: the base's key in the warm workers
    # (``warm_pool.fingerprint``) and its time limit; null on scenarios stored before them.
    base_key: str | None = SqlField(default=None, max_length=64)
    base_time_limit_seconds: float | None = None
    version: int = 1
    created_at: dt.datetime = SqlField(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: dt.datetime = SqlField(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    # The last solve's outcome (ScenarioOutcome), null until solved or after an edit.
    outcome: dict[str, Any] | None = SqlField(default=None, sa_column=Column(JSON))


class ScenarioProposal(GatewayTable, table=True):
    """A scenario's supply, lever, target and cost changes proposed to a cycle's decision
    step, and the escalation item that carries them there: a record, never edited."""

    __tablename__ = "scenario_proposal"

    id: int | None = SqlField(default=None, primary_key=True)
    scenario_id: int = SqlField(foreign_key="scenario.id", index=True)
    scenario_version: int
    cycle_id: int = SqlField(foreign_key="sop_cycle.id", index=True)
    escalation_id: int | None = SqlField(default=None, foreign_key="escalation_item.id")
    changes: list[dict[str, Any]] = SqlField(sa_column=Column(JSON, nullable=False))
    rationale: str = SqlField(max_length=2000)
    proposed_by: str = SqlField(max_length=200)
    proposed_at: dt.datetime = SqlField(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


# --- requests -----------------------------------------------------------------------------


class ScenarioCreate(BaseModel):
    """A scenario over a base: a ``/solve`` body, or a copy of a stored scenario's base."""

    model_config = ConfigDict(extra="forbid")

    name: str = Name
    base: PlanningProblem
    changes: list[PlanChange] = Field(default_factory=list, max_length=1000)
    shared_with: list[Role] = Field(default_factory=list, max_length=20)


class ScenarioEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    changes: list[PlanChange] | None = Field(default=None, max_length=1000)
    shared_with: list[Role] | None = Field(default=None, max_length=20)


class ScenarioCopy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Name


class ScenarioPromotion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cycle_id: RowId
    rationale: str = Field(min_length=1, max_length=2000)


class ScenarioBatch(BaseModel):
    """Named change lists over one base, solved together and compared with the base; each
    scenario's plan is also held fixed under every other scenario (the robustness table)."""

    model_config = ConfigDict(extra="forbid")

    base: PlanningProblem
    scenarios: dict[str, list[PlanChange]] = Field(min_length=1, max_length=20)
    robustness: bool = True


# --- answers ------------------------------------------------------------------------------


class ScenarioOutcome(BaseModel):
    """A scenario solved: how, what it earns, and what moved against the base."""

    path: str = Field(description="warm: re-solved in place from the base's basis; cold.")
    reason: str
    seconds: float
    objective: float | None
    totals: Totals
    comparison: Comparison = Field(description="Against the base solved alone.")


class ScenarioPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    owner: str
    shared_with: list[str]
    changes: list[dict[str, Any]]
    version: int
    created_at: UtcDatetime
    updated_at: UtcDatetime
    outcome: ScenarioOutcome | None


class ScenarioSolved(BaseModel):
    scenario: ScenarioPublic
    solution: Solution | None = Field(description="The whole solution; null with lines=false.")


class ProposalPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    scenario_id: int
    scenario_version: int
    cycle_id: int
    escalation_id: int | None = Field(
        description="The executive_lever item of the recommended plan that carries the "
        "changes: deciding its option 0 takes them into the authorised plan."
    )
    changes: list[dict[str, Any]]
    rationale: str
    proposed_by: str
    proposed_at: UtcDatetime


class HeldCell(BaseModel):
    """One plan held fixed under one scenario."""

    plan: str
    scenario: str
    holds: bool
    margin: float | None
    fill_rate: float | None
    regret: float | None = Field(description="Margin lost against re-planning for the scenario.")
    escalations: int | None


class BatchRow(BaseModel):
    scenario: str
    path: str
    objective: float | None
    margin: float
    fill_rate: float
    margin_change: float = Field(description="Against the base.")
    fill_rate_change: float


class BatchResult(BaseModel):
    base_margin: float
    base_fill_rate: float
    rows: list[BatchRow]
    robustness: list[HeldCell] = Field(description="Plans (rows) x scenarios, base included.")
