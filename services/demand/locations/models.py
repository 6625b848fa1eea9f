from pydantic import BaseModel
from sqlmodel import Field

from services.demand.tables import DemandTable
from shared.contracts.hierarchy import LocationBase, LocationPublic
from shared.crud import Patch
from shared.types import CLOSED, Code, Name

__all__ = ["Location", "LocationCreate", "LocationFilters", "LocationPublic", "LocationUpdate"]


class Location(LocationBase, DemandTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=64)
    region: str = Field(index=True, max_length=64)


class LocationCreate(LocationBase):
    model_config = CLOSED


class LocationUpdate(Patch):
    name: Name | None = None
    region: Code | None = None


class LocationFilters(BaseModel):
    region: Code | None = None
