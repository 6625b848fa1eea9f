"""A plan's gap to the AOP, explained, and the months beyond tolerance as escalation items.

The small company's consensus plan makes, each month, 140 units and 14,000 of revenue; its
margin is 7,000, 7,000 and 6,300 (see ``data``). The budget, worked out by hand:

- January: 150 units, revenue 15,000, margin 8,000. Budget price 100 = the plan's, so the
  revenue gap -1,000 is all volume: (140/150 - 1) x 15,000. Margin gap -1,000 (-12.5%, 2.5x
  the 5% tolerance: high): volume (140/150 - 1) x 8,000 = -533.33; cost: budget unit cost
  (15,000 - 8,000) / 150 = 46.67, so 140 x 46.67 - 5,600 - 1,400 (hours) = -466.67.
- February: 120 units, revenue 12,000, margin 6,000: the plan is 16.7% above (low).
- March: 140 units, revenue 14,000, margin 8,000: revenue on budget; margin gap -1,700
  (-21.25%, 4.25x the tolerance: critical), all cost: 140 x 42.86 - 6,300 - 1,400.
"""

import pytest

from gateway.reconcile.aop_gaps import consolidated
from shared.contracts.finance import FlaggedGap, GapMeasureName
from tests.gateway.company import put
from tests.gateway.conftest import Platform
from tests.gateway.steps import assert_problem, get_json, load, put_aop, reconcile

pytestmark = pytest.mark.anyio

BUDGET = {
    "2026-01": (15_000.0, 8_000.0, 150.0),
    "2026-02": (12_000.0, 6_000.0, 120.0),
    "2026-03": (14_000.0, 8_000.0, 140.0),
}


async def test_gap_to_aop_explained_by_price_volume_mix_cost(platform: Platform) -> None:
    await load(platform)
    await put_aop(platform, BUDGET)
    plan = await reconcile(platform, aop_gap_tolerance=0.5)  # no AOP item at 50%

    gap = await get_json(platform, f"/consensus-plans/{plan['id']}/aop-gap")

    assert gap["plan"]["id"] == plan["id"]
    assert gap["tolerance"] == 0.05  # the finance service's default
    january, february, march = gap["periods"]
    assert january["revenue"]["gap"] == pytest.approx(-1_000)
    assert january["revenue"]["explained_by"] == pytest.approx(
        {"price": 0, "volume": -1_000, "mix": 0, "cost": 0, "not_decomposed": 0}, abs=1e-6
    )
    assert january["margin"]["gap"] == pytest.approx(-1_000)
    assert january["margin"]["gap_pct"] == pytest.approx(-0.125)
    lines = january["margin"]["explained_by"]
    assert (lines["volume"], lines["cost"], lines["price"]) == pytest.approx(
        (-1_600 / 3, -1_400 / 3, 0), abs=1e-6
    )
    assert february["margin"]["gap"] == pytest.approx(1_000)
    assert march["revenue"]["gap"] == pytest.approx(0, abs=1e-6)
    assert march["margin"]["explained_by"]["cost"] == pytest.approx(-1_700)
    assert [(f["period"], f["measure"]) for f in gap["flagged"]] == [
        ("2026-01", "revenue"),
        ("2026-01", "margin"),
        ("2026-02", "revenue"),
        ("2026-02", "margin"),
        ("2026-03", "margin"),
    ]
    assert gap["totals"]["margin"]["gap"] == pytest.approx(-1_700)

    wide = await get_json(platform, f"/consensus-plans/{plan['id']}/aop-gap", tolerance=0.2)
    assert [(f["period"], f["measure"]) for f in wide["flagged"]] == [("2026-03", "margin")]
    assert_problem(
        await platform.gateway.get(f"/consensus-plans/{plan['id']}/aop-gap?tolerance=-1"),
        422,
        "query.tolerance",
    )


async def test_reconcile_escalates_each_month_beyond_tolerance_with_options(
    platform: Platform,
) -> None:
    await load(platform)
    await put_aop(platform, BUDGET)

    plan = await reconcile(platform)

    # One item per direction: January and March below, February above.
    items = {item["amount"] < 0: item for item in plan["escalations"] if item["kind"] == "aop_gap"}
    below, above = items[True], items[False]
    assert below["periods"] == ["2026-01", "2026-03"] and above["periods"] == ["2026-02"]
    assert (below["severity"], below["amount"], below["unit"]) == ("critical", -2_700, "currency")
    assert below["title"] == (
        "Margin below the AOP in 2026-Q1: 2 month(s) beyond the tolerance, -2,700 in all"
    )
    assert below["detail"].startswith("2026-01: ") and "; 2026-03: " in below["detail"]
    assert "price +0, volume -533, mix +0, cost -467" in below["detail"]
    assert (above["severity"], above["amount"]) == ("low", 1_000)

    for item in items.values():
        accept, replan, price = item["options"]
        assert (accept["lever"], replan["lever"], price["lever"]) == (
            "accept",
            "objective_service_first",
            "price",
        )
        assert accept["margin_delta"] == 0 and accept["item_metric"] == item["amount"]
        assert accept["changes"] == [{"kind": "accept"}]
        # The plan already serves all demand: serving first changes nothing, and no month
        # leaves the list.
        assert replan["feasible"] and replan["resolves"] is False
        assert replan["margin_delta"] == pytest.approx(0, abs=0.01)
        assert replan["item_metric"] == pytest.approx(item["amount"])
        assert replan["changes"] == [{"kind": "objective", "objective": "service_first"}]
        assert price["margin_delta"] == pytest.approx(-item["amount"])
        assert price["resolves"] is True
        assert [c["periods"] for c in price["changes"]] == [[p] for p in item["periods"]]
        assert item["recommended_option"] == 0
    assert "+9.6% on net prices" in below["recommendation"]  # 2,700 / 28,000
    assert "beats the budget" in above["recommendation"]
    assert plan["stats"]["option_solves"] >= 1
    assert any("AOP gap options" in note for note in plan["stats"]["notes"])

    # The same items through the graph, and nothing escalated within a wider tolerance.
    data = await platform.graphql(
        "query($id: Int!) { consensusPlan(id: $id) { escalations(kind: aop_gap) { periods severity"
        " options { lever resolves } recommendedOption } } }",
        id=plan["id"],
    )
    graphed = data["consensusPlan"]["escalations"]  # type: ignore[index]
    assert sorted(item["severity"] for item in graphed) == ["critical", "low"]
    calm = await reconcile(platform, aop_gap_tolerance=0.25)
    assert not [item for item in calm["escalations"] if item["kind"] == "aop_gap"]


