"""The schema: queries over the services and the consensus plans, the reconcile mutation."""

import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import cast

import strawberry
from fastapi import Request
from graphql import GraphQLError
from pydantic import ValidationError
from sqlmodel import Session
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from gateway.graph.arguments import check_page
from gateway.graph.context import GraphContext, Info, get_context
from gateway.graph.cycle import CycleMutation, CycleQuery
from gateway.graph.demand_review import DemandReviewQuery
from gateway.graph.execution import ExecutionQuery
from gateway.graph.figures import PlanningQuery
from gateway.graph.hierarchy import HierarchyQuery
from gateway.graph.http import GatewayGraphQLRouter
from gateway.graph.jobs import JobsMutation, JobsQuery
from gateway.graph.limits import LIMIT_CODES, ExtensionFactory, GraphLimits, limit_extensions
from gateway.graph.process import ProcessQuery
from gateway.graph.readiness import ReadinessQueryType
from gateway.graph.scalars import SCALARS, Code
from gateway.graph.scenarios import ScenarioMutation, ScenarioQuery
from gateway.graph.types import (
    ConsensusPlan,
    DemandPlan,
    Family,
    Resource,
    Segment,
)
from gateway.plans import service as consensus
from gateway.plans.models import ConsensusPlanFilters, ConsensusPlanSummary, ConsensusStatus
from gateway.reconcile.models import ReconcileRequest
from gateway.reconcile.service import reconcile
from gateway.solver.problem import Objective
from shared.auth import RECONCILERS, current_principal, require_roles
from shared.contracts.demand import LifecycleStatus, PlanStatus
from shared.db import run_in_session
from shared.errors import DomainError, FieldError, ValidationFailed
from shared.settings import GatewaySettings
from shared.throttle import gate_of

MAX_PLANS_PER_PAGE = 500


