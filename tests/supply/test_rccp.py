"""Rough-cut capacity on a case worked by hand.

Bill of resources: FAM-A takes 2 h of ASSY and, one month ahead of completion, 1 h of PAINT;
FAM-B takes 1 h of ASSY and 0.5 h of PACK, a workforce-driven crew. FAM-X has no routing.

Demand (units): FAM-A 100 in 2026-01 and 180 in 2026-02; FAM-B 150 in 2026-01 (two segment
lines, 100 + 50) and 120 in 2026-02; FAM-X 10 in 2026-01.

ASSY  2026-01: 2*100 + 1*150 = 350 h of 400 regular          -> ok, 87.5 %
ASSY  2026-02: 2*180 + 1*120 = 480 h of 400 regular + 50 OT  -> overload by 30 h, 50 h of
               overtime needed, utilisation 120 %, 480/450 with overtime; FAM-A loads 360 h
               (75 %), FAM-B 120 h (25 %)
PAINT 2025-12: 1*100 (January's FAM-A) = 100 h of 150        -> ok, 66.7 %
PAINT 2026-01: 1*180 (February's FAM-A) = 180 h of 200       -> ok, 90 %
PACK  2026-01: 0.5*150 = 75 h of 2 workers x 100 h (+ 2 x 10 h overtime) -> ok, 37.5 %
PACK  2026-02: 0.5*120 = 60 h, no workforce recorded         -> gap of 60 h (the fixed
               capacity row it also has is ignored: the crew decides its hours)
"""

from fastapi.testclient import TestClient

from services.supply.rccp.service import SupplyData, compute_rccp
from shared.contracts.supply import (
    CapacityBase,
    DemandLineIn,
    ResourceBase,
    RoutingBase,
    WorkforceBase,
)
from tests.demand.test_families import assert_problem

RESOURCES = [
    {"code": "ASSY", "name": "Assembly"},
    {"code": "PAINT", "name": "Paint shop"},
    {"code": "PACK", "name": "Packing crew", "capacity_mode": "workforce"},
]
ROUTINGS = [
    {"family_code": "FAM-A", "resource_code": "ASSY", "hours_per_unit": 2.0},
    {
        "family_code": "FAM-A",
        "resource_code": "PAINT",
        "hours_per_unit": 1.0,
        "lead_time_offset": 1,
    },
    {"family_code": "FAM-B", "resource_code": "ASSY", "hours_per_unit": 1.0},
    {"family_code": "FAM-B", "resource_code": "PACK", "hours_per_unit": 0.5},
]
CAPACITY = [
    {"resource_code": "ASSY", "period": "2026-01", "regular_hours": 400, "max_overtime_hours": 50},
    {"resource_code": "ASSY", "period": "2026-02", "regular_hours": 400, "max_overtime_hours": 50},
    {"resource_code": "PAINT", "period": "2025-12", "regular_hours": 150},
    {"resource_code": "PAINT", "period": "2026-01", "regular_hours": 200},
    {"resource_code": "PACK", "period": "2026-02", "regular_hours": 1000},
]
WORKFORCE = [
    {
        "resource_code": "PACK",
        "period": "2026-01",
        "workers": 2,
        "hours_per_worker": 100,
        "overtime_hours_per_worker": 10,
    }
]
DEMAND = [
    {"family_code": "FAM-A", "period": "2026-01", "quantity": 100},
    {"family_code": "FAM-A", "period": "2026-02", "quantity": 180},
    {"family_code": "FAM-B", "period": "2026-01", "quantity": 100, "segment_code": "KEY"},
    {"family_code": "FAM-B", "period": "2026-01", "quantity": 50, "segment_code": "RETAIL"},
    {"family_code": "FAM-B", "period": "2026-02", "quantity": 120},
    {"family_code": "FAM-X", "period": "2026-01", "quantity": 10},
]


def load_case(client: TestClient) -> None:
    for path, rows in [
        ("/resources", RESOURCES),
        ("/routings", ROUTINGS),
        ("/capacity", CAPACITY),
        ("/workforce", WORKFORCE),
    ]:
        response = client.put(path, json=rows)
        assert response.status_code == 200, response.text


def cell(result: dict, resource: str, period: str) -> dict:
    return next(
        row for row in result["rows"] if (row["resource_code"], row["period"]) == (resource, period)
    )


