from shared.contracts.demand import (
    AccuracyDimension,
    AccuracyFilters,
    AccuracyRowPublic,
    BiasFlagParams,
    BiasFlagPublic,
    ForecastSource,
)

__all__ = [
    "AccuracyDimension",
    "AccuracyFilters",
    "AccuracyRowPublic",
    "BiasFlagParams",
    "BiasFlagPublic",
    "ForecastSource",
]