async def test_recommends_re_planning_when_it_closes_the_gap_at_little_cost(
    platform: Platform,
) -> None:
    """One family; RETAIL pays 49.9 for a unit costing 40 + 10 (an hour): the margin plan
    loses RETAIL (its lost sales cost nothing), 998 of revenue a month short of a budget that
    expects every unit sold. Serving first sells them for 0.1 a unit: the gap closes for 6."""
    from tests.gateway.company import Company

    await load(platform, Company(families=1))
    await put(
        platform.finance,
        "/prices",
        [
            {"family_code": "F01", "segment_code": "RETAIL", "period": p, "price": 49.9}
            for p in ("2026-01", "2026-02", "2026-03")
        ],
    )
    await put(
        platform.finance,
        "/unit-costs",
        [{"family_code": "F01", "effective_from": "2026-03", "variable_cost": 40}],
    )
    await put(
        platform.finance, "/lever-costs", [{"lever": "lost_sale_unit", "code": "RETAIL", "cost": 0}]
    )
    # Budget: every unit sold (5,998 of revenue), at the margin plan's margin (2,500).
    await put_aop(
        platform, {p: (5_998.0, 2_500.0, 70.0) for p in ("2026-01", "2026-02", "2026-03")}
    )

    plan = await reconcile(platform)

    items = [item for item in plan["escalations"] if item["kind"] == "aop_gap"]
    assert [item["periods"] for item in items] == [["2026-01", "2026-02", "2026-03"]]
    for item in items:
        assert item["title"].startswith("Revenue below the AOP in 2026-Q1: 3 month(s)")
        replan = item["options"][1]
        assert replan["resolves"] is True
        assert replan["margin_delta"] == pytest.approx(-6, abs=0.01)
        assert replan["revenue_delta"] == pytest.approx(3 * 998)
        assert replan["fill_rate_delta"]["RETAIL"] > 0
        assert item["recommended_option"] == 1
        assert "closes the gap for a margin change of -6" in item["recommendation"]


async def test_a_bad_tolerance_is_refused_before_anything_runs(platform: Platform) -> None:
    await load(platform)
    for bad in (1.5, -0.1, "high"):
        refused = await platform.gateway.post("/reconcile", json={"aop_gap_tolerance": bad})
        assert_problem(refused, 422, "body.aop_gap_tolerance")
    graph = await platform.gateway.post(
        "/graphql", json={"query": "mutation { reconcile(input: {aopGapTolerance: 2}) { id } }"}
    )
    [error] = graph.json()["errors"]
    assert error["extensions"]["errors"][0]["field"] == "input.aopGapTolerance"
    assert (await platform.gateway.get("/consensus-plans")).json()["total"] == 0


def _flag(period: str, gap: float, group: str | None = None) -> FlaggedGap:
    return FlaggedGap(
        period=period,
        family_group=group,
        measure=GapMeasureName.margin,
        aop=1_000.0,
        plan=1_000.0 + gap,
        gap=gap,
        gap_pct=gap / 1_000.0,
        tolerance=0.05,
    )


def test_months_below_the_aop_are_one_item_per_group_over_the_horizon() -> None:
    """Five months below in three quarters and one above make two company items; a family
    group's months are its own item."""
    flags = [
        _flag("2026-11", -100),
        _flag("2026-12", -100),
        _flag("2027-02", -100),
        _flag("2027-03", 200),
        _flag("2027-07", -100),
        _flag("2027-08", -100),
        _flag("2027-08", -300, group="G1"),
    ]
    flagged = {(f.period, f.family_group): [f] for f in flags}
    assert consolidated(flagged) == {
        (None, True): [
            ("2026-11", None),
            ("2026-12", None),
            ("2027-02", None),
            ("2027-07", None),
            ("2027-08", None),
        ],
        (None, False): [("2027-03", None)],
        ("G1", True): [("2027-08", "G1")],
    }
