from pydantic import BaseModel
from sqlalchemy import Index, func
from sqlmodel import Field

from services.demand.tables import DemandTable
from shared.contracts.hierarchy import (
    ItemBase,
    ItemHistoryBase,
    ItemHistoryPublic,
    ItemPublic,
)
from shared.crud import Patch
from shared.types import CLOSED, Code, Name, Period, Quantity

__all__ = [
    "Item",
    "ItemCreate",
    "ItemFilters",
    "ItemHistory",
    "ItemHistoryCreate",
    "ItemHistoryFilters",
    "ItemHistoryPublic",
    "ItemHistoryUpdate",
    "ItemPublic",
    "ItemUpdate",
]


class Item(ItemBase, DemandTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=64)
    family_code: str = Field(index=True, max_length=64)


class ItemCreate(ItemBase):
    model_config = CLOSED


class ItemUpdate(Patch):
    name: Name | None = None
    family_code: Code | None = None


class ItemFilters(BaseModel):
    family_code: Code | None = None


class ItemHistory(ItemHistoryBase, DemandTable, table=True):
    __tablename__ = "item_history"

    id: int | None = Field(default=None, primary_key=True)
    item_code: str = Field(index=True, max_length=64)
    customer_code: str | None = Field(default=None, index=True, max_length=64)


# One row per item, location, segment, customer and month, and one row not split by customer
# (customer NULL): NULLs are distinct in a plain unique constraint, so NULL is read as ''.
Index(
    "uq_item_history_key",
    ItemHistory.item_code,
    ItemHistory.location_code,
    ItemHistory.segment_code,
    func.coalesce(ItemHistory.customer_code, ""),
    ItemHistory.period,
    unique=True,
)


class ItemHistoryCreate(ItemHistoryBase):
    model_config = CLOSED


class ItemHistoryUpdate(Patch):
    quantity: Quantity | None = None


class ItemHistoryFilters(BaseModel):
    item_code: Code | None = None
    location_code: Code | None = None
    segment_code: Code | None = None
    customer_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
