"""The demo's executive S&OP meeting closes the loop: the options decided are the plan
approved, in units and in money (issue 11's done-when, on the designed demo).

The demo's espresso peak overloads LYO-ESP; the reconcile serves KEY first and leaves DIST
well below its 92% target, an item whose options include more overtime on LYO-ESP. Each
test loads the demo afresh (about a minute) and reconciles it once.
"""

from typing import Any

import pytest
from sqlmodel import Session

from gateway.cycle.authorised import escalation_key
from gateway.cycle.decisions import with_decisions
from gateway.cycle.rules import effective
from gateway.plans.models import EscalationPublic
from gateway.plans.service import problem_of
from gateway.solver.changes import ChangeList
from gateway.solver.model import solve
from tests.gateway.meeting import EXECUTIVE, Meeting, fill, option_index
from tests.sop.demo.executive import demo_meeting, demo_platform

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

POINT = 0.001  # 0.1 fill-rate points


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def dist_overtime(meeting: Meeting) -> tuple[dict[str, Any], int]:
    item = meeting.item("service_below_target", "DIST")
    return item, option_index(item, "overtime")


async def test_the_demo_raises_a_dozen_items_each_with_options(database_url: str) -> None:
    async with demo_platform(database_url) as (platform, demand_plan_id):
        meeting = await demo_meeting(platform, demand_plan_id)
    items = meeting.plan["escalations"]
    assert len(items) <= 12, [item["title"] for item in items]
    assert all(len(item["options"]) >= 2 for item in items)
    # The margin below the AOP month after month is one item, its quarters inside.
    [aop] = [item for item in items if item["kind"] == "aop_gap"]
    assert aop["detail"].startswith("by quarter: ") and len(aop["periods"]) > 3


async def test_the_dist_overtime_decided_alone_is_the_approved_plan_in_units_and_money(
    database_url: str,
) -> None:
    async with demo_platform(database_url) as (platform, demand_plan_id):
        meeting = await demo_meeting(platform, demand_plan_id)
        item, overtime = dist_overtime(meeting)
        promised = fill(meeting.plan, "DIST") + item["options"][overtime]["fill_rate_delta"]["DIST"]
        assert promised > fill(meeting.plan, "DIST") + 0.05

        decided = await meeting.decide_all({item["id"]: overtime})
        assert decided.status_code == 201, decided.text
        authorised = await meeting.post("/authorise", EXECUTIVE)
        assert authorised.status_code == 201, authorised.text
        approved = await meeting.post("/approve", EXECUTIVE)
        assert approved.status_code == 200, approved.text
        assert approved.json()["approved_plan_id"] == authorised.json()["plan_id"]

        gateway = platform.gateway
        current = (await gateway.get("/cycles/current-plan")).json()
        assert current["id"] == authorised.json()["plan_id"]
        assert fill(current, "DIST") == pytest.approx(promised, abs=POINT)

        # One margin to the cent: the plan, its GraphQL twin and the finance valuation.
        graphed = await platform.graphql(
            "{ currentPlan { id totals { margin } valuation { totals { margin } } } }"
        )
        plan = graphed["currentPlan"]
        assert isinstance(plan, dict) and plan["id"] == current["id"]
        valuation = await gateway.get(f"/consensus-plans/{current['id']}/valuation")
        assert valuation.status_code == 200, valuation.text
        margins = {
            "REST plan": current["totals"]["margin"],
            "GraphQL plan": plan["totals"]["margin"],
            "REST valuation": valuation.json()["totals"]["margin"],
            "GraphQL valuation": plan["valuation"]["totals"]["margin"],
        }
        assert len({round(margin, 2) for margin in margins.values()}) == 1, margins


async def test_every_item_decided_is_a_cold_solve_and_its_new_items_are_shown_first(
    database_url: str,
) -> None:
    async with demo_platform(database_url) as (platform, demand_plan_id):
        meeting = await demo_meeting(platform, demand_plan_id)
        item, overtime = dist_overtime(meeting)
        chosen = {i["id"]: i["recommended_option"] or 0 for i in meeting.plan["escalations"]}
        chosen[item["id"]] = overtime
        decided = await meeting.decide_all(chosen)
        assert decided.status_code == 201, decided.text
        authorised = await meeting.post("/authorise", EXECUTIVE)
        assert authorised.status_code == 201, authorised.text
        plan_id = authorised.json()["plan_id"]
        stored = (await platform.gateway.get(f"/consensus-plans/{plan_id}")).json()

        # Every new item of the re-solve is in the authorisation, before approval.
        shown = await platform.gateway.get(f"/cycles/{meeting.id}/authorisation")
        assert shown.status_code == 200, shown.text
        known = {escalation_key_of(i) for i in meeting.plan["escalations"]}
        expected = [i["id"] for i in stored["escalations"] if escalation_key_of(i) not in known]
        # Protecting the safety stock and subcontracting leave one family short of it: new.
        assert expected, [i["title"] for i in stored["escalations"]]
        assert [i["id"] for i in shown.json()["new_escalations"]] == expected
        graphed = await platform.graphql(
            "query($id: Int!) { cycle(id: $id) { authorisation { newEscalations { id } } } }",
            id=meeting.id,
        )
        cycle = graphed["cycle"]
        assert isinstance(cycle, dict)
        assert [i["id"] for i in cycle["authorisation"]["newEscalations"]] == expected

        assert platform.engine is not None
        with Session(platform.engine) as session:
            problem = problem_of(session, plan_id=meeting.plan["id"])
        assert problem is not None
        changes = [
            effective(ChangeList.model_validate({"changes": d["changes"]}).changes)
            for d in decided.json()
        ]
        cold = solve(with_decisions(problem, changes))
        assert round(stored["totals"]["margin"], 2) == round(cold.totals.margin, 2)
        assert {s["segment"]: s["fill_rate"] for s in stored["segments"]} == pytest.approx(
            {s.segment: s.fill_rate for s in cold.segments}, abs=1e-6
        )


def escalation_key_of(item: dict[str, Any]) -> tuple[str, ...]:
    return escalation_key(EscalationPublic.model_validate(item))
