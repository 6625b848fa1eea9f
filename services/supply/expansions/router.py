from shared.entity_router import entity_router

from .models import (
    ExpansionStepCreate,
    ExpansionStepFilters,
    ExpansionStepPublic,
    ExpansionStepUpdate,
)
from .service import EXPANSION_STEPS

router = entity_router(
    spec=EXPANSION_STEPS,
    create_model=ExpansionStepCreate,
    update_model=ExpansionStepUpdate,
    public_model=ExpansionStepPublic,
    filters_model=ExpansionStepFilters,
    path="/expansion-steps",
    tag="expansion-steps",
)
