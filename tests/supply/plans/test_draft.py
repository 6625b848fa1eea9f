"""POST /supply-plans/draft, worked by hand.

ASSY: 400 regular + 50 overtime hours in 2026-01 and 2026-02. FAM-A takes 2 h a unit and
starts with 50 units (subcontractor: 20 a month), FAM-B 1 h and none. Demand: FAM-A 150,
200; FAM-B 100, 150.

Chase: FAM-A makes 100 then 200, FAM-B 100 then 150.
2026-01: 2 x 100 + 100 = 300 h, within regular hours.
2026-02: 2 x 200 + 150 = 550 h of a 450 h ceiling: each family gets 450 / 550 of its need,
         FAM-A floor(163.6) = 163 (326 h), FAM-B floor(122.7) = 122: 448 h used. FAM-A's
         37 left: 1 more in February (2 h left), 36 pre-built in January (72 h); FAM-B's 28
         pre-built in January: January 400 h, February 450 h (50 h of overtime, shared
         328 / 450 and 122 / 450: 36.45 h and 13.56 h, up to the cent).
Ending inventory: FAM-A 50 + 136 - 150 = 36, then 0; FAM-B 128 - 100 = 28, then 0.
"""

from fastapi.testclient import TestClient

DEMAND = [
    {"family_code": "FAM-A", "period": "2026-01", "quantity": 150},
    {"family_code": "FAM-A", "period": "2026-02", "quantity": 120, "segment_code": "KEY"},
    {"family_code": "FAM-A", "period": "2026-02", "quantity": 80, "segment_code": "SPOT"},
    {"family_code": "FAM-B", "period": "2026-01", "quantity": 100},
    {"family_code": "FAM-B", "period": "2026-02", "quantity": 150},
    {"family_code": "FAM-B", "period": "2026-03", "quantity": 999},  # beyond the horizon
]
DRAFT = {"demand_plan_id": 7, "horizon_start": "2026-01", "horizon_months": 2, "demand": DEMAND}


def test_chase_draft_is_feasible_and_worked_by_hand(supply: TestClient) -> None:
    response = supply.post("/supply-plans/draft", json={**DRAFT, "strategy": "chase"})
    assert response.status_code == 201, response.text
    plan = response.json()
    assert (plan["name"], plan["status"], plan["demand_plan_id"]) == (
        "chase plan for demand plan 7",
        "draft",
        7,
    )
    assert response.headers["ETag"]
    lines = supply.get(f"/supply-plans/{plan['id']}/lines").json()["items"]
    assert [
        (
            x["family_code"],
            x["period"],
            x["production"],
            x["outsourced"],
            x["overtime_hours"],
            x["ending_inventory"],
        )
        for x in lines
    ] == [
        ("FAM-A", "2026-01", 136, 0, 0, 36),
        ("FAM-A", "2026-02", 164, 0, 36.45, 0),
        ("FAM-B", "2026-01", 128, 0, 0, 28),
        ("FAM-B", "2026-02", 122, 0, 13.56, 0),
    ]
    assert lines[0]["reason"] == "chase demand and safety stock; pre-build 36 for 2026-02"
    assert supply.post(f"/supply-plans/{plan['id']}/validate").json()["feasible"] is True


def test_level_draft_holds_one_rate(supply: TestClient) -> None:
    """Level: FAM-A max(ceil(150 - 50), ceil((350 - 50) / 2)) = 150 a month, FAM-B
    max(100, ceil(250 / 2)) = 125. January 2 x 150 + 125 = 425 h, February the same (25 h
    of overtime each month)."""
    response = supply.post(
        "/supply-plans/draft", json={**DRAFT, "strategy": "level", "name": "Level"}
    )
    assert response.status_code == 201, response.text
    lines = supply.get(f"/supply-plans/{response.json()['id']}/lines").json()["items"]
    assert [(x["family_code"], x["production"], x["ending_inventory"]) for x in lines] == [
        ("FAM-A", 150, 50),
        ("FAM-A", 150, 0),
        ("FAM-B", 125, 25),
        ("FAM-B", 125, 0),
    ]
    assert supply.post(f"/supply-plans/{response.json()['id']}/validate").json()["feasible"]


def test_unknown_strategy_is_refused(supply: TestClient) -> None:
    response = supply.post("/supply-plans/draft", json={**DRAFT, "strategy": "hybrid"})
    assert response.status_code == 422
    assert "body.strategy" in response.text