def test_rccp_finds_the_hand_worked_overload_and_gap(client: TestClient) -> None:
    load_case(client)
    response = client.post("/rccp", json={"lines": DEMAND})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["periods"] == ["2025-12", "2026-01", "2026-02"]
    assert len(result["rows"]) == 3 * 3

    january = cell(result, "ASSY", "2026-01")
    assert (january["load_hours"], january["utilisation"], january["status"]) == (350, 0.875, "ok")
    assert january["families"] == []

    february = cell(result, "ASSY", "2026-02")
    assert february["status"] == "overload"
    assert february["load_hours"] == 480
    assert february["utilisation"] == 1.2
    assert february["utilisation_with_overtime"] == round(480 / 450, 6)
    assert february["overtime_hours_needed"] == 50
    assert february["overload_hours"] == 30
    assert february["families"] == [
        {"family_code": "FAM-A", "hours": 360, "share": 0.75},
        {"family_code": "FAM-B", "hours": 120, "share": 0.25},
    ]

    assert cell(result, "PAINT", "2025-12")["load_hours"] == 100
    assert cell(result, "PAINT", "2026-01")["utilisation"] == 0.9
    idle = cell(result, "PAINT", "2026-02")
    assert (idle["load_hours"], idle["regular_hours"], idle["status"]) == (0, None, "ok")

    crew = cell(result, "PACK", "2026-01")
    assert crew["capacity_source"] == "workforce"
    assert (crew["regular_hours"], crew["max_overtime_hours"]) == (200, 20)
    assert crew["utilisation"] == 0.375
    gap = cell(result, "PACK", "2026-02")
    assert (gap["status"], gap["overload_hours"], gap["regular_hours"]) == ("gap", 60, None)
    assert gap["families"] == [{"family_code": "FAM-B", "hours": 60, "share": 1.0}]

    summary = {s["resource_code"]: s for s in result["resources"]}
    assert summary["ASSY"]["overloaded_periods"] == ["2026-02"]
    assert (summary["ASSY"]["peak_utilisation"], summary["ASSY"]["peak_period"]) == (1.2, "2026-02")
    assert summary["ASSY"]["overload_hours"] == 30
    assert summary["PACK"]["gap_periods"] == ["2026-02"]
    assert result["unrouted_families"] == [{"family_code": "FAM-X", "quantity": 10}]


def test_more_overtime_capacity_clears_the_overload(client: TestClient) -> None:
    load_case(client)
    client.put("/capacity", json=[{**CAPACITY[1], "max_overtime_hours": 80}])
    february = cell(client.post("/rccp", json={"lines": DEMAND}).json(), "ASSY", "2026-02")
    assert (february["status"], february["overtime_hours_needed"]) == ("overtime", 80)
    assert february["overload_hours"] == 0


def test_compute_rccp_is_a_pure_function() -> None:
    result = compute_rccp(
        lines=[DemandLineIn.model_validate(line) for line in DEMAND],
        data=SupplyData(
            resources=[ResourceBase.model_validate(r) for r in RESOURCES],
            routings=[RoutingBase.model_validate(r) for r in ROUTINGS],
            capacities=[CapacityBase.model_validate(c) for c in CAPACITY],
            workforce=[WorkforceBase.model_validate(w) for w in WORKFORCE],
        ),
    )
    statuses = {(row.resource_code, row.period): row.status.value for row in result.rows}
    assert statuses[("ASSY", "2026-02")] == "overload"
    assert statuses[("PACK", "2026-02")] == "gap"
    empty = compute_rccp(lines=[], data=SupplyData())
    assert (empty.rows, empty.periods, empty.unrouted_families) == ([], [], [])


def test_bad_rccp_requests_are_refused(client: TestClient) -> None:
    bad = {"family_code": "FAM-A", "period": "2026-01", "quantity": -1}
    assert_problem(client.post("/rccp", json={"lines": [bad]}), 422, "body.lines.0.quantity")
    late = {**bad, "quantity": 1, "period": "2026-13"}
    assert_problem(client.post("/rccp", json={"lines": [late]}), 422, "body.lines.0.period")
    assert_problem(client.post("/rccp", json={"lines": "all"}), 422, "body.lines")
    assert_problem(client.post("/rccp", json={}), 422, "body.lines")
