from services.finance.price_locks.service import refuse_locked_changes
from shared.entity_router import entity_router

from .models import PriceCreate, PriceFilters, PricePublic, PriceUpdate
from .service import PRICES

router = entity_router(
    spec=PRICES,
    create_model=PriceCreate,
    update_model=PriceUpdate,
    public_model=PricePublic,
    filters_model=PriceFilters,
    path="/prices",
    tag="prices",
    before_write=refuse_locked_changes(spec=PRICES, period_field="period"),
)
