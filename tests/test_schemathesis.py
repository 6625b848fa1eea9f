"""schemathesis with every check against the four processes, in-process: their OpenAPI is
the contract they keep.

The three services and the gateway run as ASGI apps on SQLite files, the gateway over the
services in-process (as in ``tests/gateway/conftest.py``), all loaded with the small company
of ``tests.gateway.company``. Every operation of every OpenAPI is called with generated
requests, valid and invalid (schemathesis' examples, coverage and fuzzing phases), by a
caller allowed to write, and every answer goes through all of schemathesis' checks: status
codes, content types, headers and bodies as documented, invalid input refused, valid input
accepted, missing headers refused, undocumented methods answered 405 with the right
``Allow``, authentication enforced.

Bounded: a few examples an operation, derandomized (the same requests every run), about 30
to 60 s a process on two cores. A check that is wrong about an operation for a reason the
contract documents is excluded for that operation alone, with the reason (``EXCLUDED``).

The two stateful checks (a deleted resource stays gone, a created one can be read) need
schemathesis' stateful phase, left to the CLI (``st run <url>/openapi.json --checks all``):
in-process, hypothesis' state machine replays its steps against databases that moved on and
stops as flaky.

Run one process: ``.venv/bin/python -m pytest tests/test_schemathesis.py -k finance``.
"""

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import anyio
import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import CheckFunction
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from gateway.main import create_app as create_gateway
from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.auth import Role
from shared.settings import DemandSettings, FinanceSettings, GatewaySettings, SupplySettings
from tests.conftest import sibling_database
from tests.gateway.company import Company
from tests.tokens import bearer

# Who calls: a caller allowed to write everywhere it can (an ERP integration loads every
# service; the demand planner locks plans; the process owner reconciles; the executive
# sponsor decides and approves).
CALLERS = {
    "demand": bearer(Role.integration, Role.demand_planner, subject="contract"),
    "supply": bearer(Role.integration, subject="contract"),
    "finance": bearer(Role.integration, subject="contract"),
    "gateway": bearer(
        Role.process_owner, Role.executive_sponsor, Role.integration, subject="contract"
    ),
}

CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            # 428 (RFC 6585) is the answer to a write without its If-Match; a locked plan
            # answers 409 first, whatever the header, since no version can make it writable.
            "missing_required_header": {
                "expected-statuses": [400, 401, 403, 406, 409, 415, 422, 428]
            },
        },
    }
)

