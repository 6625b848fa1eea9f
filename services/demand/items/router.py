from shared.entity_router import entity_router

from .models import (
    ItemCreate,
    ItemFilters,
    ItemHistoryCreate,
    ItemHistoryFilters,
    ItemHistoryPublic,
    ItemHistoryUpdate,
    ItemPublic,
    ItemUpdate,
)
from .service import ITEM_HISTORY, ITEMS, check_customer_segments

router = entity_router(
    spec=ITEMS,
    create_model=ItemCreate,
    update_model=ItemUpdate,
    public_model=ItemPublic,
    filters_model=ItemFilters,
    path="/items",
    tag="items",
)

history_router = entity_router(
    spec=ITEM_HISTORY,
    create_model=ItemHistoryCreate,
    update_model=ItemHistoryUpdate,
    public_model=ItemHistoryPublic,
    filters_model=ItemHistoryFilters,
    path="/item-history",
    tag="item history",
    before_write=check_customer_segments,
)
