"""Tables and API models of finance actuals: revenue per family, segment and month; the
variable cost of goods sold per family and month."""

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.finance.tables import FinanceTable
from shared.contracts.finance import (
    CostActualBase,
    CostActualFilters,
    CostActualPublic,
    RevenueActualBase,
    RevenueActualFilters,
    RevenueActualPublic,
)
from shared.crud import Patch
from shared.types import CLOSED, Money, Quantity

__all__ = [
    "CostActual",
    "CostActualCreate",
    "CostActualFilters",
    "CostActualPublic",
    "CostActualUpdate",
    "RevenueActual",
    "RevenueActualCreate",
    "RevenueActualFilters",
    "RevenueActualPublic",
    "RevenueActualUpdate",
]


class RevenueActual(RevenueActualBase, FinanceTable, table=True):
    __tablename__ = "revenue_actual"
    __table_args__ = (UniqueConstraint("family_code", "segment_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    family_code: str = Field(index=True, max_length=64)


class RevenueActualCreate(RevenueActualBase):
    model_config = CLOSED


class RevenueActualUpdate(Patch):
    quantity: Quantity | None = None
    revenue: Money | None = None


class CostActual(CostActualBase, FinanceTable, table=True):
    __tablename__ = "cost_actual"
    __table_args__ = (UniqueConstraint("family_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    family_code: str = Field(index=True, max_length=64)


class CostActualCreate(CostActualBase):
    model_config = CLOSED


class CostActualUpdate(Patch):
    cost_of_goods_sold: Money | None = None
