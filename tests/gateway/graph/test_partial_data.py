"""One stopped upstream nulls only the fields that read it, each with an error naming it; the
gateway's own plans and the other services' fields are served."""

from typing import Any

import pytest

from tests.gateway.company import Company, family_codes
from tests.gateway.graph.builders import StoppablePlatform, stoppable_platform

pytestmark = pytest.mark.anyio

QUERY = """
{
  latestConsensusPlan { version escalationCount valuation { totals { revenue } } }
  families {
    code
    prices(segmentCode: "KEY", periodFrom: "2026-01", periodTo: "2026-01") { price }
    routings { resourceCode }
  }
  segments { code }
  resources { code }
}
"""


@pytest.fixture
async def world(database_url: str) -> Any:
    async with stoppable_platform(database_url) as world:
        platform = world.platform
        await Company(families=2).load(
            demand=platform.demand, supply=platform.supply, finance=platform.finance
        )
        assert (await platform.gateway.post("/reconcile")).status_code == 201
        yield world


async def answer(world: StoppablePlatform) -> dict[str, Any]:
    response = await world.platform.gateway.post("/graphql", json={"query": QUERY})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def failures(body: dict[str, Any]) -> dict[str, str]:
    """Each error's path, and the upstream it names."""
    return {
        ".".join(map(str, error["path"])): error["extensions"]["upstream"]
        for error in body["errors"]
        if error["extensions"]["code"] == "upstream-error"
    }


async def test_a_stopped_supply_service_nulls_only_its_fields(world: StoppablePlatform) -> None:
    world.upstreams["supply"].stopped = True
    body = await answer(world)
    data = body["data"]
    assert data["latestConsensusPlan"]["version"] == 1
    assert data["latestConsensusPlan"]["valuation"] == {"totals": {"revenue": 42_000.0}}
    assert data["families"] == [
        {"code": code, "prices": [{"price": 100.0}], "routings": None} for code in family_codes(2)
    ]
    assert data["segments"] == [{"code": "KEY"}, {"code": "RETAIL"}]
    assert data["resources"] is None
    assert failures(body) == {
        "families.0.routings": "supply",
        "families.1.routings": "supply",
        "resources": "supply",
    }
    assert all("the supply service failed" in error["message"] for error in body["errors"])


async def test_a_stopped_demand_service_keeps_the_gateways_plan(world: StoppablePlatform) -> None:
    world.upstreams["demand"].stopped = True
    body = await answer(world)
    data = body["data"]
    assert data["latestConsensusPlan"]["version"] == 1
    assert (data["families"], data["segments"]) == (None, None)
    assert data["resources"] == [{"code": "ASSY-1"}]
    assert set(failures(body).values()) == {"demand"}
    assert {"families", "segments"} <= set(failures(body))


async def test_a_stopped_finance_service_nulls_prices_and_money(world: StoppablePlatform) -> None:
    world.upstreams["finance"].stopped = True
    body = await answer(world)
    data = body["data"]
    assert data["latestConsensusPlan"]["version"] == 1
    assert data["latestConsensusPlan"]["valuation"] is None
    assert [family["prices"] for family in data["families"]] == [None, None]
    assert [family["routings"] for family in data["families"]] == [[{"resourceCode": "ASSY-1"}]] * 2
    assert failures(body) == {
        "latestConsensusPlan.valuation": "finance",
        "families.0.prices": "finance",
        "families.1.prices": "finance",
    }
