"""Three months of the S&OP loop through the API on the demo company: 2026-12, 2027-01 and
2027-02. Each month's cycle gathers its data (extending master data past the rolled horizon),
locks its demand plan (the demo's review, then each roll), reconciles, decides every item,
approves; then the month's actuals are loaded and the cycle closes, which rolls the demand
plan (baseline re-forecast on the new history) into the next month's cycle, whose reconcile
starts from the stock the month actually ended with.

The actuals are the approved plan of the month with a known perturbation (``PERTURBATION``),
so the execution KPIs are worked by hand from it:

- production: even families (in code order) make ``1 + e`` of the plan, odd ones ``1 - e``;
  every family misses by ``e`` of its plan, so adherence = ``1 - sum e x plan / sum plan =
  1 - e`` per family and for the month; hours used are ``1 - e`` of the planned load, the same
  adherence per resource.
- sales: every line sells ``1 + q`` of the planned units at ``1 + p`` of the planned price,
  at ``1 + c`` of the finance unit cost. With AQ_i = (1 + q) PQ_i the mix is unchanged (mix
  = 0), volume = ``q x plan margin``, price = ``p x (1 + q) x plan revenue``, cost =
  ``-c x (1 + q) x plan cost of goods sold``.
- service: shipments are the actual demand (attained 1), except export distributors in
  December, whose demand was a quarter more than shipped (attained 1 / 1.25 = 0.8).
- deviations (tolerances 0.05 adherence, 0.02 service, 0.05 variance): each closing puts
  its month's on the next cycle. December: every family made and resource worked at 0.9 <
  0.95; DIST served 0.8 < 0.92 - 0.02; margin 4 % over plan, within 5 %. January: adherence
  0.98 is within; a family's margin moves by -0.02 x its revenue, beyond 5 % of its plan
  margin where 0.02 x revenue > 0.05 x |margin|. February: adherence 0.9 again, and a
  family's margin moves by -0.03 x its cost of goods sold, beyond where 0.03 x cost > 0.05 x
  |margin|.
- stability: the time fence (2 months) holds each cycle's first two months at the previous
  approved plan's production, so over those months the plan does not move (stability 1).
"""

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest

from shared.auth import Role
from shared.money import UnitCostSchedule
from shared.periods import add_months
from sop.demo import ServiceClients, build_demo, load_into, people_tokens
from tests.gateway.company import put, sign_off
from tests.gateway.conftest import Platform
from tests.gateway.steps import get_json
from tests.tokens import bearer

pytestmark = pytest.mark.anyio

TODAY = dt.date(2026, 12, 1)
MONTHS = ["2026-12", "2027-01", "2027-02"]
HORIZON_MONTHS = 24
FENCE_MONTHS = 2  # SOP_GATEWAY_TIME_FENCE_MONTHS' default
UNSERVED = {("DIST", "2026-12"): 1.25}  # actual demand / shipped
ZERO = pytest.approx(0, abs=1e-6)  # money summed over a thousand lines

# Per month: production miss e, sales volume q, price p, unit cost c (shares of the plan).
PERTURBATION = {
    "2026-12": {"e": 0.10, "q": 0.04, "p": 0.0, "c": 0.0},
    "2027-01": {"e": 0.02, "q": 0.0, "p": -0.02, "c": 0.0},
    "2027-02": {"e": 0.10, "q": 0.0, "p": 0.0, "c": 0.03},
}

OWNER = bearer(Role.process_owner, subject="pat")
PLANNER = bearer(Role.demand_planner, subject="dana")
SUPPLY = bearer(Role.supply_planner, subject="sam")
EXECUTIVE = bearer(Role.executive_sponsor, subject="eve")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def step(
    platform: Platform, cycle_id: int, name: str, who: dict[str, str], **body: Any
) -> Any:
    current = await platform.gateway.get(f"/cycles/{cycle_id}")
    return ok(
        await platform.gateway.post(
            f"/cycles/{cycle_id}/steps/{name}/complete",
            json=body,
            headers={**who, "If-Match": current.headers["ETag"]},
        )
    )


