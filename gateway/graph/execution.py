"""Execution KPIs in the graph: the REST reports of ``gateway/execution`` as types, over the
same service functions. Merged into the root ``Query``."""

from typing import Any, TypeVar

import strawberry
from pydantic import BaseModel
from strawberry.experimental.pydantic import type as pydantic_type

from gateway.execution import models, service
from gateway.graph.arguments import arguments_of
from gateway.graph.context import Info

TypeT = TypeVar("TypeT")


def graph_of(cls: type[TypeT], report: BaseModel) -> TypeT:
    """The report as its Strawberry type (nested models converted alike)."""
    converter: Any = cls
    converted: TypeT = converter.from_pydantic(report)
    return converted


@pydantic_type(
    model=models.PlanOfMonth, all_fields=True, description="The plan a month is held against."
)
class PlanOfMonth:
    pass


@pydantic_type(model=models.Adherence, all_fields=True, description="Plan, actual, adherence.")
class Adherence:
    pass


@pydantic_type(model=models.InventoryVsPlan, all_fields=True)
class InventoryVsPlan:
    pass


@pydantic_type(model=models.FamilyMonthExecution, all_fields=True)
class FamilyMonthExecution:
    pass


@pydantic_type(model=models.FamilyExecution, all_fields=True)
class FamilyExecution:
    pass


@pydantic_type(model=models.ResourceMonthExecution, all_fields=True)
class ResourceMonthExecution:
    pass


@pydantic_type(model=models.ResourceExecution, all_fields=True)
class ResourceExecution:
    pass


@pydantic_type(model=models.MonthExecution, all_fields=True)
class MonthExecution:
    pass


@pydantic_type(model=models.AdherenceReport, all_fields=True)
class AdherenceReport:
    pass


@pydantic_type(model=models.SegmentMonthService, all_fields=True)
class SegmentMonthService:
    pass


@pydantic_type(model=models.SegmentService, all_fields=True, name="SegmentServiceAttained")
class SegmentService:
    pass


@pydantic_type(model=models.ServiceReport, all_fields=True)
class ServiceReport:
    pass


@pydantic_type(model=models.Variance, all_fields=True, name="MarginVariance")
class Variance:
    pass


@pydantic_type(model=models.MonthVariance, all_fields=True)
class MonthVariance:
    pass


@pydantic_type(model=models.FamilyVariance, all_fields=True)
class FamilyVariance:
    pass


@pydantic_type(model=models.SegmentVariance, all_fields=True)
class SegmentVariance:
    pass


@pydantic_type(model=models.VarianceReport, all_fields=True)
class VarianceReport:
    pass


@pydantic_type(model=models.FamilyStability, all_fields=True)
class FamilyStability:
    pass


@pydantic_type(model=models.PlanStability, all_fields=True)
class PlanStability:
    pass


@pydantic_type(model=models.StabilityReport, all_fields=True)
class StabilityReport:
    pass


@strawberry.type
class ExecutionQuery:
    @strawberry.field(
        description="Production (units), resource hours and ending inventory against the plan "
        "approved for each month with supply actuals: adherence = 1 - sum|actual - plan| / "
        "sum plan, at least 0."
    )
    async def execution_adherence(
        self,
        info: Info,
        period_from: str | None = None,
        period_to: str | None = None,
        family_code: str | None = None,
        resource_code: str | None = None,
    ) -> AdherenceReport:
        filters = arguments_of(
            models.AdherenceFilters,
            period_from=period_from,
            period_to=period_to,
            family_code=family_code,
            resource_code=resource_code,
        )
        state = info.context.state
        report = await service.adherence_report(
            upstreams=state.upstreams, engine=state.engine, filters=filters
        )
        return graph_of(AdherenceReport, report)

    @strawberry.field(description="Units shipped over actual demand per segment, vs target.")
    async def execution_service(
        self,
        info: Info,
        period_from: str | None = None,
        period_to: str | None = None,
        segment_code: str | None = None,
    ) -> ServiceReport:
        filters = arguments_of(
            models.ServiceFilters,
            period_from=period_from,
            period_to=period_to,
            segment_code=segment_code,
        )
        report = await service.service_report(
            upstreams=info.context.state.upstreams, filters=filters
        )
        return graph_of(ServiceReport, report)

    @strawberry.field(
        description="Margin variance to the approved plan split into volume, mix, price, cost."
    )
    async def execution_variance(
        self,
        info: Info,
        period_from: str | None = None,
        period_to: str | None = None,
        family_code: str | None = None,
        segment_code: str | None = None,
    ) -> VarianceReport:
        filters = arguments_of(
            models.VarianceFilters,
            period_from=period_from,
            period_to=period_to,
            family_code=family_code,
            segment_code=segment_code,
        )
        state = info.context.state
        report = await service.variance_report(
            upstreams=state.upstreams, engine=state.engine, filters=filters
        )
        return graph_of(VarianceReport, report)

    @strawberry.field(
        description="How much the near-term months moved between consecutive approved plans."
    )
    async def execution_stability(
        self,
        info: Info,
        period_from: str | None = None,
        period_to: str | None = None,
        family_code: str | None = None,
        near_term_months: int | None = None,
    ) -> StabilityReport:
        filters = arguments_of(
            models.StabilityFilters,
            period_from=period_from,
            period_to=period_to,
            family_code=family_code,
            near_term_months=near_term_months,
        )
        report = await service.stability_report(engine=info.context.state.engine, filters=filters)
        return graph_of(StabilityReport, report)
