from pydantic import BaseModel, Field
from sqlmodel import Field as SQLField

from services.demand.tables import DemandTable
from shared.contracts.demand import (
    CustomerBase,
    CustomerPlacement,
    CustomerPublic,
    Importance,
    ImportanceParam,
    Margin,
    MarginParam,
    Quadrant,
    SegmentTargetPublic,
)
from shared.crud import Patch
from shared.types import CLOSED, Code, Money, Name

__all__ = [
    "Customer",
    "CustomerCreate",
    "CustomerFilters",
    "CustomerPlacement",
    "CustomerPublic",
    "CustomerUpdate",
    "MatrixFilters",
    "MatrixParams",
    "SegmentTargetPublic",
    "TargetsApply",
]


class Customer(CustomerBase, DemandTable, table=True):
    id: int | None = SQLField(default=None, primary_key=True)
    code: str = SQLField(unique=True, index=True, max_length=64)
    segment_code: str = SQLField(index=True, max_length=64)


class CustomerCreate(CustomerBase):
    model_config = CLOSED


class CustomerUpdate(Patch):
    name: Name | None = None
    segment_code: Code | None = None
    annual_revenue: Money | None = None
    gross_margin_pct: Margin | None = None
    strategic_importance: Importance | None = None


class CustomerFilters(BaseModel):
    segment_code: Code | None = None
    strategic_importance: ImportanceParam | None = None


MARGIN_CUT = "Gross margin at or above: profitable."
IMPORTANCE_CUT = "Importance at or above: strategic."


class MatrixParams(BaseModel):
    """Where the matrix is cut: at or above a cut is 'high'."""

    margin_cut: MarginParam = Field(default=0.2, description=MARGIN_CUT)
    importance_cut: ImportanceParam = Field(default=4, description=IMPORTANCE_CUT)


class MatrixFilters(MatrixParams):
    segment_code: Code | None = None
    quadrant: Quadrant | None = None


class TargetsApply(MatrixParams):
    model_config = CLOSED

    margin_cut: Margin = Field(default=0.2, description=MARGIN_CUT)
    importance_cut: Importance = Field(default=4, description=IMPORTANCE_CUT)
    segment_codes: list[Code] | None = Field(
        default=None, max_length=1000, description="Segments to update (default: every segment)."
    )
