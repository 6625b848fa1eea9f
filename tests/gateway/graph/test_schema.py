"""The graph: upstream calls batched by DataLoaders, the reconcile mutation, errors."""

import pytest

from gateway.graph.loaders import LOCKED_DEMAND_LINES
from shared.auth import Role
from tests.gateway.company import DEMAND, MONTHS, Company, family_codes
from tests.gateway.conftest import CALLER, Call, Platform
from tests.tokens import bearer

pytestmark = pytest.mark.anyio

FAMILIES_QUERY = """
query Families($codes: [Code!]) {
  families(codes: $codes) {
    code name status
    demandPlanLines { segmentCode period quantity }
    prices(periodFrom: "2026-01", periodTo: "2026-03") { segmentCode period price }
    unitCosts { effectiveFrom variableCost }
    inventoryPolicy { safetyStock }
    routings { resourceCode hoursPerUnit resource { code name } family { code } }
  }
}
"""


async def _families_calls(
    platform: Platform, codes: list[str] | None, *, cold: bool = True
) -> tuple[int, list[Call]]:
    """Families read, and the upstream calls made; ``cold``: as if the gateway had read no
    locked demand plan's lines before (they are kept process-wide once read)."""
    if cold:
        LOCKED_DEMAND_LINES.clear()
    platform.calls.clear()
    data = await platform.graphql(FAMILIES_QUERY, codes=codes)
    families = data["families"]
    assert isinstance(families, list)
    return len(families), list(platform.calls)


async def test_upstream_calls_do_not_grow_with_rows(platform: Platform) -> None:
    await Company(families=20).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )

    two, calls_for_two = await _families_calls(platform, family_codes(2))
    twenty, calls_for_twenty = await _families_calls(platform, None)
    one, calls_for_one = await _families_calls(platform, ["F07"])

    assert (one, two, twenty) == (1, 2, 20)
    assert len(calls_for_two) == len(calls_for_twenty) == len(calls_for_one)
    # One list call per upstream collection, whatever the number of families.
    paths = sorted(call.path for call in calls_for_twenty)
    assert paths == sorted(
        [
            "/families",
            "/demand-plans/latest",
            "/demand-plans/1/lines/export",
            "/prices/export",
            "/unit-costs/export",
            "/inventory-policies/export",
            "/routings/export",
            "/resources",
        ]
    )


async def test_a_locked_demand_plans_lines_are_read_once_per_process(platform: Platform) -> None:
    await Company(families=3).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    _, first = await _families_calls(platform, None)
    _, again = await _families_calls(platform, ["F01"], cold=False)

    assert "/demand-plans/1/lines/export" in [call.path for call in first]
    assert "/demand-plans/1/lines/export" not in [call.path for call in again]
    assert "/demand-plans/latest" in [call.path for call in again]


async def test_family_fields_carry_each_services_data(platform: Platform) -> None:
    await Company(families=3).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    data = await platform.graphql(FAMILIES_QUERY, codes=["F02", "F03"])
    families = data["families"]
    assert isinstance(families, list)
    assert [family["code"] for family in families] == ["F02", "F03"]
    f02 = families[0]
    assert len(f02["demandPlanLines"]) == len(DEMAND) * MONTHS
    assert {line["quantity"] for line in f02["demandPlanLines"]} == set(DEMAND.values())
    assert len(f02["prices"]) == len(DEMAND) * MONTHS
    assert [cost["variableCost"] for cost in f02["unitCosts"]] == [40.0, 45.0]
    assert f02["inventoryPolicy"] == {"safetyStock": 0.0}
    assert f02["routings"] == [
        {
            "resourceCode": "ASSY-1",
            "hoursPerUnit": 1.0,
            "resource": {"code": "ASSY-1", "name": "Assembly line 1"},
            "family": {"code": "F02"},
        }
    ]


