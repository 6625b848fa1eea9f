"""GraphQL types of the roll of a demand plan into the next cycle (``gateway.cycle.closing``)."""

import strawberry

from shared.contracts.demand import PlanRollPublic
from shared.contracts.demand import RolledInput as RolledInputModel


@strawberry.type(description="An input of the rolled plan's source: carried, or dropped and why.")
class RolledInput:
    input_id: int
    stream: str
    kind: str
    family_code: str
    segment_code: str | None
    period_from: str
    period_to: str | None
    author: str
    reason_code: str
    note: str

    @classmethod
    def of(cls, item: RolledInputModel) -> "RolledInput":
        return cls(**{**item.model_dump(), "stream": str(item.stream), "kind": str(item.kind)})


@strawberry.type(description="A demand plan rolled into the next horizon: the new draft's id.")
class DemandPlanRoll:
    source_plan_id: int
    plan_id: int
    plan_version: int
    horizon_start: str
    months: int
    baseline_series: int
    carried: list[RolledInput]
    dropped: list[RolledInput]

    @classmethod
    def of(cls, roll: PlanRollPublic) -> "DemandPlanRoll":
        return cls(
            source_plan_id=roll.source_plan_id,
            plan_id=roll.plan.id,
            plan_version=roll.plan.version,
            horizon_start=roll.plan.horizon_start,
            months=roll.months,
            baseline_series=roll.baseline_series,
            carried=[RolledInput.of(item) for item in roll.carried],
            dropped=[RolledInput.of(item) for item in roll.dropped],
        )
