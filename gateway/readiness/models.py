"""The data-readiness report of a horizon: every hole in the three services' data."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.auth import Role
from shared.types import Period


class Dataset(StrEnum):
    history = "history"
    prices = "prices"
    unit_costs = "unit_costs"
    lever_costs = "lever_costs"
    routings = "routings"
    capacity = "capacity"
    aop = "aop"


class ReadinessQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    horizon_start: Period = Field(description="First month of the horizon to check.")
    horizon_months: Annotated[int, Field(ge=1, le=36)] = Field(
        default=24, description="Months of the horizon."
    )


class ReadinessHole(BaseModel):
    """One missing row, the service that owns it and the role that loads it."""

    service: str
    role: Role
    dataset: Dataset
    field: str = Field(description="The missing row: <service>.<dataset>.<key>...")
    reason: str


class ReadinessReport(BaseModel):
    horizon_start: Period
    horizon_end: Period
    ready: bool
    holes: list[ReadinessHole]
    counts: dict[Dataset, int] = Field(description="Holes per dataset.")