async def cycle_post(
    platform: Platform, cycle_id: int, path: str, who: dict[str, str], body: Any = None
) -> Any:
    current = await platform.gateway.get(f"/cycles/{cycle_id}")
    return await platform.gateway.post(
        f"/cycles/{cycle_id}{path}", json=body, headers={**who, "If-Match": current.headers["ETag"]}
    )


async def lock(platform: Platform, plan_id: int) -> None:
    await sign_off(platform.demand, plan_id)
    read = await platform.demand.get(f"/demand-plans/{plan_id}")
    ok(
        await platform.demand.post(
            f"/demand-plans/{plan_id}/lock", headers={**PLANNER, "If-Match": read.headers["ETag"]}
        )
    )


async def gather(platform: Platform, cycle: dict[str, Any]) -> None:
    """The horizon rolled one month past the demo's 24: prices, capacity and the AOP are
    extended forward (last month repeated) until the readiness gate has no hole."""
    through = cycle["horizon_end"]
    for client, path in (
        (platform.finance, "/prices/extend"),
        (platform.finance, "/aop/extend"),
        (platform.supply, "/capacity/extend"),
    ):
        ok(await client.post(path, json={"through": through, "rule": "repeat_last"}))
    report = await get_json(
        platform,
        "/readiness",
        horizon_start=cycle["horizon_start"],
        horizon_months=cycle["horizon_months"],
    )
    assert report["holes"] == [] and report["ready"] is True
    await step(platform, cycle["id"], "data_gathering", OWNER, data_quality_report="dq")


async def decide_and_approve(platform: Platform, cycle_id: int, plan: dict[str, Any]) -> None:
    """The executive keeps the recommended plan: every item decided as an override that
    changes nothing, so the approved plan is the reconciled one."""
    decisions = [
        {"escalation_id": item["id"], "override": "Keep the plan", "rationale": "Walked in test"}
        for item in plan["escalations"]
    ]
    if decisions:
        ok(
            await cycle_post(platform, cycle_id, "/decisions", EXECUTIVE, {"decisions": decisions}),
            201,
        )
    approved = ok(await cycle_post(platform, cycle_id, "/approve", EXECUTIVE, {"note": "Go"}))
    assert approved["approved_plan_id"] == plan["id"]


async def load_actuals(platform: Platform, plan: dict[str, Any], month: str) -> dict[str, float]:
    """The month's actuals: the approved plan perturbed by ``PERTURBATION[month]``; what each
    family ended the month with (``1 + e`` of its planned stock)."""
    e, q, p, c = (PERTURBATION[month][k] for k in "eqpc")
    families = sorted({line["family_code"] for line in plan["family_lines"]})
    sign = {family: 1 if index % 2 == 0 else -1 for index, family in enumerate(families)}
    family_lines = [line for line in plan["family_lines"] if line["period"] == month]
    ended = {line["family_code"]: line["inventory"] * (1 + e) for line in family_lines}
    await put(
        platform.supply,
        "/production-actuals",
        [
            {
                "family_code": line["family_code"],
                "period": month,
                "production": line["production"] * (1 + sign[line["family_code"]] * e),
                "ending_inventory": ended[line["family_code"]],
            }
            for line in family_lines
        ],
    )
    await put(
        platform.supply,
        "/resource-actuals",
        [
            {
                "resource_code": line["resource_code"],
                "period": month,
                "hours_used": line["load"] * (1 - e),
            }
            for line in plan["resource_lines"]
            if line["period"] == month
        ],
    )
    sales = [line for line in plan["lines"] if line["period"] == month]
    await put(
        platform.finance,
        "/revenue-actuals",
        [
            {
                "family_code": line["family_code"],
                "segment_code": line["segment_code"],
                "period": month,
                "quantity": line["sales"] * (1 + q),
                "revenue": line["revenue"] * (1 + q) * (1 + p),
            }
            for line in sales
        ],
    )
    costs = await unit_costs(platform)
    cost_of_goods_sold: dict[str, float] = defaultdict(float)
    for line in sales:
        unit_cost = costs.cost_as_of(line["family_code"], month)
        assert unit_cost is not None
        cost_of_goods_sold[line["family_code"]] += line["sales"] * (1 + q) * unit_cost * (1 + c)
    await put(
        platform.finance,
        "/cost-actuals",
        [
            {"family_code": family, "period": month, "cost_of_goods_sold": cost}
            for family, cost in sorted(cost_of_goods_sold.items())
        ],
    )
    # Actual demand: what was shipped (the roll's baseline learns from it), but export
    # distributors asked a quarter more than they got in December.
    await put(
        platform.demand,
        "/history",
        [
            {
                "family_code": line["family_code"],
                "segment_code": line["segment_code"],
                "period": month,
                "quantity": line["sales"]
                * (1 + q)
                * UNSERVED.get((line["segment_code"], month), 1),
            }
            for line in sales
        ],
    )
    return ended


