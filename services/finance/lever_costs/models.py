from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.finance.tables import FinanceTable
from shared.contracts.finance import Lever, LeverCostBase, LeverCostPublic
from shared.crud import Patch
from shared.types import CLOSED, Code, Money

__all__ = [
    "LeverCost",
    "LeverCostBase",
    "LeverCostCreate",
    "LeverCostFilters",
    "LeverCostPublic",
    "LeverCostUpdate",
]


class LeverCost(LeverCostBase, FinanceTable, table=True):
    __tablename__ = "lever_cost"
    __table_args__ = (UniqueConstraint("lever", "code"),)

    id: int | None = Field(default=None, primary_key=True)


class LeverCostCreate(LeverCostBase):
    model_config = CLOSED


class LeverCostUpdate(Patch):
    cost: Money | None = None


class LeverCostFilters(BaseModel):
    lever: Lever | None = None
    code: Code | None = None
