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
from shared.db import create_db_engine
from tests.gateway.company import START, Step
from tests.gateway.conftest import Platform
from tests.gateway.meeting import (
    EXECUTIVE,
    PROCESS_OWNER,
    SUPPLY_PLANNER,
    Meeting,
    fill,
    option_index,
    small_company_meeting,
)

pytestmark = pytest.mark.anyio


async def test_the_chosen_overtime_is_the_approved_plan(platform: Platform) -> None:
    cycle = await small_company_meeting(platform)
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


async def test_the_authorised_plan_is_the_cold_solve_with_the_decisions_reached_warm(
    platform: Platform, database_url: str
) -> None:
    cycle = await small_company_meeting(platform)
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
    # The reconcile left the recommended problem's warm model held under the stored problem's
    # key (the gathered and the stored problem serialise alike): authorising re-solves it in
    # place from its basis, to the same objective as the cold solve; and again.
    assert any(n.startswith("warm solve:") for n in stored["stats"]["notes"]), stored["stats"]
    again = await cycle.post("/authorise", EXECUTIVE)
    assert again.status_code == 201, again.text
    warm = (await platform.gateway.get(f"/consensus-plans/{again.json()['plan_id']}")).json()
    assert any(n.startswith("warm solve:") for n in warm["stats"]["notes"]), warm["stats"]
    assert warm["stats"]["objective_value"] == pytest.approx(cold.stats.objective_value, rel=1e-7)


