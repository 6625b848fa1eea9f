from shared.entity_router import entity_router

from .models import WorkforceCreate, WorkforceFilters, WorkforcePublic, WorkforceUpdate
from .service import WORKFORCE

router = entity_router(
    spec=WORKFORCE,
    create_model=WorkforceCreate,
    update_model=WorkforceUpdate,
    public_model=WorkforcePublic,
    filters_model=WorkforceFilters,
    path="/workforce",
    tag="workforce",
)
