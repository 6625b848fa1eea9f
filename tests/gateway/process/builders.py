"""Two cycles of the small company (``tests.gateway.company``) with a timeline chosen to
check by hand: cycle 2026-01 approved plan 1, cycle 2026-02 is open on plan 2.

Cycle 2026-01's steps (due -> done): data gathering 01-05 -> 01-05 on time; demand review
01-10 -> 01-12 late by 2; supply review 01-15 -> 01-14 on time; pre-S&OP 01-18 -> 01-20 late
by 2; executive S&OP 01-22 -> 01-22 (23:00, still the due day) on time.
Cycle 2026-02, seen on 02-16: data gathering 02-05 -> 02-05 and demand review 02-10 -> 02-09
on time; supply review due 02-15 and not done: late by 1; pre-S&OP (02-18) and executive
(02-22) pending.
Plan 1 is stored at 01-18 09:00 and its first item decided at 01-21 21:00 (3.5 days);
plan 2 is stored at 02-14 09:00 and its first item decided at 02-15 09:00 (1 day).
Action items (due -> done): #1 01-31 -> 01-30 on time, #2 02-10 -> 02-12 late, #3 02-20
open (pending), all raised in 2026-01; #4 02-15 open (late), raised in 2026-02.
"""

import datetime as dt
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from gateway.cycle.models import (
    ActionItem,
    ActionItemStatus,
    Cycle,
    CycleStatus,
    CycleStep,
    Decision,
    StepStatus,
)
from gateway.cycle.raci import STEP_OWNERS, STEPS
from gateway.plans.models import ConsensusPlan
from shared.auth import Role
from tests.gateway.company import PERIODS, START

AS_OF = dt.date(2026, 2, 16)


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


STEP_DATES: dict[str, list[tuple[str, dt.datetime | None]]] = {
    "2026-01": [
        ("2026-01-05", at("2026-01-05")),
        ("2026-01-10", at("2026-01-12")),
        ("2026-01-15", at("2026-01-14")),
        ("2026-01-18", at("2026-01-20")),
        ("2026-01-22", at("2026-01-22", 23)),
    ],
    "2026-02": [
        ("2026-02-05", at("2026-02-05")),
        ("2026-02-10", at("2026-02-09")),
        ("2026-02-15", None),
        ("2026-02-18", None),
        ("2026-02-22", None),
    ],
}
PLAN_1_STORED = at("2026-01-18", 9)
PLAN_2_STORED = at("2026-02-14", 9)
DECIDED = {"2026-01": at("2026-01-21", 21), "2026-02": at("2026-02-15", 9)}
# (cycle, due, done, owner role)
ACTION_ITEMS: list[tuple[str, str, dt.datetime | None, Role]] = [
    ("2026-01", "2026-01-31", at("2026-01-30"), Role.process_owner),
    ("2026-01", "2026-02-10", at("2026-02-12"), Role.finance),
    ("2026-01", "2026-02-20", None, Role.operations),
    ("2026-02", "2026-02-15", None, Role.sales),
]


def closed_then_open(
    session: Session,
    *,
    approved: dict[str, Any],
    recommended: dict[str, Any],
    closed_at: dt.datetime | None = None,
) -> tuple[Cycle, Cycle]:
    """Cycle 2026-01, closed by pat with ``approved`` as its recommended and approved plan,
    and 2026-02 after it, open on ``recommended``; flushed, not committed."""
    first = Cycle(
        period="2026-01",
        horizon_start=START,
        horizon_months=len(PERIODS),
        status=CycleStatus.closed,
        opened_by="pat",
        closed_by="pat",
        closed_at=closed_at,
        recommended_plan_id=approved["id"],
        recommended_plan_version=approved["version"],
        approved_plan_id=approved["id"],
        approved_plan_version=approved["version"],
    )
    session.add(first)
    session.flush()
    first.open_marker = None
    session.flush()
    second = Cycle(
        period="2026-02",
        horizon_start=START,
        horizon_months=len(PERIODS),
        opened_by="pat",
        previous_cycle_id=first.id,
        recommended_plan_id=recommended["id"],
        recommended_plan_version=recommended["version"],
    )
    session.add(second)
    session.flush()
    return first, second


def two_cycles(
    engine: Engine,
    *,
    plan_1: dict[str, Any],
    plan_2: dict[str, Any],
    decided: tuple[str, ...] = tuple(DECIDED),
) -> list[int]:
    """Cycle 2026-01 (closed, approved plan 1) and 2026-02 (open, recommended plan 2) with the
    timeline of the module, the first item decided in the cycles ``decided``; their ids."""
    with Session(engine) as session:
        recommended = session.get(ConsensusPlan, plan_2["id"])
        assert recommended is not None
        recommended.created_at = PLAN_2_STORED
        first, second = closed_then_open(
            session, approved=plan_1, recommended=plan_2, closed_at=at("2026-01-23")
        )
        cycles = {"2026-01": first, "2026-02": second}
        for period, dates in STEP_DATES.items():
            for position, (step, (due, done)) in enumerate(zip(STEPS, dates, strict=True)):
                session.add(
                    CycleStep(
                        cycle_id=cycles[period].id or 0,
                        step=step,
                        position=position,
                        owner_role=STEP_OWNERS[step],
                        due_date=dt.date.fromisoformat(due),
                        status=StepStatus.completed if done else StepStatus.pending,
                        completed_at=done,
                        completed_by="someone" if done else None,
                    )
                )
        decisions = []
        for period, plan in (("2026-01", plan_1), ("2026-02", plan_2)):
            if period not in decided:
                continue
            item = plan["escalations"][0]
            decision = Decision(
                cycle_id=cycles[period].id or 0,
                plan_id=plan["id"],
                plan_version=plan["version"],
                escalation_id=item["id"],
                escalation_title=item["title"],
                override="as planned",
                rationale="accepted",
                decided_by="eve",
                decided_by_name="Eve",
                decided_at=DECIDED[period],
            )
            session.add(decision)
            session.flush()
            decisions.append(decision)
        for index, (period, due, done, role) in enumerate(ACTION_ITEMS, start=1):
            session.add(
                ActionItem(
                    cycle_id=cycles[period].id or 0,
                    decision_id=decisions[0].id or 0,
                    title=f"Action {index}",
                    owner_role=role,
                    due_date=dt.date.fromisoformat(due),
                    status=ActionItemStatus.done if done else ActionItemStatus.open,
                    done_at=done,
                    created_by="eve",
                )
            )
        session.commit()
        return [first.id or 0, second.id or 0]


def approve(engine: Engine, plan_id: int) -> None:
    """Plan 1, stored at ``PLAN_1_STORED``, approved (what the executive step leaves): the
    time fence holds it from then on."""
    with Session(engine) as session:
        plan = session.get(ConsensusPlan, plan_id)
        assert plan is not None
        plan.created_at = PLAN_1_STORED
        plan.status = "approved"
        session.commit()
