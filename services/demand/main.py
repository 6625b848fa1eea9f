"""The demand service application (port 8001)."""

from fastapi import FastAPI

from services.demand.accuracy.router import router as accuracy_router
from services.demand.consensus.router import router as consensus_router
from services.demand.customers.router import matrix_router
from services.demand.customers.router import router as customers_router
from services.demand.families.router import router as families_router
from services.demand.forecasting.router import forecasts_router, overrides_router
from services.demand.forecasting.router import router as baseline_router
from services.demand.governance import WEBHOOKS, AuditEntry
from services.demand.hierarchy.router import forecasts_router as hierarchy_forecasts_router
from services.demand.hierarchy.router import router as hierarchy_router
from services.demand.history.router import router as history_router
from services.demand.items.router import history_router as item_history_router
from services.demand.items.router import router as items_router
from services.demand.locations.router import router as locations_router
from services.demand.plans.router import roll_router
from services.demand.plans.router import router as plans_router
from services.demand.quality.router import router as quality_router
from services.demand.segments.router import router as segments_router
from services.demand.signoffs.router import router as sign_offs_router
from services.demand.streams.router import router as streams_router
from services.demand.tables import migrations
from services.demand.units.router import router as units_router
from shared.app import create_service_app
from shared.auth import DEMAND_WRITERS
from shared.settings import DemandSettings


def create_app(settings: DemandSettings | None = None) -> FastAPI:
    return create_service_app(
        title="S&OP demand service",
        description=(
            "Product families, customer segments and customers, demand history and its quality, "
            "the statistical baseline, role input streams, versioned consensus demand plans "
            "with their waterfall, and forecast accuracy, bias and value added per stream."
        ),
        settings=settings or DemandSettings(),
        migrations=migrations,
        routers=[
            families_router,
            segments_router,
            history_router,
            items_router,
            locations_router,
            item_history_router,
            units_router,
            hierarchy_router,
            hierarchy_forecasts_router,
            plans_router,
            baseline_router,
            forecasts_router,
            overrides_router,
            streams_router,
            consensus_router,
            accuracy_router,
            matrix_router,
            customers_router,
            quality_router,
        ],
        # Every demand role writes here; the plans narrow it down per stream and for the lock
        # (services/demand/rights.py).
        writers=DEMAND_WRITERS,
        # The owning roles sign off and the process owner overrides, and the process owner
        # rolls by closing: each checks its own rights.
        open_routers=[sign_offs_router, roll_router],
        audit_table=AuditEntry,
        webhooks=WEBHOOKS,
    )
