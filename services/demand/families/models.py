from pydantic import BaseModel
from sqlmodel import Field

from services.demand.tables import DemandTable
from shared.contracts.demand import FamilyBase, FamilyPublic, LifecycleStatus
from shared.crud import Patch
from shared.types import CLOSED, Code, Name

__all__ = ["Family", "FamilyBase", "FamilyCreate", "FamilyFilters", "FamilyPublic", "FamilyUpdate"]


class Family(FamilyBase, DemandTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=64)


class FamilyCreate(FamilyBase):
    model_config = CLOSED


class FamilyUpdate(Patch):
    name: Name | None = None
    unit: Code | None = None
    status: LifecycleStatus | None = None


class FamilyFilters(BaseModel):
    status: LifecycleStatus | None = None
