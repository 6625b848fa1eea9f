from pydantic import BaseModel, Field

from shared.contracts.demand import (
    DataQualityIssue,
    DataQualitySummaryPublic,
    OutlierPublic,
    SeriesQualityPublic,
)
from shared.types import Code, Period

__all__ = [
    "DataQualityIssue",
    "DataQualityParams",
    "DataQualitySummaryPublic",
    "OutlierPublic",
    "SeriesQualityFilters",
    "SeriesQualityPublic",
]


class DataQualityParams(BaseModel):
    family_code: Code | None = None
    segment_code: Code | None = None
    period_from: Period | None = None
    period_to: Period | None = None
    min_months: int = Field(
        default=24,
        ge=1,
        le=120,
        description="Months a series needs; below, it is too short (24: two seasons to learn).",
    )
    outlier_score: float = Field(
        default=3.5,
        gt=0,
        le=100,
        allow_inf_nan=False,
        description="Robust z-score (median and MAD, Iglewicz-Hoaglin) above which a month is "
        "an outlier.",
    )


class SeriesQualityFilters(DataQualityParams):
    issue: DataQualityIssue | None = Field(default=None, description="Only series with this issue.")
    only_issues: bool = Field(default=True, description="Leave out series without any issue.")
