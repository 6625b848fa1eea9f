"""The demo's demand reviews run through the real services, in-process: each person writes
their own stream with their own token, the plans are locked, the consensus still overloads
the bottleneck, and the review of six months ago is scored against its actuals."""

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest

from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.auth import Role
from shared.contracts.demand import DemandPlanLinePublic, InputStream
from shared.settings import DemandSettings, FinanceSettings, SupplySettings
from sop.demo import (
    BOTTLENECK_RESOURCE,
    PEOPLE,
    LoadReport,
    ServiceClients,
    build_demo,
    load_into,
    people_tokens,
)
from sop.demo.load import run_review
from tests.conftest import sibling_database
from tests.sop.demo.test_demo import TODAY, assert_the_bottleneck_cannot_supply
from tests.tokens import bearer

LOADER = bearer(Role.integration, subject="demo-loader")
# Of every month of the year, the one whose baseline sees the least of the espresso peak
# (measured over the twelve: the consensus is 5 to 24% beyond what the bottleneck can make).
WEAKEST_MONTH = dt.date(2026, 8, 15)


@asynccontextmanager
async def services(demand_url: str) -> AsyncIterator[ServiceClients]:
    """The three services in-process, each client carrying the loader's token."""
    apps = {
        "demand": create_demand(DemandSettings(database_url=demand_url)),
        "supply": create_supply(SupplySettings(database_url=sibling_database("supply"))),
        "finance": create_finance(FinanceSettings(database_url=sibling_database("finance"))),
    }
    async with AsyncExitStack() as stack:
        clients = {}
        for name, app in apps.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url=f"http://{name}",
                    headers=LOADER,
                    timeout=120,
                )
            )
        yield ServiceClients(**clients)


