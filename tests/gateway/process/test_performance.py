"""Process performance and the reviews' agendas through the API, on the two cycles of
``builders`` (timeline worked by hand there) and plans reconciled from the small company."""

from typing import Any

import pytest

from tests.gateway.conftest import Platform
from tests.gateway.execution.builders import (
    demand_plan_with_key_moved_to_f02,
    load_january_actuals,
)
from tests.gateway.process.builders import AS_OF, approve, two_cycles
from tests.gateway.steps import get_json, load, reconcile

pytestmark = pytest.mark.anyio


async def company_in_two_cycles(
    platform: Platform, *, decided: tuple[str, ...] = ("2026-01", "2026-02")
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Plan 1 reconciles the company (F01 and F02 make 70 a month) and is approved; plan 2
    the demand plan where 10 KEY units move from F01 to F02, with January released from the
    time fence for both families (February stays held at 70 each)."""
    await load(platform)
    plan_1 = await reconcile(platform)
    assert platform.engine is not None
    approve(platform.engine, plan_1["id"])
    plan_2 = await reconcile(
        platform,
        demand_plan_id=await demand_plan_with_key_moved_to_f02(platform),
        fence_overrides=[
            {"family_code": "F01", "period": "2026-01", "reason": "tender lost: make 60"},
            {"family_code": "F02", "period": "2026-01", "reason": "tender won: make 80"},
        ],
    )
    two_cycles(platform.engine, plan_1=plan_1, plan_2=plan_2, decided=decided)
    return plan_1, plan_2


def rate(on_time: int, late: int) -> float:
    return on_time / (on_time + late)


async def test_the_coordinator_sees_each_cycle_and_the_cycles_together(
    platform: Platform,
) -> None:
    plan_1, plan_2 = await company_in_two_cycles(platform)
    report = await get_json(platform, "/process/performance", as_of=AS_OF.isoformat())
    first, second = report["cycles"]
    assert (first["period"], second["period"]) == ("2026-01", "2026-02")

    # Steps: 2026-01 three on time, two late (demand review, pre-S&OP, 2 days each).
    assert first["steps"] == {
        "total": 5,
        "on_time": 3,
        "late": 2,
        "pending": 0,
        "on_time_rate": 0.6,
    }
    assert [(s["step"], s["days_late"]) for s in first["late_steps"]] == [
        ("demand_review", 2),
        ("pre_sop", 2),
    ]
    # 2026-02 on 02-16: two on time, supply review a day late and not done, two pending.
    assert second["steps"] == {
        "total": 5,
        "on_time": 2,
        "late": 1,
        "pending": 2,
        "on_time_rate": pytest.approx(2 / 3),
    }
    assert [(s["step"], s["status"], s["days_late"]) for s in second["late_steps"]] == [
        ("supply_review", "late", 1)
    ]
    # Per role over both cycles: the process owner 2 on time (data gathering twice), 1 late
    # (pre-S&OP 01), 1 pending (pre-S&OP 02); the demand planner 1 of 2; the supply planner
    # 1 of 2; the executive 1 of 1, one pending.
    inputs = {row["role"]: row["steps"] for row in report["over_cycles"]["inputs"]}
    assert {role: (s["on_time"], s["late"], s["pending"]) for role, s in inputs.items()} == {
        "demand_planner": (1, 1, 0),
        "executive_sponsor": (1, 0, 1),
        "process_owner": (2, 1, 1),
        "supply_planner": (1, 1, 0),
    }
    assert inputs["process_owner"]["on_time_rate"] == pytest.approx(rate(2, 1))
    assert report["over_cycles"]["steps"]["on_time_rate"] == pytest.approx(rate(5, 3))

    # Decision latency: plan 1 stored 01-18 09:00, its item decided 01-21 21:00 (3.5 days);
    # plan 2 stored 02-14 09:00, its first item decided 02-15 09:00 (1 day).
    assert first["decision_latency"] == {
        "decisions": 1,
        "mean_days": pytest.approx(3.5),
        "max_days": pytest.approx(3.5),
        "undecided": len(plan_1["escalations"]) - 1,
    }
    assert second["decision_latency"]["mean_days"] == pytest.approx(1.0)
    assert second["decision_latency"]["undecided"] == len(plan_2["escalations"]) - 1
    assert report["over_cycles"]["decision_latency"] == {
        "decisions": 2,
        "mean_days": pytest.approx((3.5 + 1) / 2),
        "max_days": pytest.approx(3.5),
        "undecided": len(plan_1["escalations"]) + len(plan_2["escalations"]) - 2,
    }

    # Fence: plan 2 released January for F01 and F02, both held at plan 1's 70. It makes 60
    # of F01 and 90 of F02 there (140 regular hours + the 10 overtime: F02's January 80 and
    # 10 ahead for February, whose held 70 is short of its 80): |60 - 70| + |90 - 70| = 30.
    production = {
        (line["family_code"], line["period"]): line["production"] for line in plan_2["family_lines"]
    }
    assert production[("F01", "2026-02")] == production[("F02", "2026-02")] == pytest.approx(70)
    changes = {change["family_code"]: change for change in second["fence"]["changes"]}
    assert {code: change["fenced_period"] for code, change in changes.items()} == {
        "F01": "2026-01",
        "F02": "2026-01",
    }
    assert changes["F01"]["reason"] == "tender lost: make 60"
    assert changes["F01"]["held_production"] == changes["F02"]["held_production"] == 70
    assert changes["F01"]["planned_production"] == pytest.approx(60)
    assert changes["F02"]["planned_production"] == pytest.approx(90)
    assert second["fence"]["units_moved"] == pytest.approx(30)
    assert first["fence"] == {"releases": 0, "units_moved": 0, "changes": []}
    assert report["over_cycles"]["fence"]["releases"] == 2

    # Action items: 2026-01 one on time, one late, one pending; 2026-02 one late.
    assert first["action_items"] == {
        "total": 3,
        "on_time": 1,
        "late": 1,
        "pending": 1,
        "on_time_rate": 0.5,
    }
    assert second["action_items"]["on_time_rate"] == 0
    assert report["over_cycles"]["action_items"]["on_time_rate"] == pytest.approx(rate(1, 2))

    data: Any = await platform.graphql(
        "query($asOf: Date) { processPerformance(asOf: $asOf) { overCycles { "
        "steps { onTime late pending onTimeRate } decisionLatency { meanDays } "
        "fence { unitsMoved } inputs { role steps { onTimeRate } } } } }",
        asOf=AS_OF.isoformat(),
    )
    over = data["processPerformance"]["overCycles"]
    assert over["steps"]["onTimeRate"] == pytest.approx(rate(5, 3))
    assert over["decisionLatency"]["meanDays"] == pytest.approx(2.25)
    assert over["fence"]["unitsMoved"] == pytest.approx(30)

    only_second = await get_json(
        platform, "/process/performance", as_of=AS_OF.isoformat(), period_from="2026-02"
    )
    assert [cycle["period"] for cycle in only_second["cycles"]] == ["2026-02"]
    assert only_second["over_cycles"]["steps"] == second["steps"]


async def test_each_review_gets_its_items_decisions_owners_and_the_execution_headline(
    platform: Platform,
) -> None:
    _, plan_2 = await company_in_two_cycles(platform, decided=("2026-01",))
    cycle = await get_json(platform, "/cycles/current")
    before = await platform.gateway.get(
        f"/cycles/{cycle['id']}/agendas", params={"meeting": "pre_sop"}
    )
    (no_actuals,) = before.json()
    assert no_actuals["kpis"]["production"] is None
    assert no_actuals["kpis"]["margin_variance"] is None
    assert no_actuals["kpis"]["notes"] == [
        "adherence: no supply actuals of 2026-01 against an approved plan",
        "variance: no revenue actuals of 2026-01 against an approved plan",
    ]
    await load_january_actuals(platform)
    response = await platform.gateway.get(f"/cycles/{cycle['id']}/agendas")
    assert response.status_code == 200, response.text
    agendas = {agenda["meeting"]: agenda for agenda in response.json()}
    assert list(agendas) == ["demand_review", "supply_review", "pre_sop", "executive_sop"]

    # Open action items go to the review of their owner's role: #4 (sales) to the demand
    # review, #3 (operations) to the supply review; #1 and #2 are done.
    def actions(meeting: str) -> list[str]:
        return [
            item["title"]
            for item in agendas[meeting]["open_items"]
            if item["source"] == "action_item"
        ]

    assert actions("demand_review") == ["Action 4"]
    assert actions("supply_review") == ["Action 3"]
    assert actions("pre_sop") == actions("executive_sop") == []
    # Plan 2's items, undecided: overloads and stock breaches to the supply review, service
    # and AOP gaps to pre-S&OP; the executive decides every one.
    undecided = plan_2["escalations"]
    assert undecided
    kinds = {
        "resource_overload": "supply_review",
        "safety_stock_breach": "supply_review",
        "service_below_target": "pre_sop",
        "aop_gap": "pre_sop",
        "forecast_bias": "demand_review",
    }
    for item in undecided:
        routed = kinds.get(item["kind"], "executive_sop")
        assert item["id"] in [i["id"] for i in agendas[routed]["decisions_needed"]]
    assert sorted(i["id"] for i in agendas["executive_sop"]["decisions_needed"]) == sorted(
        item["id"] for item in undecided
    )
    supply = agendas["supply_review"]
    assert supply["owner_role"] == "supply_planner"
    assert supply["due_date"] == "2026-02-15"
    assert supply["attendees"]["supply_planner"] == "RA"
    assert supply["attendees"]["operations"] == "R"
    assert "viewer" not in supply["attendees"]
    assert {"role": "operations", "user": None, "items": 1} in supply["owners"]
    assert supply["deviations"] == []

    # The headline: January against plan 1 (F01 and F02 make 70 each, nothing in stock).
    kpis = supply["kpis"]
    assert kpis["month"] == "2026-01"
    # F01 made 66, F02 72: 1 - (4 + 2) / 140.
    assert kpis["production"]["adherence"] == pytest.approx(1 - 6 / 140)
    assert kpis["inventory"]["gap"] == pytest.approx(6)
    service = {row["segment_code"]: row for row in kpis["service"]}
    assert service["KEY"]["attained"] == pytest.approx(99 / 106)
    assert service["KEY"]["meets_target"] is False
    assert service["RETAIL"]["attained"] == pytest.approx(38 / 40)
    # Plan 1's January margin: 140 units at 100 - 40 = 8,400; actual 13,088 - 5,544.
    variance = kpis["margin_variance"]
    assert variance["plan_margin"] == pytest.approx(8_400)
    assert variance["actual_margin"] == pytest.approx(13_088 - 5_544)
    assert kpis["plan_totals"]["margin"] == pytest.approx(plan_2["totals"]["margin"])
    assert kpis["notes"] == []

    one = await platform.gateway.get(
        f"/cycles/{cycle['id']}/agendas", params={"meeting": "pre_sop"}
    )
    assert [agenda["meeting"] for agenda in one.json()] == ["pre_sop"]
    unknown = await platform.gateway.get(
        f"/cycles/{cycle['id']}/agendas", params={"meeting": "lunch"}
    )
    assert unknown.status_code == 422
    missing = await platform.gateway.get("/cycles/999/agendas")
    assert missing.status_code == 404

    data: Any = await platform.graphql(
        "query($id: Int!) { cycleAgendas(cycleId: $id, meeting: supply_review) { meeting "
        "attendees { role letters } openItems { title ownerRole } "
        "kpis { production { adherence } planTotals { margin } } } }",
        id=cycle["id"],
    )
    (graphed,) = data["cycleAgendas"]
    assert {"role": "operations", "letters": "R"} in graphed["attendees"]
    assert {"title": "Action 3", "ownerRole": "operations"} in graphed["openItems"]
    assert graphed["kpis"]["production"]["adherence"] == pytest.approx(1 - 6 / 140)
    assert graphed["kpis"]["planTotals"]["margin"] == pytest.approx(plan_2["totals"]["margin"])
