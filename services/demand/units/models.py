from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.demand.tables import DemandTable
from shared.contracts.hierarchy import (
    ConversionFactor,
    MeasureUnit,
    UnitConversionBase,
    UnitConversionPublic,
)
from shared.crud import Patch
from shared.types import CLOSED, Code

__all__ = [
    "UnitConversion",
    "UnitConversionCreate",
    "UnitConversionFilters",
    "UnitConversionPublic",
    "UnitConversionUpdate",
    "UnitParam",
]


class UnitConversion(UnitConversionBase, DemandTable, table=True):
    __tablename__ = "unit_conversion"
    __table_args__ = (UniqueConstraint("family_code", "unit"),)

    id: int | None = Field(default=None, primary_key=True)
    family_code: str = Field(index=True, max_length=64)


class UnitConversionCreate(UnitConversionBase):
    model_config = CLOSED


class UnitConversionUpdate(Patch):
    per_base_unit: ConversionFactor | None = None


class UnitConversionFilters(BaseModel):
    family_code: Code | None = None
    unit: MeasureUnit | None = None


class UnitParam(BaseModel):
    """The unit a report is given in: each family's base unit when left out."""

    unit: MeasureUnit | None = None
