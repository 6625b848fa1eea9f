"""A supply plan checked against capacity, worked by hand.

ASSY: 400 regular + 50 overtime hours in 2026-01 and 2026-02, nothing recorded for 2026-03.
FAM-A takes 2 h of ASSY per unit, FAM-B 1 h; FAM-C has no routing. FAM-A starts with 50 units
and its subcontractor supplies at most 20 a month; FAM-B starts with none and cannot be
outsourced.

2026-01: ASSY 2*100 + 150 = 350 h, within regular hours.
2026-02: ASSY 2*180 + 120 = 480 h: 50 h of overtime needed and 30 h beyond it (overload),
         overtime needed 37.5 h for FAM-A + 12.5 h for FAM-B = 50 h, the lines plan 30 h
         (20 h short); FAM-A outsources 30 (> 20); FAM-B ends with 200 units when only
         0 + 120 were available.
2026-03: FAM-B's 10 units load ASSY in a month without capacity.
FAM-C's 5 units in 2026-01 cannot be checked: no routing.
"""

from fastapi.testclient import TestClient

from shared.auth import Role
from tests.demand.builders import current
from tests.demand.test_families import assert_problem
from tests.tokens import bearer

PLAN = {"name": "Operations proposal", "horizon_start": "2026-01", "horizon_months": 3}


def line(family: str, period: str, production: float, **fields: float) -> dict:
    return {"family_code": family, "period": period, "production": production, **fields}


LINES = [
    line("FAM-A", "2026-01", 100, outsourced=10, ending_inventory=40),
    line("FAM-B", "2026-01", 150),
    line("FAM-C", "2026-01", 5),
    line("FAM-A", "2026-02", 180, outsourced=30, overtime_hours=30),
    line("FAM-B", "2026-02", 120, ending_inventory=200),
    line("FAM-A", "2026-03", 0),
    line("FAM-B", "2026-03", 10),
]


def test_validation_names_every_infeasible_line(supply: TestClient) -> None:
    plan_id = supply.post("/supply-plans", json={**PLAN, "lines": LINES}).json()["id"]
    response = supply.post(f"/supply-plans/{plan_id}/validate")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["feasible"] is False
    infeasible = {
        (x["family_code"], x["period"]): set(x["kinds"]) for x in result["infeasible_lines"]
    }
    assert infeasible == {
        ("FAM-A", "2026-02"): {"overload", "overtime_short", "outsourcing_limit"},
        ("FAM-B", "2026-02"): {"overload", "overtime_short", "inventory_balance"},
        ("FAM-B", "2026-03"): {"capacity_gap"},
        ("FAM-C", "2026-01"): {"unrouted"},
    }
    amounts = {(i["kind"], i["family_code"], i["period"]): i["amount"] for i in result["issues"]}
    assert amounts[("overload", "FAM-A", "2026-02")] == 30
    assert amounts[("overtime_short", "FAM-B", "2026-02")] == 20
    assert amounts[("outsourcing_limit", "FAM-A", "2026-02")] == 10
    assert amounts[("inventory_balance", "FAM-B", "2026-02")] == 80
    assert amounts[("capacity_gap", "FAM-B", "2026-03")] == 10
    fields = {(i["kind"], i["field"]) for i in result["issues"]}
    assert ("outsourcing_limit", "outsourced") in fields
    assert ("inventory_balance", "ending_inventory") in fields
    february = next(r for r in result["capacity"]["rows"] if r["period"] == "2026-02")
    assert (february["load_hours"], february["status"]) == (480, "overload")


