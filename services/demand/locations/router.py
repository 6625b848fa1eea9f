from shared.entity_router import entity_router

from .models import LocationCreate, LocationFilters, LocationPublic, LocationUpdate
from .service import LOCATIONS

router = entity_router(
    spec=LOCATIONS,
    create_model=LocationCreate,
    update_model=LocationUpdate,
    public_model=LocationPublic,
    filters_model=LocationFilters,
    path="/locations",
    tag="locations",
)
