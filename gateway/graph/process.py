"""The process review in the graph: process performance, the reviews' agendas and the
cycle-over-cycle waterfall, over the service functions of ``gateway/process`` (the REST
routes' own). Merged into the root ``Query``."""

import datetime as dt

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type

from gateway.graph import execution
from gateway.graph.arguments import arguments_of, checked_id
from gateway.graph.context import Info
from gateway.graph.execution import graph_of
from gateway.graph.types import PlanningPenalties, PlanTotals, from_model
from gateway.process import explanation, models, service
from gateway.process.rules import StepKind, Timeliness
from shared.db import run_in_session

strawberry.enum(Timeliness, description="Done by its due date, after it, or not yet due.")
strawberry.enum(StepKind, name="WaterfallStepKind", description="What a waterfall step moves.")
strawberry.enum(models.Meeting, description="The four reviews of a cycle.")
strawberry.enum(models.ItemSource, name="AgendaItemSource")


# --- performance ---------------------------------------------------------------------------


@pydantic_type(model=models.OnTime, all_fields=True, description="What fell due, and when done.")
class OnTime:
    pass


@pydantic_type(model=models.RoleInputs, all_fields=True, description="A role's steps on time.")
class RoleInputs:
    role: str


@pydantic_type(model=models.LateStep, all_fields=True)
class LateStep:
    owner_role: str


@pydantic_type(model=models.DecisionLatency, all_fields=True)
class DecisionLatency:
    pass


@pydantic_type(model=models.FenceChange, all_fields=True)
class FenceChange:
    pass


@pydantic_type(model=models.FenceChanges, all_fields=True)
class FenceChanges:
    pass


@pydantic_type(model=models.ProcessMeasures, all_fields=True)
class ProcessMeasures:
    pass


@pydantic_type(model=models.CyclePerformance, all_fields=True)
class CyclePerformance:
    pass


@pydantic_type(model=models.PerformanceReport, all_fields=True)
class PerformanceReport:
    pass


# --- agendas -------------------------------------------------------------------------------


@pydantic_type(model=models.AgendaItem, all_fields=True)
class AgendaItem:
    owner_role: str | None


@pydantic_type(model=models.AgendaOwner, all_fields=True)
class AgendaOwner:
    role: str | None


@strawberry.type(description="A role at a review: R, A, RA or C in the RACI.")
class Attendee:
    role: str
    letters: str


@strawberry.type(description="The execution headline of a review: the month before the cycle's.")
class AgendaKpis:
    month: str
    production: execution.Adherence | None
    inventory: execution.InventoryVsPlan | None
    service: list[execution.SegmentService]
    margin_variance: execution.Variance | None
    plan_totals: PlanTotals | None = strawberry.field(
        description="The cycle's recommended plan, if any."
    )
    notes: list[str]

    @classmethod
    def of(cls, kpis: models.AgendaKpis) -> "AgendaKpis":
        totals = kpis.plan_totals
        return cls(
            month=kpis.month,
            production=graph_of(execution.Adherence, kpis.production) if kpis.production else None,
            inventory=graph_of(execution.InventoryVsPlan, kpis.inventory)
            if kpis.inventory
            else None,
            service=[graph_of(execution.SegmentService, row) for row in kpis.service],
            margin_variance=graph_of(execution.Variance, kpis.margin_variance)
            if kpis.margin_variance
            else None,
            plan_totals=None
            if totals is None
            else from_model(
                PlanTotals,
                totals,
                planning_penalties=from_model(PlanningPenalties, totals.planning_penalties),
            ),
            notes=kpis.notes,
        )


@strawberry.type(description="The pre-meeting report of one review of a cycle.")
class MeetingAgenda:
    cycle_id: int
    period: str
    meeting: models.Meeting
    due_date: dt.date
    status: str
    owner_role: str
    attendees: list[Attendee]
    open_items: list[AgendaItem]
    deviations: list[AgendaItem]
    decisions_needed: list[AgendaItem]
    kpis: AgendaKpis
    owners: list[AgendaOwner]

    @classmethod
    def of(cls, agenda: models.MeetingAgenda) -> "MeetingAgenda":
        def items(rows: list[models.AgendaItem]) -> list[AgendaItem]:
            return [graph_of(AgendaItem, row) for row in rows]

        return cls(
            cycle_id=agenda.cycle_id,
            period=agenda.period,
            meeting=agenda.meeting,
            due_date=agenda.due_date,
            status=agenda.status,
            owner_role=agenda.owner_role,
            attendees=[
                Attendee(role=role, letters=letters) for role, letters in agenda.attendees.items()
            ],
            open_items=items(agenda.open_items),
            deviations=items(agenda.deviations),
            decisions_needed=items(agenda.decisions_needed),
            kpis=AgendaKpis.of(agenda.kpis),
            owners=[graph_of(AgendaOwner, owner) for owner in agenda.owners],
        )


# --- explanation ---------------------------------------------------------------------------


@pydantic_type(model=models.PlanPoint, all_fields=True, description="A plan's units and margin.")
class PlanPoint:
    pass


@pydantic_type(model=models.WaterfallStep, all_fields=True)
class WaterfallStep:
    pass


@pydantic_type(model=models.CapacityChange, all_fields=True)
class CapacityChange:
    pass


@pydantic_type(model=models.DecisionNote, all_fields=True)
class DecisionNote:
    pass


@pydantic_type(model=models.CycleExplanation, all_fields=True)
class CycleExplanation:
    pass


@strawberry.type
class ProcessQuery:
    @strawberry.field(
        description="Process performance per cycle and over the cycles: steps (each role's "
        "inputs) and action items on time, decision latency, changes inside the time fence."
    )
    async def process_performance(
        self,
        info: Info,
        period_from: str | None = None,
        period_to: str | None = None,
        as_of: dt.date | None = None,
    ) -> PerformanceReport:
        filters = arguments_of(
            models.PerformanceFilters, period_from=period_from, period_to=period_to, as_of=as_of
        )
        report = await run_in_session(
            info.context.state.engine,
            lambda session: service.performance_report(session, filters=filters),
        )
        return graph_of(PerformanceReport, report)

    @strawberry.field(description="The pre-meeting report of each review of a cycle.")
    async def cycle_agendas(
        self, info: Info, cycle_id: int, meeting: models.Meeting | None = None
    ) -> list[MeetingAgenda]:
        state = info.context.state
        agendas = await service.agendas(
            upstreams=state.upstreams,
            engine=state.engine,
            cycle_id=checked_id(cycle_id, "cycleId"),
            filters=models.AgendaFilters(meeting=meeting),
        )
        return [MeetingAgenda.of(agenda) for agenda in agendas]

    @strawberry.field(
        description="What changed against last month's approved plan and why: a waterfall "
        "in units sold and margin whose steps add up exactly."
    )
    async def cycle_explanation(self, info: Info, cycle_id: int) -> CycleExplanation:
        state = info.context.state
        explained = await explanation.explain_cycle(
            upstreams=state.upstreams, engine=state.engine, cycle_id=checked_id(cycle_id, "cycleId")
        )
        return graph_of(CycleExplanation, explained)
