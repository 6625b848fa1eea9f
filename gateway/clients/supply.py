"""Client of the supply service: resources, capacity, expansion steps, workforce, routings,
inventory policies, rough-cut capacity, safety stock and supply plans."""

from collections.abc import Sequence

from gateway.clients.base import ServiceClient
from shared.contracts.supply import (
    CapacityPublic,
    DemandLineIn,
    ExpansionStepPublic,
    InventoryPolicyPublic,
    ProductionActualFilters,
    ProductionActualPublic,
    RccpRequest,
    RccpResult,
    ResourceActualFilters,
    ResourceActualPublic,
    ResourcePublic,
    RoutingPublic,
    SafetyStockAnswer,
    SafetyStockOverride,
    SafetyStockRequest,
    SupplyPlanKpis,
    SupplyPlanLinePublic,
    SupplyPlanPublic,
    SupplyPlanStatus,
    SupplyPlanValidation,
    WorkforcePublic,
)


class SupplyClient(ServiceClient):
    service = "supply"

    async def resources(self) -> list[ResourcePublic]:
        return await self.list_of(ResourcePublic, "/resources")

    async def capacity(
        self,
        *,
        resource_code: str | None = None,
        period_from: str | None = None,
        period_to: str | None = None,
    ) -> list[CapacityPublic]:
        return await self.export_of(
            CapacityPublic,
            "/capacity/export",
            resource_code=resource_code,
            period_from=period_from,
            period_to=period_to,
        )

    async def expansion_steps(self) -> list[ExpansionStepPublic]:
        return await self.list_of(ExpansionStepPublic, "/expansion-steps")

    async def workforce(
        self,
        *,
        resource_code: str | None = None,
        period_from: str | None = None,
        period_to: str | None = None,
    ) -> list[WorkforcePublic]:
        return await self.export_of(
            WorkforcePublic,
            "/workforce/export",
            resource_code=resource_code,
            period_from=period_from,
            period_to=period_to,
        )

    async def routings(
        self, *, family_code: str | None = None, resource_code: str | None = None
    ) -> list[RoutingPublic]:
        return await self.export_of(
            RoutingPublic, "/routings/export", family_code=family_code, resource_code=resource_code
        )

    async def inventory_policies(
        self, *, family_code: str | None = None
    ) -> list[InventoryPolicyPublic]:
        return await self.export_of(
            InventoryPolicyPublic, "/inventory-policies/export", family_code=family_code
        )

    async def rccp(self, *, lines: Sequence[DemandLineIn]) -> RccpResult:
        """The rough-cut capacity check of units per family and month (one call)."""
        return await self.post_of(RccpResult, "/rccp", RccpRequest(lines=list(lines)))

    async def safety_stock(
        self,
        *,
        lines: Sequence[DemandLineIn],
        overrides: Sequence[SafetyStockOverride] = (),
    ) -> SafetyStockAnswer:
        """Each family's safety stock per month for the forecast ``lines`` (one call)."""
        return await self.post_of(
            SafetyStockAnswer,
            "/inventory-policies/safety-stock",
            SafetyStockRequest(lines=list(lines), overrides=list(overrides)),
        )

    async def supply_plans(
        self, *, status: SupplyPlanStatus | None = None
    ) -> list[SupplyPlanPublic]:
        return await self.list_of(SupplyPlanPublic, "/supply-plans", status=status)

    async def supply_plan(self, *, plan_id: int) -> SupplyPlanPublic | None:
        return await self.one_of(SupplyPlanPublic, f"/supply-plans/{plan_id}")

    async def latest_supply_plan(self) -> SupplyPlanPublic | None:
        """The newest proposed supply plan, else the newest draft; ``None`` when none."""
        return await self.one_of(SupplyPlanPublic, "/supply-plans/latest")

    async def supply_plan_lines(
        self, *, plan_id: int, family_code: str | None = None
    ) -> list[SupplyPlanLinePublic]:
        return await self.list_of(
            SupplyPlanLinePublic, f"/supply-plans/{plan_id}/lines", family_code=family_code
        )

    async def validate_supply_plan(self, *, plan_id: int) -> SupplyPlanValidation:
        """The plan checked against capacity, limits and inventory balance."""
        return await self.post_of(SupplyPlanValidation, f"/supply-plans/{plan_id}/validate")

    async def supply_plan_kpis(self, *, plan_id: int) -> SupplyPlanKpis | None:
        """Capacity (RCCP of the plan's production) and unit inventory turns of a plan."""
        return await self.one_of(SupplyPlanKpis, f"/supply-plans/{plan_id}/kpis")

    async def production_actuals(
        self, filters: ProductionActualFilters
    ) -> list[ProductionActualPublic]:
        """Production and ending inventory per family and month."""
        return await self.export_matching(
            ProductionActualPublic, "/production-actuals/export", filters
        )

    async def resource_actuals(self, filters: ResourceActualFilters) -> list[ResourceActualPublic]:
        """Hours worked per resource and month."""
        return await self.list_matching(ResourceActualPublic, "/resource-actuals", filters)
