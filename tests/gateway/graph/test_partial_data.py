"""One stopped upstream nulls only the fields that read it, each with an error naming it; the
gateway's own plans and the other services' fields are served."""

from typing import Any

import pytest

from tests.gateway.company import Company, family_codes
from tests.gateway.conftest import Platform
from tests.gateway.graph.builders import stop

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
async def planned(platform: Platform) -> Platform:
    """The small company reconciled into consensus plan version 1."""
    await Company(families=2).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    assert (await platform.gateway.post("/reconcile")).status_code == 201
    return platform


async def answer_without(
    service: str, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], dict[str, str]]:
    """The query's data with ``service`` stopped, and each error's path with the upstream it
    names. The gateway's own plan is always served."""
    stop(monkeypatch, service)
    response = await platform.gateway.post("/graphql", json={"query": QUERY})
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["latestConsensusPlan"]["version"] == 1
    assert all(f"the {service} service failed" in error["message"] for error in body["errors"])
    failures = {
        ".".join(map(str, error["path"])): error["extensions"]["upstream"]
        for error in body["errors"]
        if error["extensions"]["code"] == "upstream-error"
    }
    return body["data"], failures


async def test_a_stopped_supply_service_nulls_only_its_fields(
    planned: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, failures = await answer_without("supply", planned, monkeypatch)
    assert data["latestConsensusPlan"]["valuation"] == {"totals": {"revenue": 42_000.0}}
    assert data["families"] == [
        {"code": code, "prices": [{"price": 100.0}], "routings": None} for code in family_codes(2)
    ]
    assert data["segments"] == [{"code": "KEY"}, {"code": "RETAIL"}]
    assert data["resources"] is None
    assert failures == {
        "families.0.routings": "supply",
        "families.1.routings": "supply",
        "resources": "supply",
    }


async def test_a_stopped_demand_service_keeps_the_gateways_plan(
    planned: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, failures = await answer_without("demand", planned, monkeypatch)
    assert (data["families"], data["segments"]) == (None, None)
    assert data["resources"] == [{"code": "ASSY-1"}]
    assert {"families": "demand", "segments": "demand"}.items() <= failures.items()


async def test_a_stopped_finance_service_nulls_prices_and_money(
    planned: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, failures = await answer_without("finance", planned, monkeypatch)
    assert data["latestConsensusPlan"]["valuation"] is None
    assert [family["prices"] for family in data["families"]] == [None, None]
    assert [family["routings"] for family in data["families"]] == [[{"resourceCode": "ASSY-1"}]] * 2
    assert failures == {
        "latestConsensusPlan.valuation": "finance",
        "families.0.prices": "finance",
        "families.1.prices": "finance",
    }
