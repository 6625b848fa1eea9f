"""Gateways for the graph's hardening tests: fake upstreams that answer nothing or hang, and
a way to stop one of the platform's services."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.main import create_app as create_gateway
from shared.auth import Role
from shared.settings import GatewaySettings
from tests.gateway.conftest import CountingTransport
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


def stop(monkeypatch: pytest.MonkeyPatch, service: str) -> None:
    """Stop one service of ``tests.gateway.conftest.platform``: the gateway's calls to it (at
    its configured URL) are refused, as by a process that is not running."""
    url = getattr(GatewaySettings(database_url="sqlite://"), f"{service}_url")
    forward = CountingTransport.handle_async_request

    async def refuse_or_forward(
        transport: CountingTransport, request: httpx.Request
    ) -> httpx.Response:
        if str(request.url).startswith(url):
            raise httpx.ConnectError("connection refused", request=request)
        return await forward(transport, request)

    monkeypatch.setattr(CountingTransport, "handle_async_request", refuse_or_forward)
