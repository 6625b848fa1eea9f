from shared.entity_router import entity_router

from .models import SegmentCreate, SegmentFilters, SegmentPublic, SegmentUpdate
from .service import SEGMENTS

router = entity_router(
    spec=SEGMENTS,
    create_model=SegmentCreate,
    update_model=SegmentUpdate,
    public_model=SegmentPublic,
    filters_model=SegmentFilters,
    path="/segments",
    tag="segments",
)
