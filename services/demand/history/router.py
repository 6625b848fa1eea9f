from shared.entity_router import entity_router

from .models import (
    DemandHistoryCreate,
    DemandHistoryFilters,
    DemandHistoryPublic,
    DemandHistoryUpdate,
)
from .service import HISTORY

router = entity_router(
    spec=HISTORY,
    create_model=DemandHistoryCreate,
    update_model=DemandHistoryUpdate,
    public_model=DemandHistoryPublic,
    filters_model=DemandHistoryFilters,
    path="/history",
    tag="history",
)
