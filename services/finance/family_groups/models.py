from pydantic import BaseModel
from sqlmodel import Field

from services.finance.tables import FinanceTable
from shared.contracts.finance import FamilyGroupBase, FamilyGroupPublic
from shared.crud import Patch
from shared.types import CLOSED, Code

__all__ = [
    "FamilyGroup",
    "FamilyGroupBase",
    "FamilyGroupCreate",
    "FamilyGroupFilters",
    "FamilyGroupPublic",
    "FamilyGroupUpdate",
]


class FamilyGroup(FamilyGroupBase, FinanceTable, table=True):
    __tablename__ = "family_group"

    id: int | None = Field(default=None, primary_key=True)
    family_code: str = Field(unique=True, index=True, max_length=64)
    family_group: str = Field(index=True, max_length=64)


class FamilyGroupCreate(FamilyGroupBase):
    model_config = CLOSED


class FamilyGroupUpdate(Patch):
    family_group: Code | None = None


class FamilyGroupFilters(BaseModel):
    family_group: Code | None = None
