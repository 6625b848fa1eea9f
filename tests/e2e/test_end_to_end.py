"""End to end: the four processes for real (uvicorn, free ports, SQLite files), the demo
loaded through the services' APIs (two demand reviews run by their people, each with their
own token), read through GraphQL, reconciled into a consensus plan whose escalation items
are readable through GraphQL too, then everything stopped."""

import asyncio
import datetime as dt
import signal
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from shared.auth import Role
from sop.cli import dev_token
from sop.demo import BOTTLENECK_RESOURCE, PEOPLE, DemoData, build_demo, load_demo
from sop.demo.build import STREAM_ROLE
from sop.supervisor import Supervisor, upstream_urls
from tests.e2e.platform import nothing_listens, running_platform

pytestmark = pytest.mark.slow

FAMILIES_QUERY = """
query Families($segment: Code!) {
  families {
    code
    status
    demandPlanLines(segmentCode: $segment) { segmentCode period quantity }
    prices(segmentCode: $segment) { segmentCode period price }
    routings { resourceCode hoursPerUnit }
  }
}
"""

CONSENSUS_QUERY = """
query Consensus($id: Int!, $resource: Code!) {
  consensusPlan(id: $id) {
    id
    version
    demandPlanId
    escalationCount
    segments { segment fillRate target }
    escalations { kind severity familyCode segmentCode resourceCode periods amount unit }
    resources(resourceCode: $resource) { period load regularCapacity utilisation }
  }
}
"""

SUPPLY_REVIEW_QUERY = """
query SupplyReview {
  supplyPlans(status: proposed) {
    demandPlanId
    comparison {
      consensusPlan { id }
      differingLines
      totals { production { supplyPlan consensus difference } }
    }
  }
}
"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Supervisor]:
    with running_platform(tmp_path_factory.mktemp("platform")) as supervisor:
        yield supervisor


@pytest.fixture(scope="module")
def urls(platform: Supervisor) -> dict[str, str]:
    return {spec.name: spec.url for spec in platform.specs}


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """A client with a process owner's dev-mode token (services read with any role)."""
    token = dev_token(Role.process_owner, subject="e2e-process-owner")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(headers=headers, timeout=300) as client:
        yield client


@pytest.fixture(scope="module")
def demo(platform: Supervisor) -> DemoData:
    today = dt.date.today()
    token = dev_token(Role.integration, subject="e2e-loader")
    asyncio.run(load_demo(upstream_urls(platform.specs), today=today, token=token))
    return build_demo(today)


@pytest.fixture(scope="module")
def consensus(http: httpx.Client, urls: dict[str, str], demo: DemoData) -> dict[str, Any]:
    response = http.post(f"{urls['gateway']}/reconcile")
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    return plan


def graphql(http: httpx.Client, url: str, query: str, **variables: Any) -> dict[str, Any]:
    response = http.post(f"{url}/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def test_the_demo_is_loaded_through_the_services_apis(
    http: httpx.Client, urls: dict[str, str], demo: DemoData
) -> None:
    latest = http.get(f"{urls['demand']}/demand-plans/latest").json()
    assert latest["status"] == "locked" and latest["built_from_streams"]
    assert latest["horizon_start"] == demo.review.plan.horizon_start
    lines = http.get(f"{urls['demand']}/demand-plans/{latest['id']}/lines", params={"limit": 1})
    assert lines.json()["total"] == len(demo.expected_demand)
    capacity = http.get(f"{urls['supply']}/capacity", params={"limit": 1}).json()
    assert capacity["total"] == len(demo.capacity)
    prices = http.get(f"{urls['finance']}/prices", params={"limit": 1}).json()
    assert prices["total"] == len(demo.prices)


def test_the_demand_review_has_its_waterfall_and_the_past_one_its_accuracy(
    http: httpx.Client, urls: dict[str, str], demo: DemoData
) -> None:
    demand = urls["demand"]
    plans = http.get(f"{demand}/demand-plans", params={"status": "locked"}).json()["items"]
    assert [p["horizon_start"] for p in plans] == [
        demo.past_review.plan.horizon_start,
        demo.review.plan.horizon_start,
    ]
    current = plans[-1]["id"]
    waterfall = http.get(f"{demand}/demand-plans/{current}/waterfall", params={"limit": 5000})
    cells = waterfall.json()["items"]
    assert len(cells) == len(demo.expected_demand)
    authors = {c["author"] for cell in cells for c in cell["contributions"]}
    assert authors == {PEOPLE[role].subject for role in STREAM_ROLE.values()}

    accuracy = http.get(f"{demand}/accuracy", params={"group_by": ["plan"]}).json()["items"]
    assert {row["stream"] for row in accuracy} == {
        "naive",
        "statistical",
        "sales",
        "marketing",
        "product",
        "planner",
        "consensus",
    }
    assert {row["plan_id"] for row in accuracy} == {plans[0]["id"]}
    flags = http.get(f"{demand}/accuracy/bias-flags").json()["items"]
    assert any((f["stream"], f["author"]) == ("sales", "s.moreau") for f in flags), flags


