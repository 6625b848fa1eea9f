from shared.entity_router import entity_router

from .models import (
    ProductionActualCreate,
    ProductionActualFilters,
    ProductionActualPublic,
    ProductionActualUpdate,
    ResourceActualCreate,
    ResourceActualFilters,
    ResourceActualPublic,
    ResourceActualUpdate,
)
from .service import PRODUCTION_ACTUALS, RESOURCE_ACTUALS

production_router = entity_router(
    spec=PRODUCTION_ACTUALS,
    create_model=ProductionActualCreate,
    update_model=ProductionActualUpdate,
    public_model=ProductionActualPublic,
    filters_model=ProductionActualFilters,
    path="/production-actuals",
    tag="production actuals",
)
resource_router = entity_router(
    spec=RESOURCE_ACTUALS,
    create_model=ResourceActualCreate,
    update_model=ResourceActualUpdate,
    public_model=ResourceActualPublic,
    filters_model=ResourceActualFilters,
    path="/resource-actuals",
    tag="resource actuals",
)
