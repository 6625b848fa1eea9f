"""``GET /health``: the gateway's database and each upstream service's own ``/health``."""

import asyncio
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel import Session

from gateway.clients import ServiceClient
from gateway.state import GatewayStateDep
from shared.db import run_in_session
from shared.errors import DomainError

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
