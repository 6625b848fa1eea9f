from services.finance.price_locks.service import refuse_locked_changes
from shared.entity_router import entity_router
from shared.extend import extend_router

from .models import PriceCreate, PriceFilters, PricePublic, PriceUpdate
from .service import PRICES

# Extending into a locked month is a change of that month too (price_locks' rule).
price_locks = refuse_locked_changes(spec=PRICES, period_field="period")
router = entity_router(
    spec=PRICES,
    create_model=PriceCreate,
    update_model=PriceUpdate,
    public_model=PricePublic,
    filters_model=PriceFilters,
    path="/prices",
    tag="prices",
    before_write=price_locks,
)
# POST /prices/extend: each series rolled forward from its last month (shared.extend).
router.include_router(
    extend_router(
        spec=PRICES,
        create_model=PriceCreate,
        period_field="period",
        tag="prices",
        before_write=price_locks,
    )
)
