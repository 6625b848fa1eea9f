"""The demand review in the graph, over the real demand service: a locked past plan built from
a baseline and every role's stream, its actuals, customers (numbers in ``review.py``)."""

from collections import Counter
from typing import Any

import pytest

from tests.gateway.conftest import Platform
from tests.gateway.review import past_review

pytestmark = pytest.mark.anyio

PLAN_QUERY = """
query Plan($id: Int!) {
  demandPlan(id: $id) {
    id status
    baseline { familyCode segmentCode method fallback note cvMae endOfLife overridden
               candidates { method cvMae } }
    retail: baseline(segmentCode: "RETAIL") { familyCode }
    inputs { stream role kind familyCode segmentCode author reasonCode quantity upliftPct
             rampMonths assumption }
    sales: inputs(stream: sales) { author }
    byAuthor: inputs(author: "d.planner") { stream quantity }
    consensus { planId version series cells inputs totals { stream units } }
    waterfall(familyCode: "F01", segmentCode: "KEY") {
      period statistical sales marketing product planner consensus
      contributions { stream kind author reasonCode delta }
    }
    launch: waterfall(familyCode: "NEW", periodFrom: "2026-02") { period product consensus }
    all: waterfall { familyCode }
  }
}
"""


async def test_a_plan_shows_its_baseline_streams_consensus_and_waterfall(
    platform: Platform,
) -> None:
    plan_id = await past_review(platform.demand)
    platform.calls.clear()
    data: dict[str, Any] = await platform.graphql(PLAN_QUERY, id=plan_id)
    plan = data["demandPlan"]
    assert isinstance(plan, dict)
    assert plan["status"] == "locked"

    # Flat history: every method is exact on the holdout; nothing fell back; NEW has no
    # history, so no series.
    assert [(s["familyCode"], s["segmentCode"]) for s in plan["baseline"]] == [
        ("F01", "KEY"),
        ("F01", "RETAIL"),
        ("F02", "KEY"),
        ("F02", "RETAIL"),
    ]
    series = plan["baseline"][0]
    assert series["fallback"] is False and series["cvMae"] == 0
    assert series["overridden"] is False  # no family has a stored method
    assert series["method"] in {c["method"] for c in series["candidates"]}
    assert {c["cvMae"] for c in series["candidates"]} == {0.0}
    assert [s["familyCode"] for s in plan["retail"]] == ["F01", "F02"]

    assert [(i["stream"], i["role"], i["kind"], i["author"]) for i in plan["inputs"]] == [
        ("sales", "sales", "delta", "s.ales"),
        ("marketing", "marketing", "event", "m.arketing"),
        ("product", "product_manager", "launch", "p.roduct"),
        ("planner", "demand_planner", "delta", "d.planner"),
    ]
    marketing = plan["inputs"][1]
    assert (marketing["segmentCode"], marketing["upliftPct"]) == (None, 0.25)
    assert plan["inputs"][2]["rampMonths"] == 2
    assert plan["inputs"][0]["assumption"] == "s.ales as tested"
    assert plan["sales"] == [{"author": "s.ales"}]
    assert plan["byAuthor"] == [{"stream": "planner", "quantity": -10.0}]

    # 4 series x 3 months: 270 a month of baseline (810); sales +40 x 3; marketing +25% on
    # F02 in February (+20 KEY, +10 RETAIL); the launch 15 + 30; the planner -10.
    consensus = plan["consensus"]
    assert (consensus["planId"], consensus["series"], consensus["cells"]) == (plan_id, 5, 15)
    assert consensus["inputs"] == 4
    assert [(t["stream"], t["units"]) for t in consensus["totals"]] == [
        ("statistical", 810.0),
        ("sales", 930.0),
        ("marketing", 960.0),
        ("product", 1005.0),
        ("planner", 995.0),
        ("consensus", 995.0),
    ]

    january, february, _ = plan["waterfall"]
    assert (january["period"], january["statistical"], january["sales"]) == ("2026-01", 100, 140)
    assert (january["planner"], january["consensus"]) == (130, 130)
    assert [(c["stream"], c["author"], c["delta"]) for c in january["contributions"]] == [
        ("sales", "s.ales", 40.0),
        ("planner", "d.planner", -10.0),
    ]
    assert february["consensus"] == 140 and len(february["contributions"]) == 1
    assert plan["launch"] == [
        {"period": "2026-02", "product": 15.0, "consensus": 15.0},
        {"period": "2026-03", "product": 30.0, "consensus": 30.0},
    ]
    assert Counter(row["familyCode"] for row in plan["all"]) == {"F01": 6, "F02": 6, "NEW": 3}

    # One call per plan field and distinct filter, nothing per row.
    assert Counter(call.path for call in platform.calls) == {
        "/demand-plans": 1,
        f"/demand-plans/{plan_id}/baseline": 2,
        f"/demand-plans/{plan_id}/inputs": 3,
        f"/demand-plans/{plan_id}/consensus": 1,
        f"/demand-plans/{plan_id}/waterfall": 3,
    }


