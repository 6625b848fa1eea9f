from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.finance.tables import FinanceTable
from shared.contracts.finance import PriceBase, PriceIn, PricePublic
from shared.crud import Patch
from shared.types import Code, Money, Period

__all__ = ["Price", "PriceBase", "PriceCreate", "PriceFilters", "PricePublic", "PriceUpdate"]


class Price(PriceBase, FinanceTable, table=True):
    __table_args__ = (UniqueConstraint("family_code", "segment_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    family_code: str = Field(index=True, max_length=64)


class PriceCreate(PriceIn):
    pass


class PriceUpdate(Patch):
    price: Money | None = None


class PriceFilters(BaseModel):
    family_code: Code | None = None
    segment_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
