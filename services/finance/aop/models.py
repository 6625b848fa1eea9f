from pydantic import BaseModel
from sqlalchemy import Index, func
from sqlmodel import Field

from services.finance.tables import FinanceTable
from shared.contracts.finance import AopBase, AopPublic
from shared.crud import Patch
from shared.types import CLOSED, Code, Money, Period, Quantity, SignedMoney

__all__ = ["Aop", "AopBase", "AopCreate", "AopFilters", "AopPublic", "AopUpdate"]


class Aop(AopBase, FinanceTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(index=True, max_length=7)
    family_group: str | None = Field(default=None, max_length=64)


# One company row and one row per family group in a month; NULLs are distinct in a plain
# unique constraint, so the key is unique over the group with NULL read as ''.
Index("uq_aop_period_group", Aop.period, func.coalesce(Aop.family_group, ""), unique=True)


class AopCreate(AopBase):
    model_config = CLOSED


class AopUpdate(Patch):
    NULLABLE = frozenset({"quantity"})

    revenue: Money | None = None
    margin: SignedMoney | None = None
    quantity: Quantity | None = None


class AopFilters(BaseModel):
    family_group: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
