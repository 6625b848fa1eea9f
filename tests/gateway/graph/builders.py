"""Gateways for the graph's hardening tests: fake upstreams that answer nothing, refuse or
hang, and the real services behind transports that can be stopped."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from gateway.main import create_app as create_gateway
from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.auth import Role
from shared.settings import DemandSettings, FinanceSettings, GatewaySettings, SupplySettings
from tests.conftest import sibling_database
from tests.gateway.conftest import CALLER, LOADER, Call, CountingTransport, Platform
from tests.tokens import bearer

UPSTREAMS = ("demand", "supply", "finance")
OWNER = bearer(Role.process_owner, subject="olivia")


def empty(calls: list[str]) -> httpx.MockTransport:
    """An upstream with nothing in it (every list is an empty page); records each call."""

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/latest"):
            return httpx.Response(404, json={"detail": "none"})
        return httpx.Response(200, json={"items": [], "total": 0, "limit": 50, "offset": 0})

    return httpx.MockTransport(answer)


@dataclass
class Hanging:
    """An upstream that never answers: each call waits until it is cancelled."""

    started: asyncio.Event = field(default_factory=asyncio.Event)
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return httpx.Response(504)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


@asynccontextmanager
async def gateway_over(
    transports: dict[str, httpx.AsyncBaseTransport], **settings: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """A started gateway over ``transports`` with ``settings`` (``GatewaySettings`` fields),
    and a client calling it as the process owner."""
    app = create_gateway(
        GatewaySettings(database_url="sqlite://", **settings), transports=transports
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway", headers=OWNER
        ) as client,
    ):
        yield app, client


class Stoppable(httpx.AsyncBaseTransport):
    """An upstream that can be stopped: then every call is refused, as by a process that is
    not running."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.stopped = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.stopped:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


@dataclass
class StoppablePlatform:
    platform: Platform
    upstreams: dict[str, Stoppable]


@asynccontextmanager
async def stoppable_platform(database_url: str) -> AsyncIterator[StoppablePlatform]:
    """``tests.gateway.conftest.platform`` with each upstream behind a ``Stoppable``."""
    services = {
        "demand": create_demand(DemandSettings(database_url=sibling_database("demand"))),
        "supply": create_supply(SupplySettings(database_url=sibling_database("supply"))),
        "finance": create_finance(FinanceSettings(database_url=sibling_database("finance"))),
    }
    calls: list[Call] = []
    upstreams = {
        name: Stoppable(CountingTransport(app, service=name, calls=calls))
        for name, app in services.items()
    }
    gateway = create_gateway(
        GatewaySettings(database_url=database_url, solve_time_limit_seconds=30),
        transports=dict(upstreams),
    )
    async with AsyncExitStack() as stack:
        for app in [*services.values(), gateway]:
            await stack.enter_async_context(app.router.lifespan_context(app))
        clients = {
            name: await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url=f"http://{name}",
                    headers=CALLER if name == "gateway" else LOADER,
                )
            )
            for name, app in [*services.items(), ("gateway", gateway)]
        }
        platform = Platform(
            gateway=clients["gateway"],
            demand=clients["demand"],
            supply=clients["supply"],
            finance=clients["finance"],
            calls=calls,
        )
        yield StoppablePlatform(platform=platform, upstreams=upstreams)
