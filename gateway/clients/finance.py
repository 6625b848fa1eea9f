"""Client of the finance service: prices, unit costs, lever costs, and the valuation, AOP gap
and KPIs of a plan."""

from collections.abc import Callable

from gateway.clients.base import ServiceClient
from shared.contracts.finance import (
    AopGap,
    AopGapRequest,
    AopPublic,
    CostActualFilters,
    CostActualPublic,
    Lever,
    LeverCostPublic,
    PlanKpis,
    PricePublic,
    RevenueActualFilters,
    RevenueActualPublic,
    UnitCostPublic,
    Valuation,
    ValuationRequest,
)

Rename = Callable[[str], str] | None


class FinanceClient(ServiceClient):
    service = "finance"

    async def prices(
        self,
        *,
        family_code: str | None = None,
        segment_code: str | None = None,
        period_from: str | None = None,
        period_to: str | None = None,
    ) -> list[PricePublic]:
        return await self.export_of(
            PricePublic,
            "/prices/export",
            family_code=family_code,
            segment_code=segment_code,
            period_from=period_from,
            period_to=period_to,
        )

    async def aop(self, *, period_from: str, period_to: str) -> list[AopPublic]:
        return await self.list_of(AopPublic, "/aop", period_from=period_from, period_to=period_to)

    async def unit_costs(self, *, family_code: str | None = None) -> list[UnitCostPublic]:
        return await self.export_of(UnitCostPublic, "/unit-costs/export", family_code=family_code)

    async def lever_costs(
        self, *, lever: Lever | None = None, code: str | None = None
    ) -> list[LeverCostPublic]:
        return await self.export_of(LeverCostPublic, "/lever-costs/export", lever=lever, code=code)

    async def valuation(self, request: ValuationRequest, *, rename: Rename = None) -> Valuation:
        """A plan in money (one call); a missing price or cost is a 422 naming the line."""
        return await self.post_of(Valuation, "/valuations", request, rename=rename)

    async def aop_gap(self, request: AopGapRequest, *, rename: Rename = None) -> AopGap:
        """A plan's gap to the AOP with its explanation and the months beyond tolerance."""
        return await self.post_of(AopGap, "/aop-gaps", request, rename=rename)

    async def plan_kpis(self, request: AopGapRequest, *, rename: Rename = None) -> PlanKpis:
        return await self.post_of(PlanKpis, "/kpis", request, rename=rename)

    async def revenue_actuals(self, filters: RevenueActualFilters) -> list[RevenueActualPublic]:
        """Units sold and revenue per family, segment and month."""
        return await self.list_matching(RevenueActualPublic, "/revenue-actuals", filters)

    async def cost_actuals(self, filters: CostActualFilters) -> list[CostActualPublic]:
        """Cost of goods sold per family and month."""
        return await self.list_matching(CostActualPublic, "/cost-actuals", filters)
