import datetime as dt

from pydantic import BaseModel
from sqlalchemy import Column, DateTime
from sqlmodel import Field

from services.finance.tables import FinanceTable
from shared.contracts.finance import (
    PriceLockBase,
    PriceLockPublic,
    PriceRevisionPublic,
    RevisionKind,
)
from shared.types import Code, Period

__all__ = [
    "PriceLock",
    "PriceLockBase",
    "PriceLockPublic",
    "PriceRevision",
    "PriceRevisionFilters",
    "PriceRevisionPublic",
]


class PriceLock(PriceLockBase, FinanceTable, table=True):
    __tablename__ = "price_lock"

    id: int | None = Field(default=None, primary_key=True)
    through_period: str = Field(index=True, max_length=7)
    created_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PriceRevision(PriceRevisionPublic, FinanceTable, table=True):
    __tablename__ = "price_revision"

    id: int | None = Field(default=None, primary_key=True)  # type: ignore[assignment]
    family_code: str = Field(index=True, max_length=64)
    created_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PriceRevisionFilters(BaseModel):
    kind: RevisionKind | None = None
    family_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
