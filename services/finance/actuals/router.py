from shared.entity_router import entity_router

from .models import (
    CostActualCreate,
    CostActualFilters,
    CostActualPublic,
    CostActualUpdate,
    RevenueActualCreate,
    RevenueActualFilters,
    RevenueActualPublic,
    RevenueActualUpdate,
)
from .service import COST_ACTUALS, REVENUE_ACTUALS

revenue_router = entity_router(
    spec=REVENUE_ACTUALS,
    create_model=RevenueActualCreate,
    update_model=RevenueActualUpdate,
    public_model=RevenueActualPublic,
    filters_model=RevenueActualFilters,
    path="/revenue-actuals",
    tag="revenue actuals",
)
cost_router = entity_router(
    spec=COST_ACTUALS,
    create_model=CostActualCreate,
    update_model=CostActualUpdate,
    public_model=CostActualPublic,
    filters_model=CostActualFilters,
    path="/cost-actuals",
    tag="cost actuals",
)
