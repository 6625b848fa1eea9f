from pydantic import BaseModel
from sqlmodel import Field

from services.supply.tables import SupplyTable
from shared.contracts.supply import (
    Duration,
    ErrorMeasure,
    InventoryPolicyBase,
    InventoryPolicyPublic,
    SafetyStockMethod,
    ServiceMeasure,
    ServiceTarget,
)
from shared.crud import Patch
from shared.types import CLOSED, Code, Quantity

__all__ = [
    "InventoryPolicy",
    "InventoryPolicyCreate",
    "InventoryPolicyFilters",
    "InventoryPolicyPublic",
    "InventoryPolicyUpdate",
]


class InventoryPolicy(InventoryPolicyBase, SupplyTable, table=True):
    __tablename__ = "inventory_policy"

    id: int | None = Field(default=None, primary_key=True)
    family_code: str = Field(unique=True, index=True, max_length=64)


class InventoryPolicyCreate(InventoryPolicyBase):
    model_config = CLOSED


class InventoryPolicyUpdate(Patch):
    """Fields to change; the merged policy must still have what its method needs."""

    NULLABLE = frozenset(
        {"cover_periods", "service_target", "forecast_error", "lead_time_periods", "order_quantity"}
    )

    initial_on_hand: Quantity | None = None
    max_outsourced_per_period: Quantity | None = None
    safety_stock_method: SafetyStockMethod | None = None
    safety_stock: Quantity | None = None
    cover_periods: Duration | None = None
    service_measure: ServiceMeasure | None = None
    service_target: ServiceTarget | None = None
    forecast_error: Quantity | None = None
    forecast_error_measure: ErrorMeasure | None = None
    lead_time_periods: Duration | None = None
    order_quantity: Quantity | None = None


class InventoryPolicyFilters(BaseModel):
    family_code: Code | None = None
    safety_stock_method: SafetyStockMethod | None = None
