"""The gateway over the real demand, supply and finance apps, all in-process.

Each service runs on its own in-memory SQLite database; the gateway's own database is the
``database_url`` under test (SQLite, and PostgreSQL when ``SOP_TEST_DATABASE_URL`` is set).
Upstream calls go through ``httpx.ASGITransport`` wrapped in a transport that records them,
so tests can count what a request costs upstream.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from gateway.main import create_app as create_gateway
from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.auth import Role
from shared.settings import DemandSettings, FinanceSettings, GatewaySettings, SupplySettings
from tests.conftest import sibling_database
from tests.tokens import bearer


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass(frozen=True)
class Call:
    service: str
    method: str
    path: str
    authorization: str | None = None
    request_id: str | None = None


class CountingTransport(httpx.AsyncBaseTransport):
    """Forwards to an in-process app and records every request."""

    def __init__(self, app: FastAPI, *, service: str, calls: list[Call]) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._service = service
        self._calls = calls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._calls.append(
            Call(
                self._service,
                request.method,
                request.url.path,
                request.headers.get("authorization"),
                request.headers.get("x-request-id"),
            )
        )
        return await self._inner.handle_async_request(request)


@dataclass
class Platform:
    gateway: httpx.AsyncClient
    demand: httpx.AsyncClient
    supply: httpx.AsyncClient
    finance: httpx.AsyncClient
    calls: list[Call] = field(default_factory=list)
    # The gateway's own database, for tests that set up its records directly.
    engine: Engine | None = None

    async def graphql(self, query: str, **variables: object) -> dict[str, object]:
        """The ``data`` of a GraphQL answer, asserting it carries no errors."""
        response = await self.gateway.post(
            "/graphql", json={"query": query, "variables": variables}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, object] = body["data"]
        return data


# The services load data as an ERP integration; the gateway is called by the process owner,
# whose credentials it forwards upstream.
LOADER = bearer(Role.integration, subject="erp")
CALLER = bearer(Role.process_owner, subject="olivia")


def _client(app: FastAPI, name: str, headers: dict[str, str]) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{name}", headers=headers
    )


@pytest.fixture
async def platform(database_url: str) -> AsyncIterator[Platform]:
    services = {
        "demand": create_demand(DemandSettings(database_url=sibling_database("demand"))),
        "supply": create_supply(SupplySettings(database_url=sibling_database("supply"))),
        "finance": create_finance(FinanceSettings(database_url=sibling_database("finance"))),
    }
    calls: list[Call] = []
    gateway = create_gateway(
        GatewaySettings(database_url=database_url, solve_time_limit_seconds=30),
        transports={
            name: CountingTransport(app, service=name, calls=calls)
            for name, app in services.items()
        },
    )
    async with AsyncExitStack() as stack:
        for app in [*services.values(), gateway]:
            await stack.enter_async_context(app.router.lifespan_context(app))
        clients = {name: _client(app, name, LOADER) for name, app in services.items()}
        clients["gateway"] = _client(gateway, "gateway", CALLER)
        for client in clients.values():
            await stack.enter_async_context(client)
        yield Platform(
            gateway=clients["gateway"],
            demand=clients["demand"],
            supply=clients["supply"],
            finance=clients["finance"],
            calls=calls,
            engine=gateway.state.engine,
        )
