from shared.entity_router import entity_router

from .models import FamilyCreate, FamilyFilters, FamilyPublic, FamilyUpdate
from .service import FAMILIES

router = entity_router(
    spec=FAMILIES,
    create_model=FamilyCreate,
    update_model=FamilyUpdate,
    public_model=FamilyPublic,
    filters_model=FamilyFilters,
    path="/families",
    tag="families",
)
