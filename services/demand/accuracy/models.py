from pydantic import BaseModel, Field

from shared.contracts.demand import (
    AccuracyDimension,
    AccuracyRowPublic,
    BiasFlagPublic,
    ForecastSource,
)
from shared.types import MAX_ROW_ID, Code, Fraction, Name, Period

__all__ = [
    "AccuracyDimension",
    "AccuracyFilters",
    "AccuracyRowPublic",
    "BiasFlagParams",
    "BiasFlagPublic",
    "ForecastSource",
]

MAX_LAG = 36


class AccuracyFilters(BaseModel):
    plan_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    stream: ForecastSource | None = None
    family_code: Code | None = None
    segment_code: Code | None = None
    lag: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LAG,
        description="Months from the plan's horizon start to the period (0: its first month).",
    )
    period_from: Period | None = None
    period_to: Period | None = None
    group_by: list[AccuracyDimension] = Field(
        default=[AccuracyDimension.family, AccuracyDimension.segment, AccuracyDimension.lag],
        max_length=4,
        description="Dimensions of a row besides the stream; an empty list sums over them all.",
    )


class BiasFlagParams(BaseModel):
    stream: ForecastSource | None = None
    author: Name | None = None
    family_code: Code | None = None
    segment_code: Code | None = None
    lag: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LAG,
        description="Only forecasts made this many months ahead; default: each period's most "
        "recent locked forecast.",
    )
    window_months: int = Field(default=6, ge=1, le=MAX_LAG, description="The last N periods.")
    threshold: float = Field(
        default=0.10, gt=0, le=10, allow_inf_nan=False, description="|bias| / actual to flag."
    )
    min_periods: int = Field(default=3, ge=1, le=MAX_LAG)
    min_same_sign: Fraction = Field(
        default=0.8,
        description="Share of the periods whose error has the bias's sign, for it to persist.",
    )
    by_family: bool = Field(
        default=False, description="Judge each family within a segment, not the segment whole."
    )