def test_graphql_serves_families_with_demand_plan_lines_prices_and_routings(
    http: httpx.Client, urls: dict[str, str], demo: DemoData
) -> None:
    families = graphql(http, urls["gateway"], FAMILIES_QUERY, segment="KEY")["families"]
    assert {f["code"] for f in families} == {f.code for f in demo.families}
    espresso = next(f for f in families if f["code"] == "ESP-HOME")
    latest = http.get(f"{urls['demand']}/demand-plans/latest").json()
    consensus = http.get(
        f"{urls['demand']}/demand-plans/{latest['id']}/lines",
        params={"family_code": "ESP-HOME", "segment_code": "KEY", "limit": 100},
    ).json()["items"]
    expected_lines = {(ln["period"], ln["quantity"]) for ln in consensus}
    assert len(expected_lines) == demo.review.plan.horizon_months
    assert {(ln["period"], ln["quantity"]) for ln in espresso["demandPlanLines"]} == expected_lines
    expected_prices = {
        (p.period, p.price)
        for p in demo.prices
        if (p.family_code, p.segment_code) == ("ESP-HOME", "KEY")
    }
    assert {(p["period"], p["price"]) for p in espresso["prices"]} == expected_prices
    assert {r["resourceCode"] for r in espresso["routings"]} == {BOTTLENECK_RESOURCE, "LYO-HEAT"}


def test_reconcile_finds_the_bottleneck_and_protects_the_strategic_segment(
    consensus: dict[str, Any], demo: DemoData
) -> None:
    assert consensus["demand_plan_status"] == "locked"
    assert len(consensus["periods"]) == demo.review.plan.horizon_months
    escalations = consensus["escalations"]
    assert escalations
    overloads = [e for e in escalations if e["kind"] == "resource_overload"]
    assert {e["resource_code"] for e in overloads} == {BOTTLENECK_RESOURCE}
    below = {e["segment_code"] for e in escalations if e["kind"] == "service_below_target"}
    assert below, "no segment below its fill-rate target"
    strategic = next(s.code for s in demo.segments if s.strategic)
    assert strategic not in below
    service = {s["segment"]: s for s in consensus["segments"]}
    assert service[strategic]["fill_rate"] >= service[strategic]["target"]
    assert service[strategic]["fill_rate"] == max(s["fill_rate"] for s in service.values())


def test_the_consensus_plan_reads_the_same_through_graphql_and_rest(
    http: httpx.Client, urls: dict[str, str], consensus: dict[str, Any]
) -> None:
    plan = graphql(
        http, urls["gateway"], CONSENSUS_QUERY, id=consensus["id"], resource=BOTTLENECK_RESOURCE
    )["consensusPlan"]
    assert plan["version"] == consensus["version"]
    assert plan["escalationCount"] == len(consensus["escalations"])
    by_graphql = [
        (e["kind"], e["familyCode"], e["segmentCode"], e["resourceCode"], e["amount"])
        for e in plan["escalations"]
    ]
    by_rest = [
        (e["kind"], e["family_code"], e["segment_code"], e["resource_code"], e["amount"])
        for e in consensus["escalations"]
    ]
    assert by_graphql == by_rest
    assert max(line["utilisation"] for line in plan["resources"]) > 0.95

    stored = http.get(f"{urls['gateway']}/consensus-plans/{consensus['id']}").json()
    assert stored["escalations"] == consensus["escalations"]


def test_operations_supply_plan_is_compared_with_the_consensus_through_graphql(
    http: httpx.Client, urls: dict[str, str], consensus: dict[str, Any]
) -> None:
    (plan,) = graphql(http, urls["gateway"], SUPPLY_REVIEW_QUERY)["supplyPlans"]
    assert plan["demandPlanId"] == consensus["demand_plan_id"]
    comparison = plan["comparison"]
    assert comparison["consensusPlan"]["id"] == consensus["id"]
    # The chase plan differs from the optimised one, and both produce.
    assert comparison["differingLines"] > 0
    production = comparison["totals"]["production"]
    assert production["supplyPlan"] > 0 and production["consensus"] > 0


def test_the_four_processes_stop_cleanly(platform: Supervisor, consensus: dict[str, Any]) -> None:
    platform.stop()
    assert all(process.returncode is not None for process in platform.processes.values())
    assert all(nothing_listens(spec.port) for spec in platform.specs)
    # Stopped on request, not killed: uvicorn ends its lifespan, then re-raises SIGTERM.
    assert {p.returncode for p in platform.processes.values()} <= {0, -signal.SIGTERM}
    for spec in platform.specs:
        log = platform.log_path(spec.name).read_text()
        assert "Application shutdown complete" in log, log[-2000:]
        assert "Traceback" not in log, log[-2000:]
