from shared.entity_router import entity_router

from .models import ResourceCreate, ResourceFilters, ResourcePublic, ResourceUpdate
from .service import RESOURCES

router = entity_router(
    spec=RESOURCES,
    create_model=ResourceCreate,
    update_model=ResourceUpdate,
    public_model=ResourcePublic,
    filters_model=ResourceFilters,
    path="/resources",
    tag="resources",
)
