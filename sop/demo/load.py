"""Load the demo company into running services, only through their own HTTP APIs.

The loader, an ERP integration, bulk-upserts (idempotent) each service's data in reference
order; the three services load concurrently. Then it runs the two demand reviews as the
people of the demo would (``sop.demo.catalogue.PEOPLE``), each with their own token:
the demand planner drafts the plan and computes its statistical baseline, sales, marketing
and product management post their inputs, the demand planner adjusts and locks. The review
of six months ago goes first, so today's is the latest locked plan. Then the supply planner
reads the locked plan and has the supply service draft operations' supply plan for it.
Every edit of a plan sends back the revision (ETag) the previous answer gave, as If-Match.
"""

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import BaseModel

from shared.auth import AuthSettings, Role, mint_token
from shared.contracts.demand import DemandPlanPublic
from shared.contracts.supply import DemandLineIn, SupplyPlanPublic, SupplyStrategy
from shared.crud import UpsertResult
from shared.entity_router import MAX_BULK_ITEMS
from shared.http import fetch_all, make_client, request_json, send
from sop.demo.build import DemandReview, DemoData, build_demo
from sop.demo.catalogue import PEOPLE
from sop.demo.generator import CompanyData


@dataclass(frozen=True)
class ServiceUrls:
    demand: str
    supply: str
    finance: str


@dataclass(frozen=True)
class ServiceClients:
    demand: httpx.AsyncClient
    supply: httpx.AsyncClient
    finance: httpx.AsyncClient


@dataclass
class LoadReport:
    """What each bulk upsert did, the locked demand plans (the current one in ``plan``) and
    operations' proposed supply plan for it."""

    upserts: dict[str, UpsertResult] = field(default_factory=dict)
    plan: DemandPlanPublic | None = None
    past_plan: DemandPlanPublic | None = None
    supply_plan: SupplyPlanPublic | None = None


# Probed to tell whether a service already holds data: one list per service.
PROBES = {"demand": "/families", "supply": "/resources", "finance": "/prices"}


async def load_demo(
    urls: ServiceUrls,
    *,
    today: dt.date | None = None,
    token: str | None = None,
    people: Mapping[Role, str] | None = None,
    timeout_seconds: float = 60.0,
) -> LoadReport:
    """Load the demo built for ``today`` (default: the current day) into the three services.

    ``token`` is the loader's bearer token (an integration). ``people`` are the bearer
    tokens of the demand review's roles; by default they are minted in dev mode, and in oidc
    mode ``token`` stands for all of them (it must then hold the demand planner's role too).
    """
    data = build_demo(today or dt.date.today())
    async with (
        _client(urls.demand, token, timeout_seconds) as demand,
        _client(urls.supply, token, timeout_seconds) as supply,
        _client(urls.finance, token, timeout_seconds) as finance,
    ):
        clients = ServiceClients(demand=demand, supply=supply, finance=finance)
        return await load_into(clients, data, people=people or people_tokens(fallback=token))


async def load_into(
    clients: ServiceClients, data: DemoData, *, people: Mapping[Role, str]
) -> LoadReport:
    """Load ``data`` through the given clients (each carrying the loader's credentials)."""
    report = LoadReport()
    await asyncio.gather(
        _load_demand(clients.demand, data, report, people),
        _upsert_all(
            clients.supply,
            report,
            [
                ("/resources", data.resources),
                ("/capacity", data.capacity),
                ("/routings", data.routings),
                ("/inventory-policies", data.inventory_policies),
            ],
        ),
        _upsert_all(
            clients.finance,
            report,
            [
                ("/prices", data.prices),
                ("/unit-costs", data.unit_costs),
                ("/lever-costs", data.lever_costs),
                ("/aop", data.aop),
            ],
        ),
    )
    assert report.plan is not None  # _load_demand locked it
    report.supply_plan = await run_supply_review(clients, demand_plan=report.plan, people=people)
    return report


async def load_generated(
    urls: ServiceUrls,
    data: CompanyData,
    *,
    token: str | None = None,
    people: Mapping[Role, str] | None = None,
    timeout_seconds: float = 600.0,
) -> LoadReport:
    """Load a generated company into the services at ``urls`` (see ``load_demo`` for the
    tokens)."""
    async with (
        _client(urls.demand, token, timeout_seconds) as demand,
        _client(urls.supply, token, timeout_seconds) as supply,
        _client(urls.finance, token, timeout_seconds) as finance,
    ):
        clients = ServiceClients(demand=demand, supply=supply, finance=finance)
        return await load_company(clients, data, people=people or people_tokens(fallback=token))


