from pydantic import BaseModel
from sqlmodel import Field

from services.supply.tables import SupplyTable
from shared.contracts.supply import CapacityMode, ResourceBase, ResourcePublic
from shared.crud import Patch
from shared.types import CLOSED, Name

__all__ = [
    "Resource",
    "ResourceBase",
    "ResourceCreate",
    "ResourceFilters",
    "ResourcePublic",
    "ResourceUpdate",
]


class Resource(ResourceBase, SupplyTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=64)


class ResourceCreate(ResourceBase):
    model_config = CLOSED


class ResourceUpdate(Patch):
    name: Name | None = None
    site: Name | None = None
    capacity_mode: CapacityMode | None = None


class ResourceFilters(BaseModel):
    site: Name | None = None
    capacity_mode: CapacityMode | None = None