async def unit_costs(platform: Platform) -> UnitCostSchedule:
    rows = ok(await platform.finance.get("/unit-costs", params={"limit": 5000}))["items"]
    return UnitCostSchedule(
        (r["family_code"], r["effective_from"], r["variable_cost"]) for r in rows
    )


def plan_money(
    plan: dict[str, Any], month: str, costs: UnitCostSchedule, family: str | None = None
) -> tuple[float, float]:
    """The approved plan's revenue and cost of goods sold in ``month`` (units sold x the
    finance unit cost), of one family or all: what the variance is held against."""
    revenue = cost = 0.0
    for line in plan["lines"]:
        if line["period"] == month and family in (None, line["family_code"]):
            revenue += line["revenue"]
            cost += line["sales"] * (costs.cost_as_of(line["family_code"], month) or 0.0)
    return revenue, cost


async def test_three_months_of_the_loop_on_the_demo(platform: Platform) -> None:
    clients = ServiceClients(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    loaded = await load_into(clients, build_demo(TODAY), people=people_tokens())
    assert loaded.plan is not None and loaded.plan.horizon_start == MONTHS[0]
    demand_plan_id = loaded.plan.id

    cycle = ok(
        await platform.gateway.post(
            "/cycles",
            json={
                "period": MONTHS[0],
                "horizon_start": MONTHS[0],
                "horizon_months": HORIZON_MONTHS,
            },
            headers=OWNER,
        ),
        201,
    )
    subscribed = await platform.gateway.post(
        "/webhooks",
        json={
            "url": "http://receiver.test/hook",
            "events": ["deviation.raised"],
            "secret": "a-webhook-secret-of-some-length",
        },
        headers=OWNER,
    )
    assert subscribed.status_code == 201, subscribed.text
    approved: dict[str, dict[str, Any]] = {}
    raised: dict[str, list[dict[str, Any]]] = {}
    closing_stock: dict[str, dict[str, float]] = {}
    for month in MONTHS:
        assert (cycle["period"], cycle["horizon_start"]) == (month, month)
        await gather(platform, cycle)
        await step(platform, cycle["id"], "demand_review", PLANNER, demand_plan_id=demand_plan_id)
        await step(platform, cycle["id"], "supply_review", SUPPLY)
        plan = ok(
            await platform.gateway.post(
                "/reconcile", json={"demand_plan_id": demand_plan_id}, headers=OWNER
            ),
            201,
        )
        if month != MONTHS[0]:
            # The plan starts from the stock last month actually ended with.
            problem = ok(await platform.gateway.get(f"/consensus-plans/{plan['id']}/problem"))
            opening = {f["code"]: f["initial_inventory"] for f in problem["families"]}
            ended = closing_stock[add_months(month, -1)]
            assert opening == {code: pytest.approx(ended[code]) for code in opening}
        await step(platform, cycle["id"], "pre_sop", OWNER, consensus_plan_id=plan["id"])
        await decide_and_approve(platform, cycle["id"], plan)
        approved[month] = plan
        closing_stock[month] = await load_actuals(platform, plan, month)

        transition = ok(await cycle_post(platform, cycle["id"], "/close", OWNER))
        roll = transition["roll"]
        raised[month] = transition["deviations"]
        assert {d["cycle_id"] for d in raised[month]} <= {transition["opened"]["id"]}
        # The roll: the next draft over the horizon moved one month on, its baseline
        # re-forecast on the history that now includes this month.
        assert roll["source_plan_id"] == demand_plan_id and roll["months"] == 1
        assert roll["plan"]["horizon_start"] == add_months(month, 1)
        assert roll["baseline_series"] > 0
        demand_plan_id = roll["plan"]["id"]
        await lock(platform, demand_plan_id)
        cycle = transition["opened"]

    # Adherence: every family misses by e of its plan, so each month's adherence is 1 - e.
    adherence = await get_json(platform, "/execution/adherence")
    months = {m["plan"]["period"]: m for m in adherence["months"]}
    assert list(months) == MONTHS
    for month in MONTHS:
        held = months[month]
        assert held["plan"]["plan_id"] == approved[month]["id"]
        planned = sum(
            line["production"]
            for line in approved[month]["family_lines"]
            if line["period"] == month
        )
        assert held["production"]["plan"] == pytest.approx(planned)
        # 0.9, 0.98 and 0.9
        assert held["production"]["adherence"] == pytest.approx(1 - PERTURBATION[month]["e"])
    # Over the three months: 1 - (0.10 P1 + 0.02 P2 + 0.10 P3) / (P1 + P2 + P3).
    p1, p2, p3 = (months[m]["production"]["plan"] for m in MONTHS)
    assert adherence["total"]["adherence"] == pytest.approx(
        1 - (0.10 * p1 + 0.02 * p2 + 0.10 * p3) / (p1 + p2 + p3)
    )
    for resource in adherence["resources"]:
        if resource["hours"]["plan"]:
            assert resource["hours"]["adherence"] == pytest.approx(
                1 - PERTURBATION[resource["period"]]["e"]
            )

    # Variance: one lever per month.
    costs = await unit_costs(platform)
    variance = await get_json(platform, "/execution/variance")
    by_month = {m["plan"]["period"]: m["variance"] for m in variance["months"]}
    for month in MONTHS:
        revenue, cost = plan_money(approved[month], month, costs)
        assert by_month[month]["plan_margin"] == pytest.approx(revenue - cost)
        assert by_month[month]["mix"] == ZERO
    december, january, february = (by_month[m] for m in MONTHS)
    dec_revenue, dec_cost = plan_money(approved["2026-12"], "2026-12", costs)
    # December sold 4 % more at plan prices and costs: volume = 0.04 x plan margin.
    assert december["volume"] == pytest.approx(0.04 * (dec_revenue - dec_cost))
    assert december["total"] == pytest.approx(0.04 * (dec_revenue - dec_cost))
    assert (december["price"], december["cost"]) == (ZERO, ZERO)
    # January sold the plan 2 % cheaper: price = -0.02 x plan revenue.
    jan_revenue, _ = plan_money(approved["2027-01"], "2027-01", costs)
    assert january["price"] == pytest.approx(-0.02 * jan_revenue)
    assert january["total"] == pytest.approx(-0.02 * jan_revenue)
    # February's units cost 3 % more: cost = -0.03 x plan cost of goods sold.
    _, feb_cost = plan_money(approved["2027-02"], "2027-02", costs)
    assert february["cost"] == pytest.approx(-0.03 * feb_cost)
    assert february["total"] == pytest.approx(-0.03 * feb_cost)

    # Stability: the fence held each cycle's first two months at the last approved plan.
    stability = await get_json(platform, "/execution/stability", near_term_months=FENCE_MONTHS)
    pairs = [
        (p["previous_plan_id"], p["plan_id"], p["months"], p["stability"])
        for p in stability["pairs"]
    ]
    assert pairs == [
        (
            approved["2026-12"]["id"],
            approved["2027-01"]["id"],
            ["2027-01", "2027-02"],
            pytest.approx(1),
        ),
        (
            approved["2027-01"]["id"],
            approved["2027-02"]["id"],
            ["2027-02", "2027-03"],
            pytest.approx(1),
        ),
    ]

    # Deviations: each month's on the cycle its closing opened, owned as the RACI says.
    costs_by_family = {
        month: {
            family: plan_money(approved[month], month, costs, family)
            for family in sorted({line["family_code"] for line in approved[month]["lines"]})
        }
        for month in MONTHS
    }

    def made(month: str) -> list[tuple[str, str, float, str]]:
        families = [
            line["family_code"]
            for line in approved[month]["family_lines"]
            if line["period"] == month and line["production"] > 0
        ]
        resources = [
            line["resource_code"]
            for line in approved[month]["resource_lines"]
            if line["period"] == month and line["load"] > 0
        ]
        return [("production_adherence", f, 0.9, "supply_planner") for f in sorted(families)] + [
            ("hours_adherence", r, 0.9, "operations") for r in sorted(resources)
        ]

    def margin(month: str, moved: Any) -> list[tuple[str, str, float, str]]:
        """Families whose margin moved (``moved(revenue, cost)``) by more than 5 % of it."""
        return [
            ("margin_variance", family, moved(revenue, cost) / abs(revenue - cost), "finance")
            for family, (revenue, cost) in costs_by_family[month].items()
            if abs(moved(revenue, cost)) > 0.05 * abs(revenue - cost)
        ]

    expected = {
        "2026-12": [*made("2026-12"), ("service_attainment", "DIST", 0.8, "sales")],
        "2027-01": margin("2027-01", lambda revenue, cost: -0.02 * revenue),
        "2027-02": [*made("2027-02"), *margin("2027-02", lambda revenue, cost: -0.03 * cost)],
    }
    order = ["production_adherence", "hours_adherence", "service_attainment", "margin_variance"]
    for month in MONTHS:
        found = [(d["kind"], d["subject_code"], d["value"], d["owner_role"]) for d in raised[month]]
        want = sorted(expected[month], key=lambda d: (order.index(d[0]), d[1]))
        assert found == [(k, c, pytest.approx(v), r) for k, c, v, r in want], month
        assert {d["period"] for d in raised[month]} <= {month}
    assert expected["2027-01"] and expected["2027-02"]  # the rule had something to find
    following = ok(
        await platform.gateway.get(f"/cycles/{raised['2026-12'][0]['cycle_id']}/deviations")
    )
    assert following == raised["2026-12"]
    graph = await platform.graphql(
        "query($id: Int!) { cycle(id: $id) { period deviations { kind subjectCode ownerRole } } }",
        id=raised["2026-12"][0]["cycle_id"],
    )
    assert graph["cycle"] == {
        "period": "2027-01",
        "deviations": [
            {"kind": d["kind"], "subjectCode": d["subject_code"], "ownerRole": d["owner_role"]}
            for d in raised["2026-12"]
        ],
    }
    # On the next cycle's agendas: each deviation at the first review its owner runs.
    review_of_owner = {
        "supply_planner": "supply_review",
        "operations": "supply_review",
        "sales": "demand_review",
        "finance": "pre_sop",
    }
    agendas = ok(await platform.gateway.get(f"/cycles/{raised['2026-12'][0]['cycle_id']}/agendas"))
    on_agendas = sorted(
        (agenda["meeting"], item["kind"], item["id"])
        for agenda in agendas
        for item in agenda["deviations"]
    )
    assert on_agendas == sorted(
        (review_of_owner[d["owner_role"]], f"deviation_{d['kind']}", d["id"])
        for d in raised["2026-12"]
    )
    deliveries = ok(await platform.gateway.get("/webhooks/deliveries", params={"limit": 500}))
    announced = [
        d["payload"]["deviation_id"]
        for d in deliveries["items"]
        if d["event"] == "deviation.raised"
    ]
    assert sorted(announced) == sorted(d["id"] for month in MONTHS for d in raised[month])
