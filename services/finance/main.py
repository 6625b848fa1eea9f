"""The finance service application (port 8003)."""

from fastapi import FastAPI

from services.finance.actuals.router import cost_router as cost_actuals_router
from services.finance.actuals.router import revenue_router as revenue_actuals_router
from services.finance.aop.router import router as aop_router
from services.finance.aop_gaps.router import router as aop_gaps_router
from services.finance.family_groups.router import router as family_groups_router
from services.finance.kpis.router import router as kpis_router
from services.finance.lever_costs.router import router as lever_costs_router
from services.finance.price_locks.router import locks_router, revisions_router
from services.finance.prices.router import router as prices_router
from services.finance.tables import FinanceTable, migrations
from services.finance.unit_costs.router import router as unit_costs_router
from services.finance.valuations.router import router as valuations_router
from shared.app import create_service_app
from shared.audit import audit_table_for
from shared.auth import FINANCE_WRITERS
from shared.settings import FinanceSettings

AuditEntry = audit_table_for(FinanceTable)


def create_app(settings: FinanceSettings | None = None) -> FastAPI:
    return create_service_app(
        title="S&OP finance service",
        description=(
            "Prices, unit costs, lever costs, family groups and the annual operating plan "
            "(AOP); price locks and restatements; the valuation of any plan in money, its gap "
            "to the AOP with the variance lines that explain it, and its KPIs; revenue and cost "
            "actuals."
        ),
        settings=settings or FinanceSettings(),
        migrations=migrations,
        routers=[
            prices_router,
            unit_costs_router,
            lever_costs_router,
            family_groups_router,
            aop_router,
            locks_router,
            revisions_router,
            revenue_actuals_router,
            cost_actuals_router,
        ],
        writers=FINANCE_WRITERS,
        # Computations: any authenticated caller may POST a plan to them.
        open_routers=[valuations_router, aop_gaps_router, kpis_router],
        audit_table=AuditEntry,
    )
