from shared.entity_router import entity_router

from .models import (
    UnitConversionCreate,
    UnitConversionFilters,
    UnitConversionPublic,
    UnitConversionUpdate,
)
from .service import CONVERSIONS

router = entity_router(
    spec=CONVERSIONS,
    create_model=UnitConversionCreate,
    update_model=UnitConversionUpdate,
    public_model=UnitConversionPublic,
    filters_model=UnitConversionFilters,
    path="/unit-conversions",
    tag="unit conversions",
)
