"""Execution KPIs through the API: two approved plans of the small company, January's
actuals a known perturbation of the second (``builders``), every figure worked by hand."""

from typing import Any

import pytest

from tests.gateway.conftest import Platform
from tests.gateway.execution.builders import (
    approve_in_cycles,
    demand_plan_with_key_moved_to_f02,
    load_january_actuals,
    retail_at_80,
)
from tests.gateway.steps import assert_problem, get_json, load, reconcile

pytestmark = pytest.mark.anyio

JANUARY = "2026-01"


async def approved_company(
    platform: Platform, database_url: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    await load(platform)
    await retail_at_80(platform)
    first = await reconcile(platform)
    second = await reconcile(
        platform, demand_plan_id=await demand_plan_with_key_moved_to_f02(platform)
    )
    approve_in_cycles(
        database_url,
        {"2025-11": (first["id"], first["version"]), "2025-12": (second["id"], second["version"])},
    )
    production = {
        (line["family_code"], line["period"]): line["production"] for line in second["family_lines"]
    }
    # The plan the actuals perturb: F01 60, F02 80, nothing in stock.
    assert production[("F01", JANUARY)] == pytest.approx(60)
    assert production[("F02", JANUARY)] == pytest.approx(80)
    assert all(line["inventory"] == pytest.approx(0) for line in second["family_lines"])
    return first, second


async def test_adherence_inventory_and_hours_against_the_plan_approved_for_the_month(
    platform: Platform, database_url: str
) -> None:
    _, second = await approved_company(platform, database_url)
    await load_january_actuals(platform)
    report = await get_json(platform, "/execution/adherence")
    (month,) = report["months"]
    assert month["plan"] == {
        "period": JANUARY,
        "cycle_period": "2025-12",
        "plan_id": second["id"],
        "plan_version": second["version"],
    }
    # F01 made 66 of 60: 1 - 6/60; F02 72 of 80: 1 - 8/80; together 1 - 14/140.
    families = {row["family_code"]: row for row in report["by_family"]}
    assert families["F01"]["production"]["adherence"] == pytest.approx(0.9)
    assert families["F02"]["production"]["adherence"] == pytest.approx(0.9)
    assert report["total"] == {"plan": 140.0, "actual": 138.0, "adherence": pytest.approx(0.9)}
    # F01 ended with 6 units the plan did not hold: no share of a zero plan.
    assert families["F01"]["inventory"] == {"plan": 0.0, "actual": 6.0, "gap": 6.0, "gap_pct": None}
    # ASSY-1 worked 126 of 140 hours.
    (resource,) = report["by_resource"]
    assert resource["hours"]["adherence"] == pytest.approx(1 - 14 / 140)
    graph = await platform.graphql(
        "query($f: String) { executionAdherence(familyCode: $f) { total "
        "{ plan actual adherence } } }",
        f="F02",
    )
    assert graph["executionAdherence"] == {
        "total": {"plan": 80.0, "actual": 72.0, "adherence": pytest.approx(0.9)}
    }


async def test_margin_variance_splits_into_volume_mix_price_and_cost(
    platform: Platform, database_url: str
) -> None:
    await approved_company(platform, database_url)
    await load_january_actuals(platform)
    report = await get_json(platform, "/execution/variance")
    # Plan: 40 + 60 KEY at margin 60, 20 + 20 RETAIL at 40: 6000 + 1600 = 7600 on 140 units.
    # Actual: revenue 4620 + 1600 + 5500 + 1368 = 13088, cost 2624 + 2920: margin 7544.
    total = report["total"]
    assert total["plan_margin"] == pytest.approx(7600)
    assert total["actual_margin"] == pytest.approx(7544)
    # volume: (137 - 140) x 7600/140
    assert total["volume"] == pytest.approx(-3 * 7600 / 140)
    # mix: 44 x 60 + 20 x 40 + 55 x 60 + 18 x 40 - 137 x 7600/140 = 7460 - 137 x 7600/140
    assert total["mix"] == pytest.approx(7460 - 137 * 7600 / 140)
    # price: (105 - 100) x 44 + (76 - 80) x 18; cost: -(41 - 40) x 64
    assert total["price"] == pytest.approx(5 * 44 - 4 * 18)
    assert total["cost"] == pytest.approx(-64)
    assert total["total"] == pytest.approx(7544 - 7600)
    families = {row["family_code"]: row["variance"] for row in report["by_family"]}
    # F02 alone: plan 60 x 60 + 20 x 40 = 4400; actual 5500 + 1368 - 2920 = 3948.
    assert families["F02"]["total"] == pytest.approx(3948 - 4400)
    assert families["F02"]["cost"] == pytest.approx(0)
    graph = await platform.graphql(
        '{ executionVariance(segmentCode: "RETAIL") { total { price } } }'
    )
    assert graph["executionVariance"] == {"total": {"price": pytest.approx(-4 * 18)}}


async def test_a_missing_cost_actual_is_named(platform: Platform, database_url: str) -> None:
    await approved_company(platform, database_url)
    await load_january_actuals(platform)
    f02 = await platform.finance.get("/cost-actuals", params={"family_code": "F02"})
    await platform.finance.delete(f"/cost-actuals/{f02.json()['items'][0]['id']}")
    assert_problem(
        await platform.gateway.get("/execution/variance"), 422, "finance.cost_actuals.F02.2026-01"
    )
    assert_problem(
        await platform.gateway.get("/execution/adherence", params={"period_from": "2026-13"}),
        422,
        "query.period_from",
    )


async def test_service_attained_per_segment_against_target(
    platform: Platform, database_url: str
) -> None:
    await approved_company(platform, database_url)
    await load_january_actuals(platform)
    report = await get_json(platform, "/execution/service")
    segments = {row["segment_code"]: row for row in report["by_segment"]}
    # KEY shipped 44 + 55 of 46 + 60 demanded, target 0.98; RETAIL 38 of 40, target 0.9.
    assert segments["KEY"]["attained"] == pytest.approx(99 / 106)
    assert segments["KEY"]["meets_target"] is False
    assert segments["RETAIL"]["attained"] == pytest.approx(38 / 40)
    assert segments["RETAIL"]["meets_target"] is True


async def test_stability_of_consecutive_approved_plans(
    platform: Platform, database_url: str
) -> None:
    first, second = await approved_company(platform, database_url)
    report = await get_json(platform, "/execution/stability")
    (pair,) = report["pairs"]
    assert (pair["previous_plan_id"], pair["plan_id"]) == (first["id"], second["id"])
    assert pair["months"] == ["2026-01", "2026-02", "2026-03"]
    families = {row["family_code"]: row for row in pair["families"]}
    # F01 went from 70 to 60 a month, F02 from 70 to 80: each moved 30 of 210; 60 of 420.
    assert families["F01"]["stability"] == pytest.approx(1 - 30 / 210)
    assert families["F02"]["stability"] == pytest.approx(1 - 30 / 210)
    assert pair["stability"] == pytest.approx(1 - 60 / 420)
    near = await get_json(platform, "/execution/stability", near_term_months=1)
    assert near["pairs"][0]["months"] == ["2026-01"]
    graph = await platform.graphql("{ executionStability { pairs { stability } } }")
    assert graph["executionStability"] == {"pairs": [{"stability": pytest.approx(1 - 60 / 420)}]}
