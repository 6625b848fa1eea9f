from typing import Annotated

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.supply.tables import SupplyTable
from shared.contracts.supply import RoutingBase, RoutingPublic
from shared.crud import Patch
from shared.types import CLOSED, JSON_INTEGER, Code, Hours

__all__ = [
    "Routing",
    "RoutingCreate",
    "RoutingFilters",
    "RoutingPublic",
    "RoutingUpdate",
]


class Routing(RoutingBase, SupplyTable, table=True):
    __table_args__ = (UniqueConstraint("family_code", "resource_code"),)

    id: int | None = Field(default=None, primary_key=True)
    family_code: str = Field(index=True, max_length=64)
    resource_code: str = Field(index=True, max_length=64, foreign_key="resource.code")


class RoutingCreate(RoutingBase):
    model_config = CLOSED


class RoutingUpdate(Patch):
    hours_per_unit: Annotated[Hours, PydanticField(gt=0)] | None = None
    lead_time_offset: Annotated[int, PydanticField(ge=0, le=36), JSON_INTEGER] | None = None


class RoutingFilters(BaseModel):
    family_code: Code | None = None
    resource_code: Code | None = None
