from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
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
    __table_args__ = (UniqueConstraint("item_code", "location_code", "segment_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    item_code: str = Field(index=True, max_length=64)


class ItemHistoryCreate(ItemHistoryBase):
    model_config = CLOSED


class ItemHistoryUpdate(Patch):
    quantity: Quantity | None = None


class ItemHistoryFilters(BaseModel):
    item_code: Code | None = None
    location_code: Code | None = None
    segment_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
