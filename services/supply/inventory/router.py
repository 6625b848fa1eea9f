from fastapi import APIRouter

from shared.contracts.supply import SafetyStockAnswer, SafetyStockRequest
from shared.db import SessionDep
from shared.entity_router import PROBLEM_RESPONSES, entity_router

from .models import (
    InventoryPolicyCreate,
    InventoryPolicyFilters,
    InventoryPolicyPublic,
    InventoryPolicyUpdate,
)
from .service import INVENTORY_POLICIES, check_overrides, compute_safety_stocks, load_policies

router = entity_router(
    spec=INVENTORY_POLICIES,
    create_model=InventoryPolicyCreate,
    update_model=InventoryPolicyUpdate,
    public_model=InventoryPolicyPublic,
    filters_model=InventoryPolicyFilters,
    path="/inventory-policies",
    tag="inventory policies",
)

# A computation that writes nothing: any authenticated caller may ask (see main.py), like RCCP.
safety_stock_router = APIRouter(
    prefix="/inventory-policies", tags=["inventory policies"], responses=PROBLEM_RESPONSES
)


@safety_stock_router.post(
    "/safety-stock",
    response_model=SafetyStockAnswer,
    summary="Safety stock per family and month for a forecast",
    description=(
        "Applies each family's policy (direct, periods of cover, or service level from a "
        "fill-rate or cycle-service-level target, the forecast error and the lead time) to the "
        "forecast in the body. Overrides replace a policy's target or forecast error, e.g. "
        "with a segment's fill-rate target. Families without a policy are listed, not refused. "
        "The lines span at most 120 months (422 otherwise)."
    ),
)
def safety_stock(session: SessionDep, request: SafetyStockRequest) -> SafetyStockAnswer:
    check_overrides(request.overrides)
    policies = load_policies(session, family_codes=[line.family_code for line in request.lines])
    return compute_safety_stocks(
        policies=policies, lines=request.lines, overrides=request.overrides
    )
