"""GET /health reports the gateway's database and each upstream's health."""

import httpx
import pytest

from gateway.main import create_app
from shared.auth import Role
from shared.settings import GatewaySettings
from tests.gateway.conftest import Platform
from tests.tokens import bearer

pytestmark = pytest.mark.anyio


async def test_health_with_every_upstream_up(platform: Platform) -> None:
    body = (await platform.gateway.get("/health")).json()
    assert body["status"] == "ok"
    assert {name: up["status"] for name, up in body["upstreams"].items()} == {
        "demand": "ok",
        "supply": "ok",
        "finance": "ok",
    }


async def test_health_is_degraded_when_an_upstream_is_down() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    down = httpx.MockTransport(refuse)
    app = create_app(
        GatewaySettings(database_url="sqlite://"),
        transports={"demand": down, "supply": down, "finance": down},
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        body = (await client.get("/health")).json()
        assert body["status"] == "degraded"
        assert body["upstreams"]["supply"]["status"] == "unavailable"
        assert "unreachable" in body["upstreams"]["supply"]["detail"]
        # A read that needs an upstream is a 502 problem, not a crash.
        owner = bearer(Role.process_owner)
        graph = await client.post(
            "/graphql", json={"query": "{ families { code } }"}, headers=owner
        )
        assert graph.json()["errors"][0]["extensions"]["code"] == "upstream-error"
        reconcile = await client.post("/reconcile", headers=owner)
        assert reconcile.status_code == 502
        assert reconcile.headers["content-type"].startswith("application/problem+json")


def test_unknown_transport_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown upstream"):
        create_app(
            GatewaySettings(database_url="sqlite://"),
            transports={"billing": httpx.MockTransport(lambda r: httpx.Response(200))},
        )


async def test_ready_when_its_database_and_every_upstream_are(platform: Platform) -> None:
    response = await platform.gateway.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "service": "S&OP gateway",
        "checks": {"database": "ok", "demand": "ok", "supply": "ok", "finance": "ok"},
    }
    # Each upstream was asked its own readiness.
    assert {(call.service, call.path) for call in platform.calls} == {
        (name, "/ready") for name in ("demand", "supply", "finance")
    }


async def test_not_ready_while_an_upstream_is_not() -> None:
    def supply(request: httpx.Request) -> httpx.Response:
        problem = {"status": 503, "code": "not-ready", "detail": "not ready: read-only"}
        return httpx.Response(503, json=problem)

    def ready(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "ready"})

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    app = create_app(
        GatewaySettings(database_url="sqlite://"),
        transports={
            "demand": httpx.MockTransport(ready),
            "supply": httpx.MockTransport(supply),
            "finance": httpx.MockTransport(refuse),
        },
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        response = await client.get("/ready")
        assert (await client.get("/health")).status_code == 200  # alive all the same
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "5"
    checks = response.json()["extra"]["checks"]
    assert checks["database"] == checks["demand"] == "ok"
    assert checks["supply"] == "http://127.0.0.1:8002 answered 503: not ready: read-only"
    assert checks["finance"].startswith("http://127.0.0.1:8003 is unreachable")
    assert "supply: http://127.0.0.1:8002 answered 503" in response.json()["detail"]