ROOT_QUERY = """
query Review($id: Int!) {
  accuracy(planId: $id, stream: sales, familyCode: "F01", segmentCode: "KEY", groupBy: [plan]) {
    stream planId familyCode segmentCode lag observations actualTotal forecastTotal
    mae mse mape wmape bias biasPct trackingSignal trackingAlarm fvaVsStatistical fvaVsNaive
  }
  byLag: accuracy(stream: consensus, familyCode: "F01", segmentCode: "KEY") {
    lag actualTotal forecastTotal
  }
  biasFlags { stream author segmentCode familyCode direction severity biasPct periods
              firstPeriod lastPeriod trackingSignal message }
  byFamily: biasFlags(byFamily: true, stream: sales, author: "s.ales") { familyCode }
  customers(segmentCode: "KEY") { code annualRevenue }
  core: customerMatrix(quadrant: core) { code quadrant }
  matrix: customerMatrix(marginCut: 0.05) { code quadrant }
  segmentTargets { segmentCode customers annualRevenue fillRateTarget
                   derivedFillRateTarget derivedStrategic derivedPriority differs
                   quadrantRevenueShare { quadrant share } }
  segments { code customers { code } important: customers(strategicImportance: 5) { code } }
  dataQuality { series seriesWithIssues rows latestPeriod negatives familiesWithoutHistory }
  dataQualitySeries(onlyIssues: false) { familyCode segmentCode months observed issues
                                         outliers { period quantity } }
  shortSeries: dataQualitySeries(issue: too_short, minMonths: 30) { familyCode }
}
"""


async def test_accuracy_bias_customers_and_data_quality(platform: Platform) -> None:
    plan_id = await past_review(platform.demand)
    data: dict[str, Any] = await platform.graphql(ROOT_QUERY, id=plan_id)

    # Sales forecast 140 a month for F01/KEY against 110, 100, 130: errors -30, -40, -10.
    [sales] = data["accuracy"]
    assert (sales["stream"], sales["planId"], sales["lag"]) == ("sales", plan_id, None)
    assert (sales["familyCode"], sales["segmentCode"]) == (None, None)
    assert (sales["observations"], sales["actualTotal"], sales["forecastTotal"]) == (3, 340, 420)
    assert sales["mae"] == pytest.approx(80 / 3)
    assert sales["mse"] == pytest.approx((900 + 1600 + 100) / 3)
    assert sales["bias"] == pytest.approx(-80 / 3)
    assert sales["biasPct"] == pytest.approx(-80 / 340)
    assert sales["wmape"] == pytest.approx(80 / 340)
    assert sales["trackingSignal"] == pytest.approx(-3.0) and not sales["trackingAlarm"]
    # The baseline's errors were 10, 0, 30: sales made it worse by 40 points of 340.
    assert sales["fvaVsStatistical"] == pytest.approx(40 / 340 - 80 / 340)
    assert data["byLag"] == [
        {"lag": 0, "actualTotal": 110.0, "forecastTotal": 130.0},
        {"lag": 1, "actualTotal": 100.0, "forecastTotal": 140.0},
        {"lag": 2, "actualTotal": 130.0, "forecastTotal": 140.0},
    ]

    flags = data["biasFlags"]
    assert isinstance(flags, list)
    assert [(f["stream"], f["author"], f["direction"], f["severity"]) for f in flags] == [
        ("sales", None, "over_forecast", "high"),
        ("sales", "s.ales", "over_forecast", "high"),
        ("consensus", None, "over_forecast", "medium"),
        ("statistical", None, "under_forecast", "medium"),
    ]
    # Judged on the cells sales moved (F01/KEY): over by 80 of 340.
    assert flags[1]["biasPct"] == pytest.approx(-80 / 340)
    assert (flags[1]["firstPeriod"], flags[1]["lastPeriod"], flags[1]["periods"]) == (
        "2026-01",
        "2026-03",
        3,
    )
    assert flags[1]["message"].startswith("sales forecast by s.ales for segment KEY")
    assert data["byFamily"] == [{"familyCode": "F01"}]

    assert data["customers"] == [
        {"code": "C1", "annualRevenue": 600000.0},
        {"code": "C2", "annualRevenue": 400000.0},
    ]
    assert data["core"] == [{"code": "C1", "quadrant": "core"}]
    assert [(c["code"], c["quadrant"]) for c in data["matrix"]] == [
        ("C1", "core"),
        ("C2", "core"),
        ("C3", "harvest"),
        ("C4", "harvest"),
    ]
    key, retail = data["segmentTargets"]
    assert (key["segmentCode"], key["customers"], key["annualRevenue"]) == ("KEY", 2, 1_000_000)
    # Revenue-weighted service of the quadrants: core 0.98 and develop 0.96 at 60/40.
    assert key["derivedFillRateTarget"] == pytest.approx(0.972)
    assert key["derivedStrategic"] is True and key["derivedPriority"] == 1
    assert key["differs"] is True  # set at 0.98
    assert {s["quadrant"]: s["share"] for s in key["quadrantRevenueShare"]} == {
        "core": 0.6,
        "develop": 0.4,
        "harvest": 0.0,
        "review": 0.0,
    }
    assert retail["derivedFillRateTarget"] == pytest.approx(0.9375, abs=5e-4)  # 3 decimals
    assert retail["derivedStrategic"] is False
    assert data["segments"] == [
        {
            "code": "KEY",
            "customers": [{"code": "C1"}, {"code": "C2"}],
            "important": [{"code": "C1"}],
        },
        {"code": "RETAIL", "customers": [{"code": "C3"}, {"code": "C4"}], "important": []},
    ]

    quality = data["dataQuality"]
    assert quality == {
        "series": 4,
        "seriesWithIssues": quality["seriesWithIssues"],
        "rows": 4 * 27,
        "latestPeriod": "2026-03",
        "negatives": 0,
        "familiesWithoutHistory": ["NEW"],
    }
    series = {(s["familyCode"], s["segmentCode"]): s for s in data["dataQualitySeries"]}
    assert set(series) == {("F01", "KEY"), ("F01", "RETAIL"), ("F02", "KEY"), ("F02", "RETAIL")}
    assert series[("F01", "RETAIL")]["issues"] == []  # flat 50 throughout
    # F01/KEY was flat at 100 for two years: 110 and 130 stand out.
    assert [o["period"] for o in series[("F01", "KEY")]["outliers"]] == ["2026-01", "2026-03"]
    assert series[("F01", "KEY")]["months"] == series[("F01", "KEY")]["observed"] == 27
    assert quality["seriesWithIssues"] == sum(1 for s in series.values() if s["issues"])
    assert len(data["shortSeries"]) == 4


