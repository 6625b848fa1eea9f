"""The supply service application (port 8002)."""

from fastapi import FastAPI

from services.supply.actuals.router import production_router as production_actuals_router
from services.supply.actuals.router import resource_router as resource_actuals_router
from services.supply.capacity.router import router as capacity_router
from services.supply.expansions.router import router as expansions_router
from services.supply.inventory.router import router as inventory_router
from services.supply.inventory.router import safety_stock_router
from services.supply.plans.router import router as plans_router
from services.supply.plans.router import validation_router as plan_validation_router
from services.supply.rccp.router import router as rccp_router
from services.supply.resources.router import router as resources_router
from services.supply.routings.router import router as routings_router
from services.supply.tables import SupplyTable, migrations
from services.supply.workforce.router import router as workforce_router
from shared.app import create_service_app
from shared.audit import audit_table_for
from shared.auth import SUPPLY_WRITERS
from shared.settings import SupplySettings

AuditEntry = audit_table_for(SupplyTable)


def create_app(settings: SupplySettings | None = None) -> FastAPI:
    return create_service_app(
        title="S&OP supply service",
        description=(
            "Resources, capacity, expansion steps and workforce, bill of resources, inventory "
            "policies and safety stock, rough-cut capacity planning, operations' supply plans, "
            "and actuals: production and ending inventory per family, hours worked per resource."
        ),
        settings=settings or SupplySettings(),
        migrations=migrations,
        routers=[
            resources_router,
            capacity_router,
            expansions_router,
            workforce_router,
            routings_router,
            inventory_router,
            plans_router,
            production_actuals_router,
            resource_actuals_router,
        ],
        writers=SUPPLY_WRITERS,
        # A capacity check, a plan's validation and a safety-stock calculation compute, they
        # write nothing: any authenticated caller may ask.
        open_routers=[rccp_router, plan_validation_router, safety_stock_router],
        audit_table=AuditEntry,
    )
