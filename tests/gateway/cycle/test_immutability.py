"""An approved plan is never edited, whoever writes: a change is a new version."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from gateway.cycle.models import Decision
from gateway.cycle.problems import GateClosed
from gateway.plans import service as consensus
from gateway.plans.models import ConsensusLine, ConsensusPlan, ConsensusStatus, Escalation
from shared.db import SessionDep
from shared.errors import install_problem_handlers
from tests.gateway.cycle.world import EXECUTIVE, PROCESS_OWNER, VIEWER, World, assert_gate

pytestmark = pytest.mark.anyio


async def approve_a_plan(world: World) -> dict[str, Any]:
    cycle = await world.open_cycle()
    plan = await world.walk_to_pre_sop(cycle)
    for item in plan["items"]:
        decided = await world.decide(
            cycle["id"], item, {"option_index": 0, "rationale": "r"}, EXECUTIVE
        )
        assert decided.status_code == 201
    approved = await world.post_versioned(cycle["id"], "/approve", EXECUTIVE)
    assert approved.status_code == 200, approved.text
    return plan


def edits(plan_id: int) -> dict[str, Callable[[Session], None]]:
    """Every kind of write to a plan, its lines and its escalation items."""

    def plan_row(session: Session) -> ConsensusPlan:
        plan = session.get(ConsensusPlan, plan_id)
        assert plan is not None
        return plan

    def line(session: Session) -> ConsensusLine:
        found = session.exec(
            select(ConsensusLine).where(col(ConsensusLine.plan_id) == plan_id)
        ).first()
        assert found is not None
        return found

    def item(session: Session) -> Escalation:
        found = session.exec(select(Escalation).where(col(Escalation.plan_id) == plan_id)).first()
        assert found is not None
        return found

    def change(get: Callable[[Session], Any], name: str, value: Any) -> Callable[[Session], None]:
        def edit(session: Session) -> None:
            row = get(session)
            setattr(row, name, value)
            session.add(row)

        return edit

    def delete(get: Callable[[Session], Any]) -> Callable[[Session], None]:
        return lambda session: session.delete(get(session))

    def add_line(session: Session) -> None:
        session.add(
            ConsensusLine(
                plan_id=plan_id,
                family_code="F09",
                segment_code="KEY",
                period="2026-02",
                demand=1,
                sales=1,
                backlog=0,
                lost=0,
                revenue=1,
            )
        )

    def supersede_and_rewrite(session: Session) -> None:
        plan = plan_row(session)
        plan.status = ConsensusStatus.superseded
        plan.objective = "min_cost"
        session.add(plan)

    return {
        "plan totals": change(plan_row, "totals", {"margin": 1e9}),
        "plan status back": change(plan_row, "status", ConsensusStatus.recommended),
        "plan superseded and rewritten": supersede_and_rewrite,
        "plan deleted": delete(plan_row),
        "line quantity": change(line, "sales", 0.0),
        "line moved away": change(line, "plan_id", plan_id + 1000),
        "line deleted": delete(line),
        "line added": add_line,
        "escalation retitled": change(item, "title", "nothing to see"),
        "escalation deleted": delete(item),
    }


async def test_no_write_reaches_an_approved_plan(world: World) -> None:
    plan = await approve_a_plan(world)
    for name, edit in edits(plan["id"]).items():
        with Session(world.engine) as session:
            edit(session)
            with pytest.raises(GateClosed) as refused:
                session.flush()
            assert refused.value.gate == "approved-plan-immutable", name
            assert refused.value.status == 409
            session.rollback()
    current = (await world.gateway.get("/cycles/current-plan", headers=VIEWER)).json()
    assert current["totals"]["margin"] == 400.0 and len(current["lines"]) == 3
    assert len(current["escalations"]) == 2


async def test_a_recommended_plan_can_still_change(world: World) -> None:
    plan = world.recommend(await world.demand_plan())
    with Session(world.engine) as session:
        line = session.exec(
            select(ConsensusLine).where(col(ConsensusLine.plan_id) == plan["id"])
        ).first()
        assert line is not None
        line.sales = 95.0
        session.add(line)
        session.commit()


async def test_a_superseded_plan_is_as_final_as_an_approved_one(world: World) -> None:
    first = await approve_a_plan(world)
    cycle = (await world.gateway.get("/cycles/current", headers=VIEWER)).json()
    following = (await world.post_versioned(cycle["id"], "/close", PROCESS_OWNER)).json()["opened"]
    second = await world.walk_to_pre_sop(following)
    for item in second["items"]:
        await world.decide(following["id"], item, {"option_index": 0, "rationale": "r"}, EXECUTIVE)
    approved = await world.post_versioned(following["id"], "/approve", EXECUTIVE)
    assert approved.status_code == 200, approved.text
    with Session(world.engine) as session:
        superseded = session.get(ConsensusPlan, first["id"])
        assert superseded is not None and superseded.status == ConsensusStatus.superseded
    for edit in edits(first["id"]).values():
        with Session(world.engine) as session:
            edit(session)
            with pytest.raises(GateClosed, match="superseded"):
                session.flush()
            session.rollback()


async def test_an_endpoint_writing_to_an_approved_plan_answers_409(world: World) -> None:
    """Whatever gateway route tries it (here one made for the test) gets the problem."""
    plan = await approve_a_plan(world)
    app = FastAPI()
    install_problem_handlers(app)
    app.state.engine = world.engine

    @app.patch("/plans/{plan_id}/objective")
    def change_objective(plan_id: int, session: SessionDep) -> dict[str, str]:
        row = session.get(ConsensusPlan, plan_id)
        assert row is not None
        row.objective = "min_cost"
        session.add(row)
        session.flush()
        return {"objective": row.objective}

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway"
    ) as client:
        assert_gate(await client.patch(f"/plans/{plan['id']}/objective"), "approved-plan-immutable")
    with Session(world.engine) as session:
        stored = session.get(ConsensusPlan, plan["id"])
        assert stored is not None and stored.objective == "max_margin"


def _rewrite(decision: Decision, session: Session) -> None:
    decision.rationale = "rewritten"
    session.add(decision)


def _erase(decision: Decision, session: Session) -> None:
    session.delete(decision)


async def test_a_decision_is_a_record(world: World) -> None:
    plan = await approve_a_plan(world)
    for edit in (_rewrite, _erase):
        with Session(world.engine) as session:
            decision = session.exec(
                select(Decision).where(col(Decision.plan_id) == plan["id"])
            ).first()
            assert decision is not None
            edit(decision, session)
            with pytest.raises(GateClosed) as refused:
                session.flush()
            assert refused.value.gate == "decision-recorded"


async def test_approval_freezes_the_plans_money(world: World) -> None:
    """The rates the plan's money is at are frozen with it when it is approved."""
    cycle = await world.open_cycle()
    plan = await world.walk_to_pre_sop(cycle)
    with Session(world.engine) as session:
        assert consensus.frozen_rates(session, plan_id=plan["id"]) is None
    for item in plan["items"]:
        decided = await world.decide(
            cycle["id"], item, {"option_index": 0, "rationale": "r"}, EXECUTIVE
        )
        assert decided.status_code == 201
    approved = await world.post_versioned(cycle["id"], "/approve", EXECUTIVE)
    assert approved.status_code == 200, approved.text
    with Session(world.engine) as session:
        assert consensus.frozen_rates(session, plan_id=plan["id"]) is not None
