"""``GET /health`` (liveness: the gateway's database and each upstream service's own
``/health``) and ``GET /ready`` (readiness: the gateway's database writable and each upstream
service's own ``/ready``)."""

import asyncio
from typing import Literal

import httpx
from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel import Session

from gateway.clients import ServiceClient
from gateway.state import GatewayStateDep
from shared.db import run_in_session
from shared.errors import DomainError
from shared.readiness import (
    READY_RESPONSES,
    NotReady,
    Readiness,
    check_database,
)

UPSTREAM_HEALTH_TIMEOUT_SECONDS = 5.0

router = APIRouter(tags=["health"])


class UpstreamHealth(BaseModel):
    status: Literal["ok", "unavailable"]
    url: str
    detail: str | None = None


class GatewayHealth(BaseModel):
    status: Literal["ok", "degraded"]
    service: str
    database: Literal["ok"]
    upstreams: dict[str, UpstreamHealth]


async def _upstream_health(client: ServiceClient) -> UpstreamHealth:
    url = str(client.http.base_url)
    try:
        async with asyncio.timeout(UPSTREAM_HEALTH_TIMEOUT_SECONDS):
            await client.health()
    except DomainError as exc:
        return UpstreamHealth(status="unavailable", url=url, detail=exc.detail)
    except TimeoutError:
        return UpstreamHealth(
            status="unavailable",
            url=url,
            detail=f"no answer within {UPSTREAM_HEALTH_TIMEOUT_SECONDS:g} s",
        )
    return UpstreamHealth(status="ok", url=url)


def _ping(session: Session) -> None:
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]


@router.get(
    "/health",
    summary="Liveness, database reachability and each upstream service's health",
    description="200 while the gateway and its database answer; `status` is `degraded` when "
    "an upstream service is unavailable (the gateway still serves what does not need it).",
)
async def health(state: GatewayStateDep) -> GatewayHealth:
    upstreams = state.upstreams
    await run_in_session(state.engine, _ping)
    demand, supply, finance = await asyncio.gather(
        _upstream_health(upstreams.demand),
        _upstream_health(upstreams.supply),
        _upstream_health(upstreams.finance),
    )
    answers = {"demand": demand, "supply": supply, "finance": finance}
    degraded = any(answer.status != "ok" for answer in answers.values())
    return GatewayHealth(
        status="degraded" if degraded else "ok",
        service="S&OP gateway",
        database="ok",
        upstreams=answers,
    )


async def _upstream_readiness(client: ServiceClient) -> str:
    """``ok``, or why the upstream is not ready (its own problem's detail when it says)."""
    url = str(client.http.base_url)
    try:
        async with asyncio.timeout(UPSTREAM_HEALTH_TIMEOUT_SECONDS):
            response = await client.http.get("/ready")
    except TimeoutError:
        return f"{url} did not answer within {UPSTREAM_HEALTH_TIMEOUT_SECONDS:g} s"
    except httpx.HTTPError as exc:
        return f"{url} is unreachable: {exc!r}"
    if response.status_code == 200:
        return "ok"
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return f"{url} answered {response.status_code}" + (f": {detail}" if detail else "")


@router.get(
    "/ready",
    summary="Readiness: the gateway's database writable and every upstream service ready",
    description="200 when the gateway can serve: its schema is migrated, its database takes a "
    "write (made in a transaction rolled back) and each upstream service answers 200 on its "
    "own `/ready`. 503 problem+json otherwise, `extra.checks` saying which is not. "
    "`GET /health` is liveness.",
    responses=READY_RESPONSES,
)
async def ready(request: Request, state: GatewayStateDep) -> Readiness:
    upstreams = state.upstreams
    database, demand, supply, finance = await asyncio.gather(
        check_database(request),
        _upstream_readiness(upstreams.demand),
        _upstream_readiness(upstreams.supply),
        _upstream_readiness(upstreams.finance),
    )
    checks = {"database": database or "ok", "demand": demand, "supply": supply, "finance": finance}
    failing = {name: check for name, check in checks.items() if check != "ok"}
    if failing:
        reasons = "; ".join(f"{name}: {check}" for name, check in failing.items())
        raise NotReady(f"not ready: {reasons}", checks=checks)
    return Readiness(service="S&OP gateway", checks=checks)
