from pydantic import BaseModel
from sqlmodel import Field

from services.finance.tables import FinanceTable
from shared.contracts.finance import FamilyGroupBase, FamilyGroupPublic
from shared.types import Code

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
    pass


class FamilyGroupUpdate(BaseModel):
    family_group: Code | None = None


class FamilyGroupFilters(BaseModel):
    family_group: Code | None = None