# Why a check is wrong about an operation. Valid by the schema is not valid against the
# data: these operations refuse (422) a body that names rows that do not exist, or breaks a
# rule between rows or fields that a JSON Schema cannot state (their descriptions say it).
UNKNOWN_REFERENCES = "names rows (codes, plans) that do not exist: 422 naming each"
DUPLICATE_KEYS = "names a natural key twice in one batch: 422 naming the duplicates"
OUT_OF_PLAN = "has lines outside the plan's horizon, or of unknown families: 422 naming each"
MERGED_ROW = "leaves the stored row breaking a rule between its fields: 422 naming them"
UNPRICED = "names families without prices or costs: 422 naming each"
GRAPHQL = "GraphQL over HTTP, documented by the GraphQL schema"
UNKNOWN_EVENTS = "names events the process does not emit: 422 naming each (GET /webhooks/events)"
NOT_AN_ID = "/scenarios/{id} takes PATCH and DELETE: batch is not an id"
DRAFT_NOT_AN_ID = "/supply-plans/{plan_id} takes GET: draft is not an id"
TOO_FAR = "extends a series more than 60 months past its last month: 422"
NO_CONVERSION = "asks for a unit some family has no conversion to: 422 naming each family"
NO_ITEM_HISTORY = "names unknown families, or families without enough item history: 422 naming them"
BULK = "a bulk upsert " + DUPLICATE_KEYS
BULK_MERGE = (
    "a bulk merge " + DUPLICATE_KEYS + ", or a new row without its required fields, or a "
    "merged row breaking a rule between its fields: 422 naming each"
)
Exclusion = tuple[CheckFunction, str]
EXCLUDED: dict[str, dict[str, list[Exclusion]]] = {
    "demand": {
        # History, plan lines and customers name their family and segment by code.
        "POST /history": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /demand-plans": [(positive_data_acceptance, OUT_OF_PLAN)],
        "POST /customers": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "PATCH /customers/{code}": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /segment-targets/apply": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        # Items name their family, item history its item, location, segment and customer (of
        # that segment), unit conversions their family, by code.
        "POST /items": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "PATCH /items/{code}": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /item-history": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /unit-conversions": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /forecasts/hierarchical": [(positive_data_acceptance, NO_ITEM_HISTORY)],
        # Reports in a unit convert every family they cover, or refuse.
        "GET /hierarchy/history": [(positive_data_acceptance, NO_CONVERSION)],
        "GET /hierarchy/totals": [(positive_data_acceptance, NO_CONVERSION)],
        "GET /demand-plans/{id}/disaggregation": [
            (positive_data_acceptance, NO_CONVERSION + "; by_customer with basis forecast: 422")
        ],
        # PATCH and DELETE /customers/{code} answer on /customers/matrix too: they write the
        # customer coded "matrix", so its Allow lists them beside GET.
        "GET /customers/matrix": [(allow_header_conformance, "a customer may be coded matrix")],
        "POST /webhooks": [(positive_data_acceptance, UNKNOWN_EVENTS)],
        # A family's forecast override names its family by code, and its parameters are the
        # method's own (a free object in the schema): an unknown one is a 422 naming it.
        "POST /forecast-overrides": [
            (positive_data_acceptance, UNKNOWN_REFERENCES + "; or parameters the method lacks")
        ],
        "PATCH /forecast-overrides/{family_code}": [
            (positive_data_acceptance, "parameters the method lacks: 422 naming each")
        ],
        # A roll moves the horizon: one beyond the plans' window is refused, and a retried
        # Idempotency-Key with another body is a 422 (shared.idempotency).
        "POST /demand-plans/{id}/roll": [
            (positive_data_acceptance, "a horizon beyond the plans' window, or a key reused")
        ],
    },
    "supply": {
        # Capacity, workforce, routings, expansion steps and hours worked name their resource
        # by code.
        "POST /capacity": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /expansion-steps": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /workforce": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /routings": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /resource-actuals": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        # A change must leave the stored policy with what its method needs (a service level
        # needs a target, a forecast error and a lead time): a rule of the row, not the body.
        "PATCH /inventory-policies/{id}": [(positive_data_acceptance, MERGED_ROW)],
        "POST /supply-plans": [(positive_data_acceptance, OUT_OF_PLAN)],
        # GET /supply-plans/{plan_id} answers on /supply-plans/draft too: 422, "draft" is not
        # an id, where a 405 would be expected, and its Allow lists GET.
        "POST /supply-plans/draft": [
            (positive_data_acceptance, "a horizon starting before 2000-01 or past five years"),
            (unsupported_method, DRAFT_NOT_AN_ID),
            (allow_header_conformance, DRAFT_NOT_AN_ID),
        ],
        # Safety stocks are computed over at most 120 consecutive months of forecast.
        "POST /inventory-policies/safety-stock": [
            (positive_data_acceptance, "lines spanning more than 120 months: 422")
        ],
    },
    "finance": {
        # A plan is valued at the prices, unit costs and lever costs of its families, segments
        # and resources: one 422 lists every one missing.
        "POST /valuations": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /aop-gaps": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /kpis": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "POST /price-revisions": [(positive_data_acceptance, DUPLICATE_KEYS)],
        "POST /prices/extend": [(positive_data_acceptance, TOO_FAR)],
        "POST /aop/extend": [(positive_data_acceptance, TOO_FAR)],
    },
    "gateway": {
        # A time limit above the gateway's SOP_GATEWAY_SOLVE_TIME_LIMIT_SECONDS is refused: a
        # setting of the deployment; and a reconcile needs the services' data to agree.
        "POST /reconcile": [(positive_data_acceptance, "the services' data do not reconcile")],
        "POST /solve": [(positive_data_acceptance, "time limit above the gateway's setting")],
        # A scenario's base is a /solve body (the same limit), its changes must fit the base
        # (codes it knows) and a promotion needs an existing cycle.
        **{
            route: [(positive_data_acceptance, "a base beyond the limit or changes that miss it")]
            for route in ("POST /scenarios", "PATCH /scenarios/{id}")
        },
        "POST /scenarios/{id}/promote": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        # PATCH and DELETE /scenarios/{id} answer on /scenarios/batch too: 422, "batch" is
        # not an id, where a 405 would be expected.
        "POST /scenarios/batch": [
            (positive_data_acceptance, "a base beyond the limit or changes that miss it"),
            (unsupported_method, "/scenarios/{id} takes PATCH and DELETE: batch is not an id"),
            (
                allow_header_conformance,
                "/scenarios/{id} takes PATCH and DELETE: batch is not an id",
            ),
        ],
        "POST /webhooks": [(positive_data_acceptance, UNKNOWN_EVENTS)],
        # A job's body is a /solve or /reconcile body, checked as such (422 naming its fields).
        "POST /jobs": [(positive_data_acceptance, "the body of the job's kind is invalid")],
        # A decision's changes must fit the plan's problem (codes and periods it knows).
        "POST /cycles/{id}/escalations/{escalation_id}/decision": [
            (positive_data_acceptance, "changes that do not fit the plan's problem: 422")
        ],
        "POST /cycles/{id}/decisions": [
            (positive_data_acceptance, "changes that do not fit the plan's problem: 422")
        ],
        # Readiness is reported for horizons inside the plans' window (shared.periods).
        "GET /readiness": [(positive_data_acceptance, "a horizon outside the plans' window")],
        # A plan is valued at the finance service's prices and costs of its families: the
        # plans the services' runs drafted name families nobody priced.
        **{
            f"GET /{kind}-plans/{{id}}/{figure}": [(positive_data_acceptance, UNPRICED)]
            for kind in ("demand", "supply", "consensus")
            for figure in ("valuation", "aop-gap", "kpis")
        },
        # The plans named in the query string exist in the demand service, in the gateway.
        "GET /rccp": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        "GET /supply-plans/{id}/comparison": [(positive_data_acceptance, UNKNOWN_REFERENCES)],
        # Completing a step records its own output (pre-S&OP: the consensus plan, ...): a rule
        # between the step in the path and the body; decisions need the cycle at that step.
        "POST /cycles/{id}/steps/{step}/complete": [
            (positive_data_acceptance, "the step in the path needs its output in the body")
        ],
        # The GraphQL endpoint is strawberry's: GET serves GraphiQL (HTML), a bad query is a
        # 400 in GraphQL's own error format. Its contract is the SDL
        # (gateway/graph/schema.graphql, tested in tests/gateway/graph).
        "GET /graphql": [(content_type_conformance, GRAPHQL)],
        "POST /graphql": [
            (positive_data_acceptance, GRAPHQL),
            (status_code_conformance, GRAPHQL),
            (content_type_conformance, GRAPHQL),
            (response_schema_conformance, GRAPHQL),
        ],
    },
}


