from shared.entity_router import entity_router

from .models import RoutingCreate, RoutingFilters, RoutingPublic, RoutingUpdate
from .service import ROUTINGS

router = entity_router(
    spec=ROUTINGS,
    create_model=RoutingCreate,
    update_model=RoutingUpdate,
    public_model=RoutingPublic,
    filters_model=RoutingFilters,
    path="/routings",
    tag="routings",
)
