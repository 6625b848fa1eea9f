"""GraphQL twin of ``GET /readiness`` (``gateway.readiness.service.readiness_report``)."""

import strawberry

from gateway.graph.arguments import arguments_of
from gateway.readiness.models import ReadinessQuery
from gateway.readiness.service import readiness_report


@strawberry.type(
    description="One missing row, the service that owns it and the role that loads it."
)
class ReadinessHole:
    service: str
    role: str
    dataset: str
    field: str
    reason: str


@strawberry.type(description="Every hole in the three services' data for a horizon.")
class ReadinessReport:
    horizon_start: str
    horizon_end: str
    ready: bool
    holes: list[ReadinessHole]


@strawberry.type
class ReadinessQueryType:
    @strawberry.field(description="The data-readiness report of a horizon (GET /readiness).")
    async def readiness(
        self, info: strawberry.Info, horizon_start: str, horizon_months: int = 24
    ) -> ReadinessReport:
        query = arguments_of(
            ReadinessQuery, horizon_start=horizon_start, horizon_months=horizon_months
        )
        report = await readiness_report(
            info.context.state.upstreams,
            horizon_start=query.horizon_start,
            horizon_months=query.horizon_months,
            field="horizonStart",
        )
        return ReadinessReport(
            horizon_start=report.horizon_start,
            horizon_end=report.horizon_end,
            ready=report.ready,
            holes=[
                ReadinessHole(
                    service=h.service,
                    role=str(h.role),
                    dataset=str(h.dataset),
                    field=h.field,
                    reason=h.reason,
                )
                for h in report.holes
            ],
        )