def excluded_checks(name: str, operation: Any) -> list[CheckFunction]:
    """The checks left out for an operation: its entry in ``EXCLUDED``, and on every bulk
    upsert and bulk merge (``PUT`` and ``PATCH`` of a collection, ``shared.entity_router``)
    the acceptance of valid data."""
    exclusions = list(EXCLUDED[name].get(operation.label, []))
    summary = operation.definition.raw.get("summary", "")
    if operation.method.upper() == "PUT" and "Bulk upsert" in summary:
        exclusions.append((positive_data_acceptance, BULK))
    if operation.method.upper() == "PATCH" and "Bulk merge" in summary:
        exclusions.append((positive_data_acceptance, BULK_MERGE))
    return [check for check, _reason in exclusions]


def _load_company(services: dict[str, FastAPI]) -> None:
    async def load() -> None:
        clients = {
            name: httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url=f"http://{name}",
                headers=bearer(Role.integration, subject="erp"),
            )
            for name, app in services.items()
        }
        try:
            await Company(families=2).load(**clients)
        finally:
            for client in clients.values():
                await client.aclose()

    anyio.run(load)


def _apps() -> dict[str, FastAPI]:
    services: dict[str, FastAPI] = {
        "demand": create_demand(DemandSettings(database_url=sibling_database("demand"))),
        "supply": create_supply(SupplySettings(database_url=sibling_database("supply"))),
        "finance": create_finance(FinanceSettings(database_url=sibling_database("finance"))),
    }
    gateway = create_gateway(
        GatewaySettings(database_url=sibling_database("gateway"), solve_time_limit_seconds=10),
        transports={name: httpx.ASGITransport(app=app) for name, app in services.items()},
    )
    return {**services, "gateway": gateway}


def _schema(app: FastAPI) -> Any:
    """The app's OpenAPI for schemathesis, calling the app in-process (as ``from_asgi``
    would, without starting the app while tests are collected)."""
    schema = schemathesis.openapi.from_dict(app.openapi(), config=CONFIG)
    schema.app = app
    schema.location = "/openapi.json"
    return schema


APPS = _apps()
SCHEMAS = {name: _schema(app) for name, app in APPS.items()}


@pytest.fixture(scope="module", autouse=True)
def company() -> Iterator[None]:
    """Start the apps (schemathesis runs each lifespan once, for the session) and load the
    small company into the services, so that reads find rows and plans can be valued."""
    with ExitStack() as stack:
        for app in APPS.values():
            stack.enter_context(asgi.get_client(app))
        _load_company({name: APPS[name] for name in ("demand", "supply", "finance")})
    yield


BOUNDED = settings(
    max_examples=5,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def check(name: str, case: Any) -> None:
    case.call_and_validate(
        headers=CALLERS[name], excluded_checks=excluded_checks(name, case.operation) or None
    )


@SCHEMAS["demand"].parametrize()
@BOUNDED
def test_demand(case: Any) -> None:
    check("demand", case)


@SCHEMAS["supply"].parametrize()
@BOUNDED
def test_supply(case: Any) -> None:
    check("supply", case)


@SCHEMAS["finance"].parametrize()
@BOUNDED
def test_finance(case: Any) -> None:
    check("finance", case)


@SCHEMAS["gateway"].parametrize()
@BOUNDED
def test_gateway(case: Any) -> None:
    check("gateway", case)