async def items(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(path, params={"limit": 5000, **params})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


@pytest.fixture(scope="module")
def loaded() -> dict[str, Any]:
    """The whole demo loaded once; what the tests read from the demand service."""

    async def load() -> dict[str, Any]:
        data = build_demo(TODAY)
        async with services(sibling_database("demand")) as clients:
            report = await load_into(clients, data, people=people_tokens())
            assert report.plan is not None and report.past_plan is not None
            assert report.supply_plan is not None
            demand = clients.demand
            plan, past = report.plan.id, report.past_plan.id
            return {
                "data": data,
                "report": report,
                "latest": (await demand.get("/demand-plans/latest")).json(),
                "lines": await items(demand, f"/demand-plans/{plan}/lines"),
                "waterfall": await items(demand, f"/demand-plans/{plan}/waterfall"),
                "baseline": await items(demand, f"/demand-plans/{plan}/baseline"),
                "inputs": await items(demand, f"/demand-plans/{plan}/inputs"),
                "past_inputs": await items(demand, f"/demand-plans/{past}/inputs"),
                "accuracy": await items(demand, "/accuracy", group_by=["plan"]),
                "flags": await items(demand, "/accuracy/bias-flags"),
                "audit": await items(demand, "/audit", entity="demand_plan"),
                "supply_validation": await clients.supply.post(
                    f"/supply-plans/{report.supply_plan.id}/validate"
                ),
                "supply_lines": await items(
                    clients.supply, f"/supply-plans/{report.supply_plan.id}/lines"
                ),
                "supply_audit": await items(clients.supply, "/audit", entity="supply_plan"),
                "coherence": (await demand.get("/hierarchy/coherence")).json(),
                "esp_home_items": (
                    await demand.get(
                        f"/demand-plans/{plan}/disaggregation", params={"family_code": "ESP-HOME"}
                    )
                ).json(),
            }

    return asyncio.run(load())


def test_both_reviews_are_locked_and_todays_is_the_plan_to_use(loaded: dict[str, Any]) -> None:
    report: LoadReport = loaded["report"]
    assert report.plan is not None and report.past_plan is not None
    assert (report.past_plan.status, report.plan.status) == ("locked", "locked")
    assert (report.past_plan.version, report.plan.version) == (1, 2)
    assert loaded["latest"]["id"] == report.plan.id
    assert report.plan.built_from_streams and report.past_plan.built_from_streams
    assert report.plan.horizon_start == loaded["data"].review.plan.horizon_start
    locks = [e for e in loaded["audit"] if e["after"] and e["after"].get("status") == "locked"]
    assert [(e["user"], e["roles"]) for e in locks] == [("d.novak", "demand_planner")] * 2


def test_every_series_with_history_has_a_baseline_and_every_cell_a_waterfall(
    loaded: dict[str, Any],
) -> None:
    data = loaded["data"]
    with_history = {(h.family_code, h.segment_code) for h in data.history}
    assert {(s["family_code"], s["segment_code"]) for s in loaded["baseline"]} == with_history
    cells = {(ln.family_code, ln.segment_code, ln.period) for ln in data.expected_demand}
    assert {(c["family_code"], c["segment_code"], c["period"]) for c in loaded["waterfall"]} == (
        cells
    )
    assert len(loaded["lines"]) == len(cells)
    consensus = {(c["family_code"], c["segment_code"], c["period"]): c for c in loaded["waterfall"]}
    for line in loaded["lines"]:
        key = (line["family_code"], line["segment_code"], line["period"])
        assert line["quantity"] == consensus[key]["consensus"]
    moved = {c["stream"] for cell in loaded["waterfall"] for c in cell["contributions"]}
    assert moved == {stream.value for stream in InputStream}


def test_item_history_adds_up_to_the_family_history_and_the_plan_to_items(
    loaded: dict[str, Any],
) -> None:
    assert loaded["coherence"]["total"] == 0
    split = loaded["esp_home_items"]
    assert split["unallocated"] == []
    summed: dict[tuple[str, str], float] = {}
    for line in split["lines"]:
        key = (line["segment_code"], line["period"])
        summed[key] = summed.get(key, 0.0) + line["quantity"]
    planned = {
        (line["segment_code"], line["period"]): line["quantity"]
        for line in loaded["lines"]
        if line["family_code"] == "ESP-HOME"
    }
    assert summed == pytest.approx(planned)


def test_each_person_wrote_their_own_stream(loaded: dict[str, Any]) -> None:
    role_of_stream = {
        "sales": Role.sales,
        "marketing": Role.marketing,
        "product": Role.product_manager,
        "planner": Role.demand_planner,
    }
    for inputs in (loaded["inputs"], loaded["past_inputs"]):
        assert {i["stream"] for i in inputs} == set(role_of_stream)
        for item in inputs:
            role = role_of_stream[item["stream"]]
            assert (item["author"], item["role"]) == (PEOPLE[role].subject, role.value)
    assert len(loaded["inputs"]) == len(loaded["data"].review.inputs)


def test_the_past_review_is_scored_and_sales_optimism_is_flagged(loaded: dict[str, Any]) -> None:
    report: LoadReport = loaded["report"]
    assert report.past_plan is not None
    rows = {row["stream"]: row for row in loaded["accuracy"]}
    assert set(rows) == {
        "naive",
        "statistical",
        "sales",
        "marketing",
        "product",
        "planner",
        "consensus",
    }
    assert {row["plan_id"] for row in rows.values()} == {report.past_plan.id}
    series = len({(h.family_code, h.segment_code) for h in loaded["data"].history})
    assert rows["consensus"]["observations"] == 6 * series
    assert all(row["fva_vs_statistical"] is not None for row in rows.values())
    sales = [
        f
        for f in loaded["flags"]
        if (f["stream"], f["author"], f["segment_code"]) == ("sales", "s.moreau", "KEY")
    ]
    assert [(f["direction"], f["severity"], f["periods"]) for f in sales] == [
        ("over_forecast", "high", 6)
    ]
    assert sales[0]["message"].startswith(
        "sales forecast by s.moreau for segment KEY over-forecast"
    )
    assert any(f["stream"] == "marketing" and f["author"] == "m.rossi" for f in loaded["flags"])


def test_the_locked_consensus_overloads_the_bottleneck(loaded: dict[str, Any]) -> None:
    lines = [DemandPlanLinePublic.model_validate(line) for line in loaded["lines"]]
    assert_the_bottleneck_cannot_supply(loaded["data"], lines)


def test_even_in_the_weakest_month_the_consensus_overloads_the_bottleneck(
    database_url: str,
) -> None:
    async def review() -> list[dict[str, Any]]:
        data = build_demo(WEAKEST_MONTH)
        async with services(database_url) as clients:
            for path, rows in (
                ("/segments", data.segments),
                ("/families", data.families),
                ("/history", data.history),
            ):
                body = [row.model_dump(mode="json") for row in rows]
                assert (await clients.demand.put(path, json=body)).status_code == 200
            plan = await run_review(clients.demand, data.review, people=people_tokens())
            assert plan.status == "locked"
            return await items(clients.demand, f"/demand-plans/{plan.id}/lines")

    lines = asyncio.run(review())
    data = build_demo(WEAKEST_MONTH)
    assert_the_bottleneck_cannot_supply(
        data, [DemandPlanLinePublic.model_validate(line) for line in lines]
    )


def test_operations_proposes_a_supply_plan_that_fits_capacity(loaded: dict[str, Any]) -> None:
    """The supply planner's chase plan answers the locked plan, fits every resource with the
    overtime it plans, and names the bottleneck wherever it falls short."""
    report: LoadReport = loaded["report"]
    assert report.plan is not None and report.supply_plan is not None
    supply = report.supply_plan
    assert (supply.status, supply.demand_plan_id) == ("proposed", report.plan.id)
    assert supply.horizon_start == report.plan.horizon_start
    proposals = [e for e in loaded["supply_audit"] if e["action"] == "create"]
    assert {(e["user"], e["roles"]) for e in proposals} == {("l.garcia", "supply_planner")}

    validation = loaded["supply_validation"]
    assert validation.status_code == 200, validation.text
    assert validation.json()["feasible"], validation.json()["issues"][:5]
    lines = loaded["supply_lines"]
    families = {f.code for f in loaded["data"].families}
    assert len(lines) == len(families) * supply.horizon_months
    short = [line for line in lines if "short" in line["reason"]]
    assert short and all(BOTTLENECK_RESOURCE in line["reason"] for line in short)
    assert any(line["outsourced"] > 0 for line in lines)
    assert sum(line["overtime_hours"] for line in lines) > 0
