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
from schemathesis.specs.openapi.checks import positive_data_acceptance

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

# Why a check is wrong about an operation: valid by the schema is not the same as valid
# against the data. These operations refuse (422) what names rows that do not exist or
# breaks a rule between fields or rows, which the OpenAPI states in words.
UNKNOWN_REFERENCES = "names rows (codes, plans) that do not exist: 422 naming each"
EXCLUDED: dict[str, dict[str, tuple[CheckFunction, str]]] = {
    "demand": {},
    "supply": {},
    "finance": {},
    "gateway": {},
}


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
    excluded = EXCLUDED[name].get(case.operation.label)
    case.call_and_validate(
        headers=CALLERS[name],
        excluded_checks=[excluded[0]] if excluded else None,
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


__all__ = ["positive_data_acceptance"]