def test_a_revised_plan_within_capacity_is_feasible(supply: TestClient) -> None:
    plan_id = supply.post("/supply-plans", json={**PLAN, "lines": LINES}).json()["id"]
    proposed = supply.post(
        f"/supply-plans/{plan_id}/propose", headers=current(supply, f"/supply-plans/{plan_id}")
    )
    assert proposed.status_code == 200, proposed.text
    revision = supply.post(f"/supply-plans/{plan_id}/revise").json()
    fixes = [
        # 2*150 + 120 = 420 h: 20 h of overtime, 30 planned.
        line("FAM-A", "2026-02", 150, outsourced=20, overtime_hours=30),
        line("FAM-B", "2026-02", 120, ending_inventory=100),
        line("FAM-B", "2026-03", 0),
        line("FAM-C", "2026-01", 0),
    ]
    fixed = supply.put(
        f"/supply-plans/{revision['id']}/lines",
        json=fixes,
        headers=current(supply, f"/supply-plans/{revision['id']}"),
    )
    assert fixed.json()["updated"] == 4
    result = supply.post(f"/supply-plans/{revision['id']}/validate").json()
    assert (result["feasible"], result["issues"], result["version"]) == (True, [], 2)
    # The proposed version is unchanged and still infeasible.
    assert supply.post(f"/supply-plans/{plan_id}/validate").json()["feasible"] is False


def test_kpis_give_utilisation_and_units_based_turns(supply: TestClient) -> None:
    merged = supply.patch(
        "/inventory-policies", json=[{"family_code": "FAM-A", "initial_on_hand": 100}]
    )
    assert merged.json()["updated"] == 1, merged.text
    lines = [
        line("FAM-A", "2026-01", 100, ending_inventory=50),
        line("FAM-A", "2026-02", 100, ending_inventory=150),
        line("FAM-B", "2026-01", 10),
    ]
    plan_id = supply.post("/supply-plans", json={**PLAN, "lines": lines}).json()["id"]
    kpis = supply.get(f"/supply-plans/{plan_id}/kpis").json()
    utilisation = {(r["period"]): r["utilisation"] for r in kpis["capacity"]["rows"]}
    assert utilisation == {"2026-01": (200 + 10) / 400, "2026-02": 0.5}
    turns = {t["family_code"]: t for t in kpis["inventory_turns"]}
    # FAM-A ships 100+100-50 = 150 in January and 50+100-150 = 0 in February: 900 a year;
    # average inventory ((100+50)/2 + (50+150)/2) / 2 = 87.5.
    assert turns["FAM-A"]["shipped_units"] == 150
    assert turns["FAM-A"]["average_inventory"] == 87.5
    assert turns["FAM-A"]["turns"] == round(900 / 87.5, 6)
    assert turns["FAM-B"]["turns"] is None  # nothing held: turns undefined
    total = kpis["total_inventory_turns"]
    assert (total["shipped_units"], total["turns"]) == (160, round(160 * 6 / 87.5, 6))


def test_validate_and_kpis_of_unknown_plans(supply: TestClient) -> None:
    assert supply.post("/supply-plans/404/validate").status_code == 404
    assert supply.get("/supply-plans/404/kpis").status_code == 404
    assert_problem(supply.get("/supply-plans/abc/kpis"), 422, "plan_id")


def test_any_role_may_validate_operations_plan_but_not_change_it(supply: TestClient) -> None:
    """Validation computes and writes nothing: the process owner checks operations' plan
    before pre-S&OP; proposing it stays the supply planner's."""
    created = supply.post("/supply-plans", json={**PLAN, "lines": LINES})
    plan_id = created.json()["id"]
    for role in (Role.process_owner, Role.executive_sponsor, Role.viewer):
        checked = supply.post(f"/supply-plans/{plan_id}/validate", headers=bearer(role))
        assert checked.status_code == 200, (role, checked.text)
    refused = supply.post(
        f"/supply-plans/{plan_id}/propose",
        headers={**bearer(Role.process_owner), "If-Match": created.headers["ETag"]},
    )
    assert refused.status_code == 403
    assert supply.post(f"/supply-plans/{plan_id}/validate").status_code == 200
    assert (
        supply.post(f"/supply-plans/{plan_id}/validate", headers={"Authorization": ""}).status_code
        == 401
    )
