from services.finance.price_locks.service import refuse_locked_changes
from shared.entity_router import entity_router

from .models import UnitCostCreate, UnitCostFilters, UnitCostPublic, UnitCostUpdate
from .service import UNIT_COSTS

router = entity_router(
    spec=UNIT_COSTS,
    create_model=UnitCostCreate,
    update_model=UnitCostUpdate,
    public_model=UnitCostPublic,
    filters_model=UnitCostFilters,
    path="/unit-costs",
    tag="unit costs",
    before_write=refuse_locked_changes(spec=UNIT_COSTS, period_field="effective_from"),
)
