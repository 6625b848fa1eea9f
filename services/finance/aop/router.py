from shared.entity_router import entity_router

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
