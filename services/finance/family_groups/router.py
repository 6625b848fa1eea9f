from shared.entity_router import entity_router

from .models import FamilyGroupCreate, FamilyGroupFilters, FamilyGroupPublic, FamilyGroupUpdate
from .service import FAMILY_GROUPS

router = entity_router(
    spec=FAMILY_GROUPS,
    create_model=FamilyGroupCreate,
    update_model=FamilyGroupUpdate,
    public_model=FamilyGroupPublic,
    filters_model=FamilyGroupFilters,
    path="/family-groups",
    tag="family groups",
)
