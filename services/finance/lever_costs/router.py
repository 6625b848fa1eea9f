from shared.entity_router import entity_router

from .models import LeverCostCreate, LeverCostFilters, LeverCostPublic, LeverCostUpdate
from .service import LEVER_COSTS

router = entity_router(
    spec=LEVER_COSTS,
    create_model=LeverCostCreate,
    update_model=LeverCostUpdate,
    public_model=LeverCostPublic,
    filters_model=LeverCostFilters,
    path="/lever-costs",
    tag="lever costs",
)