async def load_company(
    clients: ServiceClients, data: CompanyData, *, people: Mapping[Role, str]
) -> LoadReport:
    """Load a generated company (``sop.demo.generator``): master data and history by bulk
    upserts, then the demand planner drafts its plan, the lines are loaded in batches and the
    planner locks it. ``report.plan`` is the locked plan."""
    report = LoadReport()
    await asyncio.gather(
        _load_company_demand(clients.demand, data, report, people),
        _upsert_all(
            clients.supply,
            report,
            [
                ("/resources", data.resources),
                ("/capacity", data.capacity),
                ("/routings", data.routings),
                ("/inventory-policies", data.inventory_policies),
            ],
        ),
        _upsert_all(
            clients.finance,
            report,
            [
                ("/prices", data.prices),
                ("/unit-costs", data.unit_costs),
                ("/lever-costs", data.lever_costs),
                ("/aop", data.aop),
            ],
        ),
    )
    return report


async def _load_company_demand(
    client: httpx.AsyncClient, data: CompanyData, report: LoadReport, people: Mapping[Role, str]
) -> None:
    await _upsert_all(
        client,
        report,
        [("/segments", data.segments), ("/families", data.families), ("/history", data.history)],
    )
    planner = Role.demand_planner
    answer = await send(
        client, "POST", "/demand-plans", json=_json(data.plan), headers=_as(people, planner)
    )
    base = f"/demand-plans/{answer.json()['id']}"
    for start in range(0, len(data.plan_lines), MAX_BULK_ITEMS):
        batch = data.plan_lines[start : start + MAX_BULK_ITEMS]
        headers = {**_as(people, planner), "If-Match": answer.headers["ETag"]}
        answer = await send(
            client, "PUT", f"{base}/lines", json=[_json(line) for line in batch], headers=headers
        )
    report.plan = await _sign_off_and_lock(client, base, answer, people)


def people_tokens(*, fallback: str | None = None) -> dict[Role, str]:
    """A dev-mode token for each person of the demand review; in oidc mode (no minting)
    ``fallback`` for each, or none at all."""
    settings = AuthSettings()
    if settings.mode != "dev":
        return {role: fallback for role in PEOPLE} if fallback else {}
    return {
        role: mint_token(settings, subject=person.subject, roles=[role], name=person.name)
        for role, person in PEOPLE.items()
    }


async def services_without_data(
    urls: ServiceUrls, *, token: str | None = None, timeout_seconds: float = 10.0
) -> list[str]:
    """Names of the services whose probe list is empty (all three on a fresh start)."""
    empty = []
    for name, path in PROBES.items():
        async with _client(getattr(urls, name), token, timeout_seconds) as client:
            page = await request_json(client, "GET", path, params={"limit": 1})
        if page["total"] == 0:
            empty.append(name)
    return empty


async def _load_demand(
    client: httpx.AsyncClient, data: DemoData, report: LoadReport, people: Mapping[Role, str]
) -> None:
    below = data.below_family
    await _upsert_all(
        client,
        report,
        [
            ("/segments", data.segments),
            ("/families", data.families),
            ("/history", data.history),
            ("/locations", below.locations),
            ("/items", below.items),
            ("/item-history", below.history),
            ("/unit-conversions", below.unit_conversions),
        ],
    )
    report.past_plan = await run_review(client, data.past_review, people=people)
    report.plan = await run_review(client, data.review, people=people)


async def run_review(
    client: httpx.AsyncClient, review: DemandReview, *, people: Mapping[Role, str]
) -> DemandPlanPublic:
    """One demand review through the demand service's API, each step by its role; the
    locked plan."""
    planner = Role.demand_planner
    created = await send(
        client, "POST", "/demand-plans", json=_json(review.plan), headers=_as(people, planner)
    )
    base = f"/demand-plans/{created.json()['id']}"
    answer = await _edit(client, f"{base}/baseline", created, people, planner, json={})
    for stream, inputs in review.streams():
        body = [item.body() for item in inputs]
        answer = await _edit(
            client, f"{base}/inputs/{stream.value}", answer, people, inputs[0].role, json=body
        )
    return await _sign_off_and_lock(client, base, answer, people)


