from shared.entity_router import entity_router
from shared.extend import extend_router

from .models import AopCreate, AopFilters, AopPublic, AopUpdate
from .service import AOP

router = entity_router(
    spec=AOP,
    create_model=AopCreate,
    update_model=AopUpdate,
    public_model=AopPublic,
    filters_model=AopFilters,
    path="/aop",
    tag="aop",
)
# POST /aop/extend: each series rolled forward from its last month (shared.extend).
router.include_router(
    extend_router(
        spec=AOP,
        create_model=AopCreate,
        period_field="period",
        tag="aop",
    )
)