async def test_a_bulk_decision_is_all_or_nothing_and_audited_per_item(platform: Platform) -> None:
    cycle = await small_company_meeting(platform)
    items = cycle.plan["escalations"]
    bad = await cycle.post(
        "/decisions",
        EXECUTIVE,
        {
            "decisions": [
                {"escalation_id": items[0]["id"], "option_index": 0, "rationale": "fine"},
                {"escalation_id": items[1]["id"], "option_index": 99, "rationale": "no such"},
            ]
        },
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == (
        "body.decisions.1.option_index"
    )
    assert (await platform.gateway.get(f"/cycles/{cycle.id}/decisions")).json() == []

    decided = await cycle.decide_all({})
    assert decided.status_code == 201, decided.text
    trail = (await platform.gateway.get("/audit", params={"user": "eve", "limit": 500})).json()[
        "items"
    ]
    audited = [e for e in trail if e["entity"] == "sop_decision" and e["action"] == "create"]
    assert len(audited) == len(items)
    # Every item accepted: nothing changes, the recommended plan is what approval publishes.
    approved = await cycle.post("/approve", EXECUTIVE)
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_plan_id"] == cycle.plan["id"]


async def test_decisions_pinning_one_quantity_two_ways_are_refused_naming_both(
    platform: Platform,
) -> None:
    cycle = await small_company_meeting(platform)
    retail = cycle.item("service_below_target", "RETAIL")
    overload = cycle.item("resource_overload")

    def override(item: dict[str, Any], hours: float) -> dict[str, Any]:
        change = {"kind": "overtime", "resource": "ASSY-1", "mode": "set", "value": hours}
        return {
            "escalation_id": item["id"],
            "override": f"overtime at {hours}",
            "changes": [change],
            "rationale": "r",
        }

    clash = await cycle.post(
        "/decisions", EXECUTIVE, {"decisions": [override(retail, 50), override(overload, 0)]}
    )
    assert clash.status_code == 409, clash.text
    assert clash.json()["extra"]["gate"] == "decisions-compatible"
    assert sorted(clash.json()["extra"]["conflicts"][0]["escalation_ids"]) == sorted(
        [retail["id"], overload["id"]]
    )
    unknown = await cycle.post(
        "/decisions",
        EXECUTIVE,
        {
            "decisions": [
                {
                    **override(retail, 5),
                    "changes": [{"kind": "overtime", "resource": "X", "value": 1}],
                }
            ]
        },
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.decisions.0.changes.0.resource"


async def test_decisions_no_plan_can_meet_together_are_named_by_the_re_solve(
    platform: Platform,
) -> None:
    """Minimum cost must serve all demand: with 100 more overtime hours (230 hours for 140
    units) it can; with ASSY-1's regular hours gone it cannot (110 hours) while either
    decision alone leaves a plan."""
    cycle = await small_company_meeting(platform)
    retail = cycle.item("service_below_target", "RETAIL")
    overload = cycle.item("resource_overload")
    changes = {
        retail["id"]: [
            {"kind": "objective", "objective": "min_cost"},
            {"kind": "overtime", "resource": "ASSY-1", "mode": "add", "value": 100},
        ],
        overload["id"]: [{"kind": "capacity", "resource": "ASSY-1", "value": -100}],
    }
    decided = await cycle.post(
        "/decisions",
        EXECUTIVE,
        {
            "decisions": [
                {
                    "escalation_id": item["id"],
                    "override": "ours",
                    "changes": changes.get(item["id"], []),
                    "rationale": "r",
                }
                for item in cycle.plan["escalations"]
            ]
        },
    )
    assert decided.status_code == 201, decided.text
    refused = await cycle.post("/authorise", EXECUTIVE)
    assert refused.status_code == 409, refused.text
    assert refused.json()["extra"]["gate"] == "decisions-feasible"
    named = refused.json()["extra"]["conflicts"][0]["escalation_ids"]
    assert sorted(named) == sorted([retail["id"], overload["id"]])


async def test_delegated_roles_close_what_is_within_their_authority(platform: Platform) -> None:
    """Accepting the medium overload (no money moves) is the supply planner's to close; the
    high RETAIL shortfall is the executive's; an override is the executive's alone."""
    cycle = await small_company_meeting(platform)
    retail = cycle.item("service_below_target", "RETAIL")
    overload = cycle.item("resource_overload")
    assert overload["severity"] in {"low", "medium"} and retail["severity"] in {"high", "critical"}
    accept = {"option_index": 0, "rationale": "within my authority"}
    beyond = await cycle.post(f"/escalations/{retail['id']}/decision", SUPPLY_PLANNER, accept)
    assert beyond.status_code == 403, beyond.text
    own = await cycle.post(
        f"/escalations/{overload['id']}/decision",
        SUPPLY_PLANNER,
        {"override": "mine", "rationale": "r"},
    )
    assert own.status_code == 403, own.text
    closed = await cycle.post(f"/escalations/{overload['id']}/decision", SUPPLY_PLANNER, accept)
    assert closed.status_code == 201, closed.text
    assert closed.json()["decided_as"] == "supply_planner"
    by_owner = await cycle.post(f"/escalations/{retail['id']}/decision", PROCESS_OWNER, accept)
    assert by_owner.status_code == 403
    executive = await cycle.post(f"/escalations/{retail['id']}/decision", EXECUTIVE, accept)
    assert executive.status_code == 201 and executive.json()["decided_as"] == "executive_sponsor"


# ASSY-1's second shift: 20 more regular hours a month at once, for 5,000 (finance's
# expansion_step cost). It would serve RETAIL's 20 missing units a month, 60 over the three
# months, each worth at most 100 - 40 - 10 = 50 of margin and 10 of lost-sale penalty:
# 60 x 60 = 3,600 < 5,000, so the recommended plan leaves the step and the RETAIL item
# offers it as an option.
SHIFT = Step(code="ASSY-1-SHIFT2", extra_hours=20, lead_time_periods=0, fixed_cost=5_000)

CURRENT_MONEY = """
{
  currentPlan {
    id
    totals { margin revenue totalCost expansionCost }
    valuation { totals { margin leverCosts { expansionStep } } expansionSteps { code cost } }
  }
}
"""


async def approved_expansion(platform: Platform) -> tuple[Meeting, dict[str, Any]]:
    """The cycle whose executive takes the shift for RETAIL (every other item accepted),
    authorised and approved; the approved plan as ``/cycles/current-plan`` shows it."""
    cycle = await small_company_meeting(platform, steps=(SHIFT,))
    assert cycle.plan["expansion_levels"] == {SHIFT.code: 0.0}
    assert cycle.plan["totals"]["expansion_cost"] == 0
    retail = cycle.item("service_below_target", "RETAIL")
    expansion = option_index(retail, "expansion")
    assert retail["options"][expansion]["changes"] == [
        {"kind": "expansion", "code": SHIFT.code, "action": "commit", "lead_time_periods": None}
    ]
    decided = await cycle.decide_all({retail["id"]: expansion})
    assert decided.status_code == 201, decided.text
    authorised = await cycle.post("/authorise", EXECUTIVE)
    assert authorised.status_code == 201, authorised.text
    approved = await cycle.post("/approve", EXECUTIVE)
    assert approved.status_code == 200, approved.text
    current = await platform.gateway.get("/cycles/current-plan")
    assert current.status_code == 200, current.text
    plan: dict[str, Any] = current.json()
    assert plan["id"] == authorised.json()["plan_id"]
    return cycle, plan


async def test_an_authorised_expansion_is_in_the_plans_margin_and_finances_alike(
    platform: Platform,
) -> None:
    """The decided step is taken whole; its 5,000 is in the approved plan's margin and in
    finance's valuation of it, to the cent, over REST and GraphQL."""
    cycle, plan = await approved_expansion(platform)
    assert plan["expansion_levels"] == {SHIFT.code: 1.0}
    assert plan["expansions_started"] == {SHIFT.code: START}
    assert plan["totals"]["expansion_cost"] == SHIFT.fixed_cost
    # 20 more hours a month serve RETAIL in full: 140 units a month on 130 regular + 10
    # overtime hours.
    assert fill(plan, "RETAIL") == pytest.approx(1.0, abs=1e-6)
    recommended = cycle.plan["totals"]
    valuation = await cycle.platform.gateway.get(f"/consensus-plans/{plan['id']}/valuation")
    assert valuation.status_code == 200, valuation.text
    money = valuation.json()
    assert money["expansion_steps"] == [
        {"code": SHIFT.code, "period": START, "level": 1.0, "fixed_cost": 5000.0, "cost": 5000.0}
    ]
    assert money["totals"]["lever_costs"]["expansion_step"] == SHIFT.fixed_cost
    assert round(plan["totals"]["margin"], 2) == round(money["totals"]["margin"], 2)
    assert round(plan["totals"]["revenue"], 2) == round(recommended["revenue"] + 60 * 100, 2)
    # Revenue +6,000; cost of goods 20 x (40 + 40 + 45) = 2,500; regular hours: 20 x 3 x 10
    # = 600 more; the step 5,000: margin 6,000 - 2,500 - 600 - 5,000 = -2,100 against the
    # recommended plan (what the executive paid for RETAIL's service).
    assert plan["totals"]["margin"] == pytest.approx(recommended["margin"] - 2_100, abs=0.01)

    graph = await cycle.platform.graphql(CURRENT_MONEY)
    twin = graph["currentPlan"]
    assert isinstance(twin, dict) and twin["id"] == plan["id"]
    assert round(twin["totals"]["margin"], 2) == round(plan["totals"]["margin"], 2)
    assert round(twin["valuation"]["totals"]["margin"], 2) == round(plan["totals"]["margin"], 2)
    assert twin["totals"]["expansionCost"] == SHIFT.fixed_cost
    assert twin["valuation"]["totals"]["leverCosts"]["expansionStep"] == SHIFT.fixed_cost
    assert twin["valuation"]["expansionSteps"] == [{"code": SHIFT.code, "cost": 5000.0}]


async def test_a_later_expansion_cost_or_price_change_leaves_the_approved_money(
    platform: Platform,
) -> None:
    """Approval froze the step's cost with the prices: finance restating the step at 9,000
    and a price at 200 afterwards changes nothing of the approved plan's money."""
    _, plan = await approved_expansion(platform)
    path = f"/consensus-plans/{plan['id']}/valuation"
    before = (await platform.gateway.get(path)).json()
    costs = (await platform.finance.get("/lever-costs", params={"lever": "expansion_step"})).json()
    (step,) = [row for row in costs["items"] if row["code"] == SHIFT.code]
    changed = await platform.finance.patch(f"/lever-costs/{step['id']}", json={"cost": 9_000})
    assert changed.status_code == 200, changed.text
    prices = (await platform.finance.get("/prices", params={"limit": 1})).json()["items"]
    changed = await platform.finance.patch(f"/prices/{prices[0]['id']}", json={"price": 200})
    assert changed.status_code == 200, changed.text

    after = (await platform.gateway.get(path)).json()
    assert after["totals"] == before["totals"]
    assert after["expansion_steps"] == before["expansion_steps"]
    assert after["expansion_steps"][0]["fixed_cost"] == SHIFT.fixed_cost
    current = (await platform.gateway.get("/cycles/current-plan")).json()
    assert current["totals"] == plan["totals"]
    assert round(current["totals"]["margin"], 2) == round(after["totals"]["margin"], 2)
    # What finance says now of the same quantities does move: 4,000 more for the step.
    request = {
        "lines": [],
        "expansion_steps": [{"code": SHIFT.code, "period": START, "level": 1.0}],
    }
    now = (await platform.finance.post("/valuations", json=request)).json()
    assert now["totals"]["lever_costs"]["expansion_step"] == 9_000