async def _sign_off_and_lock(
    client: httpx.AsyncClient, base: str, answer: httpx.Response, people: Mapping[Role, str]
) -> DemandPlanPublic:
    """The roles that own the consensus sign off the revision ``answer`` gave, then the
    demand planner locks it."""
    owners = await send(client, "GET", f"{base}/sign-offs", json=None, headers={})
    for owner in owners.json()["required"]:
        sign = {"comment": "Agreed in the demand review."}
        await _edit(client, f"{base}/sign-offs", answer, people, Role(owner), json=sign)
    planner = Role.demand_planner
    locked = await _edit(client, f"{base}/lock", answer, people, planner, json=None)
    return DemandPlanPublic.model_validate(locked.json())


async def run_supply_review(
    clients: ServiceClients,
    *,
    demand_plan: DemandPlanPublic,
    people: Mapping[Role, str],
) -> SupplyPlanPublic:
    """The supply planner reads the locked demand plan, has the supply service draft a chase
    plan for it (``POST /supply-plans/draft``: overtime, then pre-build, then the
    subcontractor; what is still short is named per line) and proposes it; the proposed
    plan."""
    lines = [
        # A plan line read back carries its id and plan: a demand line is the rest of it.
        {name: item[name] for name in DemandLineIn.model_fields}
        for item in await fetch_all(clients.demand, f"/demand-plans/{demand_plan.id}/lines")
    ]
    body = {
        "demand_plan_id": demand_plan.id,
        "strategy": SupplyStrategy.chase.value,
        "name": f"Supply review {demand_plan.horizon_start}",
        "horizon_start": demand_plan.horizon_start,
        "horizon_months": demand_plan.horizon_months,
        "note": "Operations' chase plan for the locked consensus demand.",
        "demand": lines,
    }
    planner = _as(people, Role.supply_planner)
    created = await send(clients.supply, "POST", "/supply-plans/draft", json=body, headers=planner)
    proposed = await _edit(
        clients.supply,
        f"/supply-plans/{created.json()['id']}/propose",
        created,
        people,
        Role.supply_planner,
        json=None,
    )
    return SupplyPlanPublic.model_validate(proposed.json())


async def _edit(
    client: httpx.AsyncClient,
    path: str,
    previous: httpx.Response,
    people: Mapping[Role, str],
    role: Role,
    *,
    json: Any,
) -> httpx.Response:
    """POST an edit of a plan as ``role``, based on the revision (ETag) the previous answer
    gave."""
    headers = {**_as(people, role), "If-Match": previous.headers["ETag"]}
    return await send(client, "POST", path, json=json, headers=headers)


def _as(people: Mapping[Role, str], role: Role) -> dict[str, str]:
    """The headers of a request by the person in ``role`` (the client's own token without)."""
    token = people.get(role)
    return {"Authorization": f"Bearer {token}"} if token else {}


async def _upsert_all(
    client: httpx.AsyncClient,
    report: LoadReport,
    batches: Sequence[tuple[str, Sequence[BaseModel]]],
) -> None:
    # In order: later batches reference codes created by earlier ones; a long list goes in
    # requests of at most MAX_BULK_ITEMS items, its counts added up.
    for path, items in batches:
        url = f"{str(client.base_url).rstrip('/')}{path}"
        total = UpsertResult(created=0, updated=0, unchanged=0)
        for start in range(0, len(items), MAX_BULK_ITEMS):
            body = [_json(item) for item in items[start : start + MAX_BULK_ITEMS]]
            answer = UpsertResult.model_validate(await request_json(client, "PUT", path, json=body))
            total = UpsertResult(
                created=total.created + answer.created,
                updated=total.updated + answer.updated,
                unchanged=total.unchanged + answer.unchanged,
            )
        report.upserts[url] = total


def _client(url: str, token: str | None, timeout_seconds: float) -> httpx.AsyncClient:
    client = make_client(url, timeout_seconds=timeout_seconds)
    if token:
        client.headers["Authorization"] = f"Bearer {token}"
    return client


def _json(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
