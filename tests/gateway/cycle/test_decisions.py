"""Decisions become the authorised plan, over the whole platform (real reconcile and solves).

The company of ``tests.gateway.company`` with 2 families and 30 regular hours a month taken
off ASSY-1: 110 regular + 10 overtime hours for 140 units of demand a month (1 hour a unit),
so 20 units a month go unserved. KEY (priority 1, backlog) is served first; RETAIL (lost,
target 90 %) takes the cut: 20 of its 40 units a month, 50 %, an escalation item whose
options include more overtime on ASSY-1.
"""

from typing import Any

import pytest
from sqlmodel import Session

from gateway.cycle.decisions import with_decisions
from gateway.cycle.rules import effective
from gateway.plans.service import problem_of
from gateway.solver.changes import ChangeList
from gateway.solver.model import solve
from shared.auth import Role
from shared.db import create_db_engine
from tests.gateway.company import START, Company
from tests.gateway.conftest import Platform
from tests.gateway.steps import reconcile
from tests.tokens import bearer

EXECUTIVE = bearer(Role.executive_sponsor, subject="eve")
PROCESS_OWNER = bearer(Role.process_owner, subject="olivia")
DEMAND_PLANNER = bearer(Role.demand_planner, subject="dana")
SUPPLY_PLANNER = bearer(Role.supply_planner, subject="sam")

pytestmark = pytest.mark.anyio


def versioned(headers: dict[str, str], version: int) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


class Executive:
    """A cycle at its executive step, over the platform."""

    def __init__(self, platform: Platform, cycle: dict[str, Any], plan: dict[str, Any]):
        self.platform, self.cycle, self.plan = platform, cycle, plan
        self.id = cycle["id"]
        self.version = cycle["version"]

    @classmethod
    async def reach(cls, platform: Platform, *, hours_short: float = 30.0) -> "Executive":
        demand_plan_id = await Company(families=2, hours_short=hours_short).load(
            demand=platform.demand, supply=platform.supply, finance=platform.finance
        )
        plan = await reconcile(platform)
        gateway = platform.gateway
        opened = await gateway.post(
            "/cycles",
            json={"period": "2025-12", "horizon_start": START, "horizon_months": 12},
            headers=PROCESS_OWNER,
        )
        assert opened.status_code == 201, opened.text
        cycle = opened.json()
        for step, who, body in (
            ("data_gathering", PROCESS_OWNER, {"data_quality_report": "dq"}),
            ("demand_review", DEMAND_PLANNER, {"demand_plan_id": demand_plan_id}),
            ("supply_review", SUPPLY_PLANNER, {}),
            ("pre_sop", PROCESS_OWNER, {"consensus_plan_id": plan["id"]}),
        ):
            done = await gateway.post(
                f"/cycles/{cycle['id']}/steps/{step}/complete",
                json=body,
                headers=versioned(who, cycle["version"]),
            )
            assert done.status_code == 200, done.text
            cycle = done.json()
        return cls(platform, cycle, plan)

    def item(self, kind: str, segment: str | None = None) -> dict[str, Any]:
        return next(
            item
            for item in self.plan["escalations"]
            if item["kind"] == kind and segment in (None, item["segment_code"])
        )

    async def post(self, path: str, who: dict[str, str], body: Any = None) -> Any:
        answer = await self.platform.gateway.post(
            f"/cycles/{self.id}{path}", json=body, headers=versioned(who, self.version)
        )
        if "ETag" in answer.headers:
            self.version = int(answer.headers["ETag"].strip('"'))
        return answer

    async def decide_all(self, chosen: dict[int, int], who: dict[str, str] = EXECUTIVE) -> Any:
        """Every item: the option chosen for it, else accepted (option 0)."""
        return await self.post(
            "/decisions",
            who,
            {
                "decisions": [
                    {
                        "escalation_id": item["id"],
                        "option_index": chosen.get(item["id"], 0),
                        "rationale": f"decided {item['title']}",
                    }
                    for item in self.plan["escalations"]
                ]
            },
        )


