"""Where the cycle checks the plans other services own: demand plans, supply plans.

The cycle never trusts a plan id it is given: it reads the plan from its service, with
the caller's own bearer token forwarded, so the service applies the caller's rights.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from fastapi import Request

from gateway.clients import Upstreams
from gateway.cycle.models import DeviationFound
from gateway.readiness.models import ReadinessReport
from gateway.readiness.service import readiness_report
from shared.contracts.demand import DemandPlanPublic, PlanRollPublic, PlanRollRequest
from shared.contracts.supply import SupplyPlanPublic, SupplyPlanValidation
from shared.http import forwarded_authorization


class PlanSources(Protocol):
    async def demand_plan(self, plan_id: int) -> DemandPlanPublic | None: ...

    async def supply_plan(self, plan_id: int) -> SupplyPlanPublic | None: ...

    async def supply_plan_validation(self, plan_id: int) -> SupplyPlanValidation: ...

    async def roll_demand_plan(
        self, plan_id: int, *, months: int, idempotency_key: str
    ) -> PlanRollPublic: ...

    async def readiness(self, *, horizon_start: str, horizon_months: int) -> ReadinessReport: ...

    async def deviations(self, *, period: str) -> list[DeviationFound]: ...


class FollowUp(Protocol):
    """The execution follow-up (``gateway.execution.service.ExecutionFollowUp``, wired by
    ``gateway.main``): an executed month's deviations beyond tolerance."""

    async def deviations(self, *, period: str) -> list[DeviationFound]: ...


class UpstreamPlanSources:
    """The plans as the demand and supply services answer them (``None`` for a 404), and
    the follow-up's deviations (none without a follow-up)."""

    def __init__(self, upstreams: Upstreams, *, follow_up: FollowUp | None = None) -> None:
        self.upstreams = upstreams
        self.follow_up = follow_up

    async def demand_plan(self, plan_id: int) -> DemandPlanPublic | None:
        return await self.upstreams.demand.demand_plan(plan_id=plan_id)

    async def supply_plan(self, plan_id: int) -> SupplyPlanPublic | None:
        return await self.upstreams.supply.one_of(SupplyPlanPublic, f"/supply-plans/{plan_id}")

    async def supply_plan_validation(self, plan_id: int) -> SupplyPlanValidation:
        return await self.upstreams.supply.validate_supply_plan(plan_id=plan_id)

    async def roll_demand_plan(
        self, plan_id: int, *, months: int, idempotency_key: str
    ) -> PlanRollPublic:
        return await self.upstreams.demand.roll_demand_plan(
            plan_id=plan_id,
            request=PlanRollRequest(months=months),
            idempotency_key=idempotency_key,
        )

    async def readiness(self, *, horizon_start: str, horizon_months: int) -> ReadinessReport:
        return await readiness_report(
            self.upstreams, horizon_start=horizon_start, horizon_months=horizon_months
        )

    async def deviations(self, *, period: str) -> list[DeviationFound]:
        if self.follow_up is None:
            return []
        return await self.follow_up.deviations(period=period)


def plan_sources(request: Request) -> PlanSources:
    """The sources over the gateway's upstream clients (``app.state.gateway.upstreams``) and
    its execution follow-up (``app.state.follow_up``)."""
    return UpstreamPlanSources(
        request.app.state.gateway.upstreams,
        follow_up=getattr(request.app.state, "follow_up", None),
    )


@contextmanager
def forwarding_credentials(request: Request) -> Iterator[None]:
    """Upstream calls made inside carry the caller's ``Authorization`` header."""
    token = forwarded_authorization.set(request.headers.get("authorization"))
    try:
        yield
    finally:
        forwarded_authorization.reset(token)