async def test_arguments_the_demand_service_refuses_are_422_on_the_argument(
    platform: Platform,
) -> None:
    await past_review(platform.demand)
    cases = {
        "{ biasFlags(threshold: 0) { stream } }": "threshold",
        "{ biasFlags(minSameSign: 1.5) { stream } }": "minSameSign",
        "{ accuracy(lag: -1) { stream } }": "lag",
        "{ accuracy(groupBy: []) { stream } }": "groupBy",
        "{ accuracy(planId: 0) { stream } }": "planId",
        "{ dataQuality(minMonths: 0) { series } }": "minMonths",
        "{ customerMatrix(marginCut: 2) { code } }": "marginCut",
        "{ families { waterfall(planId: 0) { period } } }": "planId",
        '{ demandPlan(id: 1) { inputs(author: "bad\\u0000name") { id } } }': "author",
    }
    for query, argument in cases.items():
        platform.calls.clear()
        response = await platform.gateway.post("/graphql", json={"query": query})
        assert response.status_code == 200, response.text
        [error, *_] = response.json()["errors"]
        assert error["extensions"]["status"] == 422, (query, error)
        assert [e["field"] for e in error["extensions"]["errors"]] == [argument], query


async def test_a_plan_without_streams_has_an_empty_review(platform: Platform) -> None:
    await past_review(platform.demand)
    created = await platform.demand.post(
        "/demand-plans",
        json={
            "name": "Loaded directly",
            "horizon_start": "2026-04",
            "horizon_months": 1,
            "lines": [
                {"family_code": "F01", "segment_code": "KEY", "period": "2026-04", "quantity": 5}
            ],
        },
    )
    assert created.status_code == 201, created.text
    data: dict[str, Any] = await platform.graphql(
        """query($id: Int!) { demandPlan(id: $id) {
             baseline { method } inputs { id } waterfall { period }
             consensus { cells totals { units } } }
           missing: demandPlan(id: 999) { id } }""",
        id=created.json()["id"],
    )
    plan = data["demandPlan"]
    assert plan == {
        "baseline": [],
        "inputs": [],
        "waterfall": [],
        "consensus": plan["consensus"],
    }
    assert plan["consensus"]["cells"] == 0
    assert data["missing"] is None