def fill(plan: dict[str, Any], segment: str) -> float:
    return float(next(s["fill_rate"] for s in plan["segments"] if s["segment"] == segment))


def option_index(item: dict[str, Any], lever: str) -> int:
    return next(i for i, option in enumerate(item["options"]) if option["lever"] == lever)


async def test_the_chosen_overtime_is_the_approved_plan(platform: Platform) -> None:
    cycle = await Executive.reach(platform)
    retail = cycle.item("service_below_target", "RETAIL")
    assert fill(cycle.plan, "RETAIL") == pytest.approx(0.5, abs=1e-6)
    overtime = option_index(retail, "overtime")
    option = retail["options"][overtime]
    assert option["changes"] and {c["kind"] for c in option["changes"]} == {"overtime"}
    promised = fill(cycle.plan, "RETAIL") + option["fill_rate_delta"]["RETAIL"]

    # Approval before the authorised plan applies the decision is refused.
    decided = await cycle.decide_all({retail["id"]: overtime})
    assert decided.status_code == 201, decided.text
    assert len(decided.json()) == len(cycle.plan["escalations"])
    refused = await cycle.post("/approve", EXECUTIVE)
    assert refused.status_code == 409 and refused.json()["extra"]["gate"] == "plan-authorised"

    authorised = await cycle.post("/authorise", EXECUTIVE)
    assert authorised.status_code == 201, authorised.text
    body = authorised.json()
    assert body["plan"]["status"] == "authorised"
    assert body["decision_ids"] == [d["id"] for d in decided.json()]
    service = {row["segment"]: row["fill_rate"] for row in body["diff"]["service"]}
    assert service["RETAIL"]["b"] == pytest.approx(promised, abs=0.001)
    load = {row["resource"]: row for row in body["diff"]["resources"]}
    assert load["ASSY-1"]["overtime"]["delta"] > 0
    diff = await platform.gateway.get(f"/cycles/{cycle.id}/authorised-diff")
    assert diff.status_code == 200 and diff.json() == body["diff"]

    approved = await cycle.post("/approve", EXECUTIVE)
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_plan_id"] == body["plan_id"]
    current = await platform.gateway.get("/cycles/current-plan")
    assert current.json()["id"] == body["plan_id"]
    assert fill(current.json(), "RETAIL") == pytest.approx(promised, abs=0.001)


async def test_every_option_decided_is_a_cold_solve_with_the_decisions(
    platform: Platform, database_url: str
) -> None:
    cycle = await Executive.reach(platform)
    chosen = {item["id"]: item["recommended_option"] or 0 for item in cycle.plan["escalations"]}
    retail = cycle.item("service_below_target", "RETAIL")
    chosen[retail["id"]] = option_index(retail, "overtime")
    decided = await cycle.decide_all(chosen)
    assert decided.status_code == 201, decided.text
    authorised = await cycle.post("/authorise", EXECUTIVE)
    assert authorised.status_code == 201, authorised.text
    plan_id = authorised.json()["plan_id"]

    engine = create_db_engine(database_url)
    with Session(engine) as session:
        problem = problem_of(session, plan_id=cycle.plan["id"])
    assert problem is not None
    changes = [
        effective(ChangeList.model_validate({"changes": d["changes"]}).changes)
        for d in decided.json()
    ]
    cold = solve(with_decisions(problem, changes))
    stored = (await platform.gateway.get(f"/consensus-plans/{plan_id}")).json()
    assert stored["totals"]["margin"] == pytest.approx(cold.totals.margin, abs=0.01)
    assert {s["segment"]: s["fill_rate"] for s in stored["segments"]} == pytest.approx(
        {s.segment: s.fill_rate for s in cold.segments}, abs=1e-6
    )
