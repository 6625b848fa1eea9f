"""POST /reconcile over the real services: a stored plan, and one 422 listing every gap."""

import httpx
import pytest

from tests.gateway.company import DEMAND, MONTHS, PERIODS, PRICE, REGULAR_HOUR_COST, Company
from tests.gateway.conftest import CALLER, Platform

pytestmark = pytest.mark.anyio

PLAN_QUERY = """
query Plan($id: Int!) {
  consensusPlan(id: $id) {
    id version status demandPlanId objective periods escalationCount
    totals { revenue costOfGoodsSold margin fillRate }
    lines(familyCode: "F01") { familyCode segmentCode period demand sales revenue }
    families { familyCode period production }
    resources { resourceCode period load regularCapacity utilisation }
    escalations { kind severity resourceCode families periods amount unit
                  options { lever costDelta resolves } recommendedOption }
    bottlenecks { resource periods shadowPriceMax valueOfMoreCapacity }
    shortages { family segment cause }
    stats { termination solver variables solves }
  }
}
"""


async def test_reconcile_stores_a_plan_readable_over_rest_and_graphql(platform: Platform) -> None:
    plan_id = await Company(families=2).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )

    response = await platform.gateway.post("/reconcile")

    assert response.status_code == 201, response.text
    plan = response.json()
    assert plan["version"] == 1
    assert plan["status"] == "recommended"
    assert (plan["demand_plan_id"], plan["demand_plan_status"]) == (plan_id, "locked")
    assert plan["periods"] == PERIODS
    assert len(plan["lines"]) == 2 * len(DEMAND) * MONTHS
    assert len(plan["family_lines"]) == 2 * MONTHS
    assert [line["period"] for line in plan["resource_lines"]] == PERIODS
    # Capacity is exactly the demand's hours: all demand is served, at price 100, with unit
    # costs 40, 40, 45 and 10 per regular hour (1 hour a unit).
    units_per_month = sum(DEMAND.values()) * 2
    totals = plan["totals"]
    assert totals["revenue"] == pytest.approx(units_per_month * MONTHS * PRICE)
    assert totals["cost_of_goods_sold"] == pytest.approx(units_per_month * (40 + 40 + 45))
    assert totals["regular_labour_cost"] == pytest.approx(
        units_per_month * MONTHS * REGULAR_HOUR_COST
    )
    assert totals["fill_rate"] == pytest.approx(1.0)
    # 100% utilisation is above the 95% threshold.
    overloads = [item for item in plan["escalations"] if item["kind"] == "resource_overload"]
    assert overloads and overloads[0]["resource_code"] == "ASSY-1"
    assert plan["escalation_count"] == len(plan["escalations"])

    data = await platform.graphql(PLAN_QUERY, id=plan["id"])
    read = data["consensusPlan"]
    assert isinstance(read, dict)
    assert (read["version"], read["status"], read["objective"]) == (1, "recommended", "max_margin")
    assert read["totals"]["revenue"] == pytest.approx(totals["revenue"])
    assert read["lines"] == [
        {key: line[key] for key in ("period", "demand", "sales", "revenue")}
        | {"familyCode": line["family_code"], "segmentCode": line["segment_code"]}
        for line in plan["lines"]
        if line["family_code"] == "F01"
    ]
    assert len(read["families"]) == len(plan["family_lines"])
    assert [line["load"] for line in read["resources"]] == [
        line["load"] for line in plan["resource_lines"]
    ]
    assert [item["kind"] for item in read["escalations"]] == [
        item["kind"] for item in plan["escalations"]
    ]
    assert [option["lever"] for option in read["escalations"][0]["options"]] == [
        option["lever"] for option in plan["escalations"][0]["options"]
    ]
    explanation = plan["explanation"] or {"bottlenecks": [], "shortages": []}
    assert [b["resource"] for b in read["bottlenecks"]] == [
        b["resource"] for b in explanation["bottlenecks"]
    ]
    assert len(read["shortages"]) == len(explanation["shortages"])
    assert read["stats"]["termination"] == plan["stats"]["termination"]

    rest = await platform.gateway.get(f"/consensus-plans/{plan['id']}")
    assert rest.status_code == 200
    assert rest.json() == plan


async def test_reconcile_again_makes_the_next_version(platform: Platform) -> None:
    await Company(families=2, lock=False).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    first = await platform.gateway.post("/reconcile", json={"objective": "max_margin"})
    second = await platform.gateway.post("/reconcile", json={"time_limit_seconds": 20})
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    # No locked plan: the latest draft is used, and the plan says so.
    assert second.json()["demand_plan_status"] == "draft"

    listed = (await platform.gateway.get("/consensus-plans")).json()
    assert listed["total"] == 2
    assert [plan["version"] for plan in listed["items"]] == [2, 1]
    assert "lines" not in listed["items"][0]


