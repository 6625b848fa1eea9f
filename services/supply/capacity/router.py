from shared.entity_router import entity_router

from .models import CapacityCreate, CapacityFilters, CapacityPublic, CapacityUpdate
from .service import CAPACITY

router = entity_router(
    spec=CAPACITY,
    create_model=CapacityCreate,
    update_model=CapacityUpdate,
    public_model=CapacityPublic,
    filters_model=CapacityFilters,
    path="/capacity",
    tag="capacity",
)
