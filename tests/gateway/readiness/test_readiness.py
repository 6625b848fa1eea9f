"""The readiness report names every missing row of a company with deliberate holes.

The company of ``tests/gateway/company.py`` (horizon 2026-01..2026-03, two families, two
segments) leaves out F01/RETAIL's prices, F02's unit cost and routing, ASSY-1's capacity of
2026-02 and its overtime rate (it may work 10 overtime hours a month); its history runs
2025-01..2025-12 for every series but F02/RETAIL, which lacks 2025-12, and its AOP covers
2026-01..2026-02. Nine holes: 1 history, 3 prices, 1 unit cost, 1 routing, 1 capacity,
1 lever cost, 1 AOP.
"""

from typing import Any

import pytest

from shared.periods import add_months
from tests.gateway.company import Company, put
from tests.gateway.conftest import Platform
from tests.gateway.steps import load

pytestmark = pytest.mark.anyio

HOLES = [
    ("demand", "demand_planner", "demand.history.F02.RETAIL.2025-12"),
    ("finance", "finance", "finance.prices.F01.RETAIL.2026-01"),
    ("finance", "finance", "finance.prices.F01.RETAIL.2026-02"),
    ("finance", "finance", "finance.prices.F01.RETAIL.2026-03"),
    ("finance", "finance", "finance.unit_costs.F02"),
    ("supply", "supply_planner", "supply.routings.F02"),
    ("supply", "supply_planner", "supply.capacity.ASSY-1.2026-02"),
    ("finance", "finance", "finance.lever_costs.overtime_hour.ASSY-1"),
    ("finance", "finance", "finance.aop.2026-03"),
]


async def holed_company(platform: Platform) -> None:
    await load(
        platform,
        Company(
            families=2,
            no_price={("F01", "RETAIL")},
            no_unit_cost={"F02"},
            no_capacity={"2026-02"},
            no_routing={"F02"},
            no_lever_cost={"overtime_hour"},
        ),
    )
    history = [
        {"family_code": f, "segment_code": s, "period": add_months("2025-01", k), "quantity": 10}
        for f in ("F01", "F02")
        for s in ("KEY", "RETAIL")
        for k in range(12)
        if (f, s, k) != ("F02", "RETAIL", 11)
    ]
    await put(platform.demand, "/history", history)
    aop = [{"period": p, "revenue": 1000, "margin": 100} for p in ("2026-01", "2026-02")]
    await put(platform.finance, "/aop", aop)


def holes(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(h["service"], h["role"], h["field"]) for h in report["holes"]]


async def test_readiness_names_every_missing_row_with_its_owner(platform: Platform) -> None:
    await holed_company(platform)
    answer = await platform.gateway.get(
        "/readiness", params={"horizon_start": "2026-01", "horizon_months": 3}
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert holes(report) == HOLES
    assert report["ready"] is False
    assert report["counts"] == {
        "history": 1, "prices": 3, "unit_costs": 1, "lever_costs": 1, "routings": 1,
        "capacity": 1, "aop": 1,
    }  # fmt: skip

    data = await platform.graphql(
        "query($start: String!) { readiness(horizonStart: $start, horizonMonths: 3) "
        "{ ready holes { service role field } } }",
        start="2026-01",
    )
    graph = data["readiness"]
    assert isinstance(graph, dict)
    assert [(h["service"], h["role"], h["field"]) for h in graph["holes"]] == HOLES


async def test_extending_and_loading_closes_the_holes(platform: Platform) -> None:
    await holed_company(platform)
    await put(
        platform.finance,
        "/prices",
        [{"family_code": "F01", "segment_code": "RETAIL", "period": "2026-01", "price": 100}],
    )
    extended = await platform.finance.post("/prices/extend", json={"through": "2026-03"})
    assert extended.status_code == 200, extended.text
    assert (
        await platform.finance.post("/aop/extend", json={"through": "2026-03"})
    ).status_code == 200
    report = (
        await platform.gateway.get(
            "/readiness", params={"horizon_start": "2026-01", "horizon_months": 3}
        )
    ).json()
    assert [field for *_, field in holes(report)] == [
        "demand.history.F02.RETAIL.2025-12",
        "finance.unit_costs.F02",
        "supply.routings.F02",
        "supply.capacity.ASSY-1.2026-02",
        "finance.lever_costs.overtime_hour.ASSY-1",
    ]


async def test_a_horizon_outside_the_plans_window_is_a_422_before_any_upstream(
    platform: Platform,
) -> None:
    answer = await platform.gateway.get("/readiness", params={"horizon_start": "1900-01"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "query.horizon_start"


async def test_the_data_gathering_gate_names_every_hole(platform: Platform) -> None:
    """The cycle's horizon is 12 months (its shortest): the company's three months of data
    leave every later month's prices, capacity and AOP out besides the deliberate holes."""
    await holed_company(platform)
    cycle = await platform.gateway.post(
        "/cycles", json={"period": "2025-12", "horizon_start": "2026-01", "horizon_months": 12}
    )
    assert cycle.status_code == 201, cycle.text
    refused = await platform.gateway.post(
        f"/cycles/{cycle.json()['id']}/steps/data_gathering/complete",
        json={"data_quality_report": "dq"},
        headers={"If-Match": cycle.headers["ETag"]},
    )
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["extra"]["gate"] == "data-ready"
    report = (
        await platform.gateway.get(
            "/readiness", params={"horizon_start": "2026-01", "horizon_months": 12}
        )
    ).json()
    named = [error["field"] for error in body["errors"]]
    assert named == [hole["field"] for hole in report["holes"]]
    assert body["extra"]["holes"] == len(named) == len(set(named))
    assert {field for *_, field in HOLES} <= set(named)
    # Besides them, months 4 to 12 (9): the prices of 2 families x 2 segments, ASSY-1's
    # capacity and the AOP.
    assert len(named) == len(HOLES) + 9 * 2 * 2 + 9 + 9