async def test_every_cross_service_gap_in_one_problem(platform: Platform) -> None:
    await Company(
        families=3,
        no_price={("F02", "RETAIL")},
        no_unit_cost={"F03"},
        no_capacity={"2026-02", "2026-03"},
    ).load(demand=platform.demand, supply=platform.supply, finance=platform.finance)
    # Codes the demand service does not know, used by supply and finance.
    await platform.supply.post("/resources", json={"code": "PACK", "name": "Packing"})
    ghost_routing = {"family_code": "GHOST", "resource_code": "PACK", "hours_per_unit": 1}
    assert (await platform.supply.post("/routings", json=ghost_routing)).status_code == 201
    ghost_lever = {"lever": "lost_sale_unit", "code": "NOWHERE", "cost": 3}
    assert (await platform.finance.post("/lever-costs", json=ghost_lever)).status_code == 201

    response = await platform.gateway.post("/reconcile")

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    reasons = {error["field"]: error["reason"] for error in problem["errors"]}
    assert "no price in 2026-01..2026-03" in reasons["finance.prices.F02.RETAIL"]
    assert reasons["finance.unit_costs.F03"] == "no unit cost"
    assert reasons["supply.capacity.ASSY-1"] == "no capacity in 2026-02..2026-03"
    assert "unknown family code 'GHOST'" in reasons["supply.routings.GHOST.PACK"]
    assert "unknown segment code 'NOWHERE'" in reasons["finance.lever_costs.lost_sale_unit.NOWHERE"]
    assert len(problem["errors"]) == 5
    assert (await platform.gateway.get("/consensus-plans")).json()["total"] == 0


async def test_missing_demand_plan_and_bad_request_bodies(platform: Platform) -> None:
    nothing = await platform.gateway.post("/reconcile")
    assert nothing.status_code == 422
    assert nothing.json()["errors"][0]["field"] == "demand.demand_plans"

    await Company(families=1).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    unknown = await platform.gateway.post("/reconcile", json={"demand_plan_id": 999})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.demand_plan_id"

    for body, field in [
        ({"objective": "max_fun"}, "body.objective"),
        ({"time_limit_seconds": -1}, "body.time_limit_seconds"),
        ({"time_limit_seconds": 31}, "body.time_limit_seconds"),  # above the gateway's 30 s
        ({"demand_plan_id": "one"}, "body.demand_plan_id"),
        ({"surprise": 1}, "body.surprise"),
    ]:
        refused = await platform.gateway.post("/reconcile", json=body)
        assert refused.status_code == 422, body
        assert any(error["field"] == field for error in refused.json()["errors"]), refused.json()
    assert (await platform.gateway.get("/consensus-plans")).json()["total"] == 0


async def test_a_caller_the_services_refuse_gets_401_not_502(platform: Platform) -> None:
    await Company(families=1).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    anonymous = await platform.gateway.post("/reconcile", headers={"Authorization": ""})
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json()["code"] == "unauthorized"
    graph = await platform.gateway.post(
        "/graphql",
        json={"query": "{ resources { code } }"},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert graph.status_code == 401
    assert graph.json()["code"] == "unauthorized"


async def test_a_plan_starting_beyond_the_sane_window_is_a_422_not_a_502(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    await Company(families=1).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    # A plan stored before the demand service refused such starts.
    monkeypatch.setattr(
        "services.demand.plans.service.check_horizon_start", lambda **_: None, raising=False
    )
    far = {"name": "Typo", "horizon_start": "2990-01", "horizon_months": 24}
    created = await platform.demand.post("/demand-plans", json=far)
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]

    response = await platform.gateway.post("/reconcile", json={"demand_plan_id": plan_id})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    (error,) = response.json()["errors"]
    assert error["field"] == f"demand.demand_plans.{plan_id}.horizon_start"
    assert "2990-01" in error["reason"] and "5 years" in error["reason"]


class LosesTheFirstAnswer(httpx.AsyncBaseTransport):
    """A connection reset after the gateway answered the first request: it did all its
    work, its answer never reached the caller."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not self.lost:
            self.lost += 1
            await response.aread()
            raise httpx.ReadError("connection reset by peer", request=request)
        return response


async def test_a_reconcile_retried_after_a_lost_answer_stores_one_version(
    platform: Platform,
) -> None:
    await Company(families=2).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    lossy = LosesTheFirstAnswer(platform.gateway._transport)  # the gateway app, in process
    key = {"Idempotency-Key": "reconcile-2026-12-olivia-1"}
    async with httpx.AsyncClient(
        transport=lossy, base_url="http://gateway", headers={**CALLER, **key}
    ) as client:
        with pytest.raises(httpx.ReadError):
            await client.post("/reconcile", json={"objective": "max_margin"})
        upstream_calls = len(platform.calls)
        retried = await client.post("/reconcile", json={"objective": "max_margin"})

    assert retried.status_code == 201, retried.text
    assert retried.headers["idempotent-replayed"] == "true"
    assert retried.json()["version"] == 1
    assert len(platform.calls) == upstream_calls  # nothing gathered, nothing solved again
    listed = (await platform.gateway.get("/consensus-plans")).json()
    assert [plan["version"] for plan in listed["items"]] == [1]
    assert (await platform.gateway.get(f"/consensus-plans/{retried.json()['id']}")).json() == (
        retried.json()
    )
    # The key names that request: another body under it is refused, nothing stored.
    other = await platform.gateway.post("/reconcile", json={"objective": "min_cost"}, headers=key)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"
    # Without a key, the same retry would have stored a second version.
    assert (await platform.gateway.post("/reconcile", json={})).json()["version"] == 2


async def test_a_failed_reconcile_frees_its_key(platform: Platform) -> None:
    key = {"Idempotency-Key": "reconcile-too-early"}
    nothing_loaded = await platform.gateway.post("/reconcile", headers=key)
    assert nothing_loaded.status_code == 422, nothing_loaded.text
    await Company(families=1).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    retried = await platform.gateway.post("/reconcile", headers=key)
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
