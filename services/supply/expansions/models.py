from typing import Annotated

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlmodel import Field

from services.supply.tables import SupplyTable
from shared.contracts.supply import ExpansionStepBase, ExpansionStepPublic
from shared.crud import Patch
from shared.types import CLOSED, JSON_INTEGER, Code, Hours, Text

__all__ = [
    "ExpansionStep",
    "ExpansionStepCreate",
    "ExpansionStepFilters",
    "ExpansionStepPublic",
    "ExpansionStepUpdate",
]


class ExpansionStep(ExpansionStepBase, SupplyTable, table=True):
    __tablename__ = "expansion_step"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=64)
    resource_code: str = Field(index=True, max_length=64, foreign_key="resource.code")


class ExpansionStepCreate(ExpansionStepBase):
    model_config = CLOSED


class ExpansionStepUpdate(Patch):
    name: Text | None = None
    extra_hours: Annotated[Hours, PydanticField(gt=0)] | None = None
    lead_time_periods: Annotated[int, PydanticField(ge=0, le=120), JSON_INTEGER] | None = None


class ExpansionStepFilters(BaseModel):
    resource_code: Code | None = None