@strawberry.type
class Query:
    @strawberry.field(description="Product families, optionally by codes or lifecycle status.")
    async def families(
        self, info: Info, codes: list[Code] | None = None, status: LifecycleStatus | None = None
    ) -> list[Family] | None:
        catalog = info.context.loaders.families
        found = await catalog.all() if codes is None else await catalog.get_many(codes)
        return [
            Family.of(family)
            for family in found
            if family is not None and (status is None or family.status == status)
        ]

    @strawberry.field
    async def family(self, info: Info, code: Code) -> Family | None:
        family = await info.context.loaders.families.get(code)
        return Family.of(family) if family else None

    @strawberry.field(description="Customer segments, optionally by codes.")
    async def segments(self, info: Info, codes: list[Code] | None = None) -> list[Segment] | None:
        catalog = info.context.loaders.segments
        found = await catalog.all() if codes is None else await catalog.get_many(codes)
        return [Segment.of(segment) for segment in found if segment is not None]

    @strawberry.field
    async def segment(self, info: Info, code: Code) -> Segment | None:
        segment = await info.context.loaders.segments.get(code)
        return Segment.of(segment) if segment else None

    @strawberry.field(description="Resources, optionally by codes.")
    async def resources(self, info: Info, codes: list[Code] | None = None) -> list[Resource] | None:
        catalog = info.context.loaders.resources
        found = await catalog.all() if codes is None else await catalog.get_many(codes)
        return [Resource.of(resource) for resource in found if resource is not None]

    @strawberry.field
    async def resource(self, info: Info, code: Code) -> Resource | None:
        resource = await info.context.loaders.resources.get(code)
        return Resource.of(resource) if resource else None

    @strawberry.field(description="Demand plans, optionally by status.")
    async def demand_plans(
        self, info: Info, status: PlanStatus | None = None
    ) -> list[DemandPlan] | None:
        plans = await info.context.loaders.demand_plans.all()
        return [DemandPlan.of(plan) for plan in plans if status is None or plan.status == status]

    @strawberry.field
    async def demand_plan(self, info: Info, id: int) -> DemandPlan | None:
        plan = await info.context.loaders.demand_plans.get(id)
        return DemandPlan.of(plan) if plan else None

    @strawberry.field(description="The latest locked demand plan, else the latest draft.")
    async def latest_demand_plan(self, info: Info) -> DemandPlan | None:
        plan = await info.context.loaders.latest_demand_plan.load(None)
        return DemandPlan.of(plan) if plan else None

    @strawberry.field(description="Consensus plans, the newest version first.")
    async def consensus_plans(
        self,
        info: Info,
        status: ConsensusStatus | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[ConsensusPlan]:
        check_page(limit=limit, offset=offset, most=MAX_PLANS_PER_PAGE)
        query = consensus.plans_query(ConsensusPlanFilters(status=status))

        def read(session: Session) -> list[ConsensusPlanSummary]:
            rows = session.exec(query.offset(offset).limit(limit))
            return [consensus.summary_of(row) for row in rows]

        plans = await run_in_session(info.context.state.engine, read)
        info.context.loaders.consensus_plans.prime_many({plan.id: plan for plan in plans})
        return [ConsensusPlan.of(plan) for plan in plans]

    @strawberry.field
    async def consensus_plan(self, info: Info, id: int) -> ConsensusPlan | None:
        plan = await info.context.loaders.consensus_plans.load(id)
        return ConsensusPlan.of(plan) if plan else None

    @strawberry.field(description="The newest consensus plan.")
    async def latest_consensus_plan(self, info: Info) -> ConsensusPlan | None:
        plan = await info.context.loaders.latest_consensus_plan.load(None)
        return ConsensusPlan.of(plan) if plan else None


@strawberry.input(description="A change inside the time fence and its reason.")
class FenceOverrideInput:
    family_code: str
    period: str
    reason: str


@strawberry.input(description="What to reconcile; every field is optional.")
class ReconcileInput:
    demand_plan_id: int | None = strawberry.field(
        default=None, description="Default: the latest locked demand plan, else the latest draft."
    )
    objective: Objective = Objective.max_margin
    time_limit_seconds: float | None = strawberry.field(
        default=None, description="Default and maximum: the gateway's solve time limit."
    )
    aop_gap_tolerance: float | None = strawberry.field(
        default=None,
        description="Share of the AOP beyond which a month's gap becomes an escalation item; "
        "default: the finance service's.",
    )
    fence_overrides: list[FenceOverrideInput] | None = strawberry.field(
        default=None,
        description="Family-months inside the time fence that may move, each with its reason.",
    )
    supply_plan_id: int | None = strawberry.field(
        default=None,
        description="Operations' proposal to compare the plan with; default: the newest "
        "proposed supply plan answering the demand plan.",
    )
    comparison_tolerance: float | None = strawberry.field(
        default=None,
        description="Share of the larger quantity beyond which a line differs in the "
        "comparison's summary; default 0.01.",
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _graphql_field(field: str) -> str:
    """``input.time_limit_seconds`` as a GraphQL client spells it: ``input.timeLimitSeconds``."""
    return ".".join(_camel(part) for part in field.split("."))


def reconcile_request(value: ReconcileInput | None) -> ReconcileRequest:
    """The REST request model of a GraphQL input: one validation for both."""
    if value is None:
        return ReconcileRequest()
    try:
        return ReconcileRequest.model_validate(
            {
                "demand_plan_id": value.demand_plan_id,
                "objective": value.objective,
                "time_limit_seconds": value.time_limit_seconds,
                "aop_gap_tolerance": value.aop_gap_tolerance,
                "supply_plan_id": value.supply_plan_id,
                "comparison_tolerance": value.comparison_tolerance,
                "fence_overrides": [
                    dataclasses.asdict(item) for item in value.fence_overrides or []
                ],
            }
        )
    except ValidationError as exc:
        errors = [
            FieldError(
                field=_graphql_field(".".join(["input", *map(str, error["loc"])])),
                reason=error["msg"],
            )
            for error in exc.errors()
        ]
        raise ValidationFailed("the reconcile input is invalid", errors=errors) from exc


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Reconcile the services' current data into a new recommended consensus "
        "plan (the same as POST /reconcile)."
    )
    async def reconcile(self, info: Info, input: ReconcileInput | None = None) -> ConsensusPlan:
        request = cast(Request, info.context.request)
        caller = current_principal(request)
        require_roles(RECONCILERS)(caller)
        try:
            # The same per-caller limits as POST /reconcile (shared.throttle).
            async with gate_of(request.app, "reconcile").admit(caller.subject):
                plan = await reconcile(
                    state=info.context.state, request=reconcile_request(input), location="input"
                )
        except ValidationFailed as refused:
            for error in refused.errors:
                if error.field.startswith("input."):
                    error.field = _graphql_field(error.field)
            raise
        return ConsensusPlan.of(plan)


class ProblemExtensions(SchemaExtension):
    """Domain errors carry their problem details into GraphQL errors' ``extensions``, so a
    GraphQL client reads the same ``code``, ``status`` and field ``errors`` as a REST one;
    a failed upstream is named in ``upstream`` (``demand``, ``supply`` or ``finance``)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or []:
            original = error.original_error
            if isinstance(original, DomainError):
                error.extensions = {
                    "code": original.code,
                    "status": original.status,
                    "errors": [item.model_dump() for item in original.errors],
                }
                upstream = (original.extra or {}).get("upstream")
                if upstream is not None:
                    error.extensions["upstream"] = upstream


class ClosePlanner(SchemaExtension):
    """The request's planner is closed with the operation: reads a failed field left running
    finish before the request ends."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if isinstance(context, GraphContext):
            await context.loaders.planner.aclose()


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Domain errors are answers (a 404, a 422), not faults, and so are the refusals of
        # the request limits: log only the unexpected.
        unexpected = [
            error
            for error in errors
            if not isinstance(error.original_error, DomainError)
            and (error.extensions or {}).get("code") not in LIMIT_CODES
        ]
        super().process_errors(unexpected, execution_context)


def build_schema(*, limits: GraphLimits | None = None) -> GatewaySchema:
    """The graph; with ``limits``, as the gateway serves it (``gateway.graph.limits``), else
    without them (its SDL is the same: the contract printed by ``sop graphql-schema``)."""
    extensions: list[type[SchemaExtension] | ExtensionFactory] = [ProblemExtensions, ClosePlanner]
    if limits is not None:
        extensions = [*limit_extensions(limits), *extensions]
    return GatewaySchema(
        query=merge_types(
            "Query",
            (
                Query,
                CycleQuery,
                PlanningQuery,
                DemandReviewQuery,
                HierarchyQuery,
                ExecutionQuery,
                ProcessQuery,
                ReadinessQueryType,
                JobsQuery,
                ScenarioQuery,
            ),
        ),
        mutation=merge_types("Mutation", (Mutation, CycleMutation, JobsMutation, ScenarioMutation)),
        extensions=extensions,
        config=StrawberryConfig(
            scalar_map=SCALARS,
            disable_field_suggestions=limits is not None and not limits.introspection,
        ),
    )


schema = build_schema()


def graphql_router(settings: GatewaySettings) -> GatewayGraphQLRouter:
    """``/graphql``: POST (and GET) queries within the limits of ``settings``; GraphiQL when
    a browser GETs it, unless introspection is off."""
    limits = GraphLimits.of(settings)
    return GatewayGraphQLRouter(
        build_schema(limits=limits),
        time_budget_seconds=settings.graphql_time_budget_seconds,
        graphql_ide="graphiql" if limits.introspection else None,
        context_getter=get_context,
    )
