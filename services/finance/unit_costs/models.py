from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.finance.tables import FinanceTable
from shared.contracts.finance import UnitCostBase, UnitCostIn, UnitCostPublic
from shared.crud import Patch
from shared.types import Code, Money, Period

__all__ = [
    "UnitCost",
    "UnitCostBase",
    "UnitCostCreate",
    "UnitCostFilters",
    "UnitCostPublic",
    "UnitCostUpdate",
]


class UnitCost(UnitCostBase, FinanceTable, table=True):
    __tablename__ = "unit_cost"
    __table_args__ = (UniqueConstraint("family_code", "effective_from"),)

    id: int | None = Field(default=None, primary_key=True)
    family_code: str = Field(index=True, max_length=64)


class UnitCostCreate(UnitCostIn):
    pass


class UnitCostUpdate(Patch):
    variable_cost: Money | None = None


class UnitCostFilters(BaseModel):
    family_code: Code | None = None
    effective_from: Period | None = None