async def test_reconcile_mutation_and_resources_planned_load(platform: Platform) -> None:
    await Company(families=2).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    before = await platform.graphql("{ resources { code plannedLoad { load } } }")
    assert before == {"resources": [{"code": "ASSY-1", "plannedLoad": []}]}

    made = await platform.graphql(
        """
        mutation { reconcile(input: {objective: max_margin}) {
          id version demandPlan { id status } totals { fillRate }
          escalations(kind: resource_overload) { resourceCode options { lever } }
        } }
        """
    )
    plan = made["reconcile"]
    assert isinstance(plan, dict)
    assert plan["version"] == 1
    assert plan["demandPlan"]["status"] == "locked"
    assert [item["resourceCode"] for item in plan["escalations"]] == ["ASSY-1"]

    after = await platform.graphql(
        """
        { resources { code capacity { period regularHours }
                      routings { familyCode }
                      plannedLoad { period load utilisation } }
          latestConsensusPlan { id }
          consensusPlans(limit: 5) { version } }
        """
    )
    resource = after["resources"][0]  # type: ignore[index]
    assert [line["load"] for line in resource["plannedLoad"]] == [140.0] * MONTHS
    assert [row["regularHours"] for row in resource["capacity"]] == [140.0] * MONTHS
    assert sorted(r["familyCode"] for r in resource["routings"]) == ["F01", "F02"]
    assert after["latestConsensusPlan"] == {"id": plan["id"]}
    assert after["consensusPlans"] == [{"version": 1}]


async def test_errors_carry_problem_details(platform: Platform) -> None:
    response = await platform.gateway.post(
        "/graphql", json={"query": "mutation { reconcile { id } }"}
    )
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "validation-error"
    assert error["extensions"]["status"] == 422
    assert error["extensions"]["errors"][0]["field"] == "demand.demand_plans"

    bad_input = await platform.gateway.post(
        "/graphql", json={"query": "mutation { reconcile(input: {timeLimitSeconds: -5}) { id } }"}
    )
    [error] = bad_input.json()["errors"]
    assert error["extensions"]["errors"][0]["field"] == "input.timeLimitSeconds"
    too_long = await platform.gateway.post(
        "/graphql", json={"query": "mutation { reconcile(input: {timeLimitSeconds: 31}) { id } }"}
    )
    [error] = too_long.json()["errors"]
    assert error["extensions"]["errors"][0]["field"] == "input.timeLimitSeconds"

    malformed = await platform.gateway.post(
        "/graphql",
        json={"query": '{ families(codes: ["no spaces!"]) { code } }'},
    )
    assert "is not a code" in malformed.json()["errors"][0]["message"]
    bad_period = await platform.gateway.post(
        "/graphql",
        json={"query": '{ families { prices(periodFrom: "2026-13") { price } } }'},
    )
    assert "is not a month" in bad_period.json()["errors"][0]["message"]
    assert not [call for call in platform.calls if call.path in ("/families", "/prices/export")]


async def test_upstream_calls_carry_the_callers_credentials(platform: Platform) -> None:
    await Company(families=1).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    platform.calls.clear()
    assert (await platform.gateway.post("/reconcile")).status_code == 201
    await platform.graphql(FAMILIES_QUERY)
    assert platform.calls
    assert {call.authorization for call in platform.calls} == {CALLER["Authorization"]}

    platform.calls.clear()
    viewer = bearer(Role.viewer, subject="vic")
    graph = await platform.gateway.post(
        "/graphql", json={"query": "{ segments { code } }"}, headers=viewer
    )
    assert "errors" not in graph.json()
    assert [call.authorization for call in platform.calls] == [viewer["Authorization"]]


async def test_graphiql_is_served_to_a_browser(platform: Platform) -> None:
    page = await platform.gateway.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_the_request_id_follows_the_request_upstream(platform: Platform) -> None:
    await Company(families=2).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    platform.calls.clear()
    answer = await platform.gateway.post(
        "/graphql",
        json={"query": "{ families { code prices { price } routings { hoursPerUnit } } }"},
        headers={"X-Request-ID": "5e1f0c2a9b8d4e7f8a6b5c4d3e2f1a0b"},
    )
    assert answer.headers["X-Request-ID"] == "5e1f0c2a9b8d4e7f8a6b5c4d3e2f1a0b"
    assert {call.service for call in platform.calls} == {"demand", "supply", "finance"}
    assert {call.request_id for call in platform.calls} == {"5e1f0c2a9b8d4e7f8a6b5c4d3e2f1a0b"}
