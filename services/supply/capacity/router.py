from shared.entity_router import entity_router
from shared.extend import extend_router

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
# POST /capacity/extend: each series rolled forward from its last month (shared.extend).
router.include_router(
    extend_router(
        spec=CAPACITY,
        create_model=CapacityCreate,
        period_field="period",
        tag="capacity",
    )
)
