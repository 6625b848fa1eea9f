"""The data-gathering gate: the cycle's horizon must have no hole in the services' data
(``gateway.readiness``), unless the process owner overrides it with a recorded reason."""

from typing import Any

from gateway.cycle.models import Cycle, StepCompletion
from gateway.cycle.problems import GateClosed
from gateway.cycle.sources import PlanSources
from shared.errors import FieldError

# A gate's problem lists the holes; beyond this many, GET /readiness has them all.
LISTED_HOLES = 200


async def data_gathering_outputs(
    sources: PlanSources, *, cycle: Cycle, data: StepCompletion
) -> dict[str, Any]:
    """The data-quality report to record, once the readiness report of the cycle's horizon
    has no hole or the completion states why the cycle goes on without them (409 else)."""
    report = await sources.readiness(
        horizon_start=cycle.horizon_start, horizon_months=cycle.horizon_months
    )
    if report.holes and data.readiness_override is None:
        raise GateClosed(
            "data-ready",
            f"{len(report.holes)} hole(s) in the data of {report.horizon_start}.."
            f"{report.horizon_end} (GET /readiness): load them, or complete data gathering "
            "with `readiness_override` stating why the cycle goes on",
            errors=[
                FieldError(field=hole.field, reason=f"{hole.reason} (owner: {hole.role})")
                for hole in report.holes[:LISTED_HOLES]
            ],
            extra={
                "holes": len(report.holes),
                "counts": {str(k): n for k, n in report.counts.items()},
            },
        )
    return {"data_quality_report": data.data_quality_report}


def with_override_noted(data: StepCompletion) -> StepCompletion:
    """The completion with its readiness override, if any, recorded in the step's note."""
    if data.readiness_override is None:
        return data
    note = f"readiness overridden: {data.readiness_override}"
    return data.model_copy(update={"note": f"{data.note}\n{note}".strip()})
