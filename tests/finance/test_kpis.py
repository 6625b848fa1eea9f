import pytest
from fastapi.testclient import TestClient

from tests.finance.test_valuations import LEVER_COSTS, PLAN_WITH_LEVERS, line


def test_kpis_of_the_hand_worked_plan(priced: TestClient) -> None:
    priced.put("/lever-costs", json=LEVER_COSTS)
    priced.put(
        "/aop",
        json=[
            {"period": "2026-01", "revenue": 1200, "margin": 200},
            {"period": "2026-02", "revenue": 1000, "margin": 100},
        ],
    )
    plan = {**PLAN_WITH_LEVERS, "tolerance": 0.1}
    plan["lines"] = [*plan["lines"], line("FAM-A", "RET", "2026-01", 0)]  # no demand given
    response = priced.post("/kpis", json=plan)
    assert response.status_code == 200, response.text
    kpis = response.json()
    # From the valuation test: revenue 1990, margin 340, COGS 1190, average inventory 305.
    assert (kpis["revenue"], kpis["margin"], kpis["cost_of_goods_sold"]) == (1990, 340, 1190)
    assert kpis["margin_pct"] == pytest.approx(340 / 1990)
    assert kpis["average_inventory_value"] == 305
    assert kpis["inventory_turns"] == pytest.approx(1190 / 305)
    assert kpis["annualised_inventory_turns"] == pytest.approx(1190 / 305 * 12 / 2)
    # KEY: demand 12 + 3 + 4 = 19, sales 10 + 5 + 4 = 19 -> 1. RET lacks one line's demand.
    assert kpis["fill_rates"] == [
        {"segment_code": "KEY", "demand": 19, "sales": 19, "fill_rate": 1.0}
    ]
    # Gap: revenue 1990 - 2200 = -210; margin (232 + 108) - 300 = 40.
    gap = kpis["gap_to_aop"]
    assert (gap["revenue"]["gap"], gap["margin"]["gap"]) == (-210, 40)
    assert gap["margin"]["gap_pct"] == pytest.approx(40 / 300)
    # January: revenue 1240 is 3.3 % over 1200, margin 232 16 % over 200; February: revenue
    # 750 is 25 % short of 1000, margin 108 8 % over 100. January's margin and February's
    # revenue pass 10 %.
    assert [(f["period"], f["measure"]) for f in kpis["flagged_gaps"]] == [
        ("2026-01", "margin"),
        ("2026-02", "revenue"),
    ]


def test_fill_rate_is_capped_and_missing_aop_is_null(priced: TestClient) -> None:
    plan = {
        "lines": [
            {**line("FAM-A", "RET", "2026-01", 2), "demand": 3},
            {**line("FAM-A", "KEY", "2026-01", 5), "demand": 0},
            {**line("FAM-A", "KEY", "2026-02", 5), "demand": 4},
        ]
    }
    kpis = priced.post("/kpis", json=plan).json()
    rates = {r["segment_code"]: r["fill_rate"] for r in kpis["fill_rates"]}
    assert rates == {"KEY": 1.0, "RET": pytest.approx(2 / 3)}
    assert kpis["gap_to_aop"] is None and kpis["flagged_gaps"] == []
    assert kpis["inventory_turns"] is None
