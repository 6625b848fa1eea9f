"""The cycle's routes over the real demand and supply apps, in-process.

The gateway side is a FastAPI app made of the cycle router (plus the audit and webhook
routers over the gateway's governance tables) on the ``database_url`` under test; the
demand and supply services are their real apps on in-memory SQLite, reached through
``httpx.ASGITransport`` by the gateway's real upstream clients. Consensus plans are stored
with the consensus module's own ``store_plan`` (what ``POST /reconcile`` ends with).
"""

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi_pagination import add_pagination
from sqlalchemy.engine import Engine
from sqlmodel import Session
from strawberry.fastapi import GraphQLRouter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from gateway.clients import Upstreams
from gateway.cycle.router import router as cycle_router
from gateway.graph.context import get_context
from gateway.graph.cycle import CycleMutation, CycleQuery
from gateway.graph.scalars import SCALARS
from gateway.graph.schema import GatewaySchema, Mutation, ProblemExtensions, Query
from gateway.plans.service import escalations as escalations_of
from gateway.plans.service import store_plan
from gateway.solver.problem import Objective
from gateway.solver.runner import SolverRunner
from gateway.solver.solution import (
    EscalationItem,
    EscalationKind,
    Option,
    SalesLine,
    Severity,
    Solution,
    SolveStats,
    Totals,
)
from gateway.state import GatewayState
from gateway.tables import WEBHOOKS, AuditEntry, metadata
from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.audit import audit_router
from shared.auth import AuthSettings, Role, current_principal, mint_token
from shared.contracts.demand import DemandPlanPublic
from shared.db import create_db_engine
from shared.errors import install_problem_handlers
from shared.http import make_client
from shared.periods import add_months, horizon
from shared.settings import DemandSettings, FinanceSettings, GatewaySettings, SupplySettings
from shared.webhooks import webhook_router
from tests.conftest import sibling_database
from tests.gateway.company import sign_off
from tests.gateway.solver.workers import local_runner

AUTH = AuthSettings()
PERIOD = "2026-01"
HORIZON_START = add_months(PERIOD, 1)


def token(*roles: Role, subject: str | None = None) -> dict[str, str]:
    who = subject or "-".join(str(role) for role in roles) or "nobody"
    return {"Authorization": f"Bearer {mint_token(AUTH, subject=who, roles=roles)}"}


PROCESS_OWNER = token(Role.process_owner, subject="pat")
DEMAND_PLANNER = token(Role.demand_planner, subject="dana")
SUPPLY_PLANNER = token(Role.supply_planner, subject="sam")
EXECUTIVE = token(Role.executive_sponsor, subject="eve")
VIEWER = token(Role.viewer, subject="vic")


def versioned(headers: dict[str, str], version: int | str) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body


def assert_gate(response: httpx.Response, gate: str) -> Any:
    body = assert_problem(response, 409, "gate-closed")
    assert body["extra"]["gate"] == gate, body
    return body


class RecordingTransport(httpx.AsyncBaseTransport):
    """Forwards to an in-process app, remembering each request's path and credentials."""

    def __init__(self, app: FastAPI, calls: list[tuple[str, str | None]]) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._calls = calls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._calls.append((request.url.path, request.headers.get("authorization")))
        return await self._inner.handle_async_request(request)


@dataclass
class World:
    gateway: httpx.AsyncClient
    demand: httpx.AsyncClient
    supply: httpx.AsyncClient
    engine: Engine
    upstream_calls: list[tuple[str, str | None]] = field(default_factory=list)

    async def open_cycle(self, period: str = PERIOD, **body: Any) -> dict[str, Any]:
        response = await self.gateway.post(
            "/cycles", json={"period": period, **body}, headers=PROCESS_OWNER
        )
        assert response.status_code == 201, response.text
        cycle: dict[str, Any] = response.json()
        return cycle

    async def cycle(self, cycle_id: int) -> dict[str, Any]:
        response = await self.gateway.get(f"/cycles/{cycle_id}", headers=VIEWER)
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == f'"{response.json()["version"]}"'
        cycle: dict[str, Any] = response.json()
        return cycle

    async def complete(
        self, cycle: dict[str, Any], step: str, headers: dict[str, str], **body: Any
    ) -> httpx.Response:
        """Complete ``step`` with the version of ``cycle`` as read now. The world loads no
        master data, so data gathering overrides the readiness gate unless told otherwise
        (``tests/gateway/cycle/test_readiness_gate.py`` tests the gate)."""
        if step == "data_gathering":
            body.setdefault("readiness_override", "the test world loads no master data")
            body = {name: value for name, value in body.items() if value is not None}
        current = await self.cycle(cycle["id"])
        return await self.gateway.post(
            f"/cycles/{cycle['id']}/steps/{step}/complete",
            json=body,
            headers=versioned(headers, current["version"]),
        )

    async def demand_plan(
        self, *, start: str = HORIZON_START, lock: bool = True, months: int = 12
    ) -> DemandPlanPublic:
        """A demand plan over ``months`` from ``start`` in the real demand service."""
        for path, item in (
            ("/families", {"code": "F01", "name": "Family one"}),
            ("/segments", {"code": "KEY", "name": "Key accounts"}),
        ):
            answer = await self.demand.put(path, json=[item], headers=DEMAND_PLANNER)
            assert answer.status_code == 200, answer.text
        lines = [
            {"family_code": "F01", "segment_code": "KEY", "period": period, "quantity": 100}
            for period in horizon(start, months)
        ]
        created = await self.demand.post(
            "/demand-plans",
            json={
                "name": "Consensus",
                "horizon_start": start,
                "horizon_months": months,
                "lines": lines,
            },
            headers=DEMAND_PLANNER,
        )
        assert created.status_code == 201, created.text
        plan = created.json()
        if lock:
            await sign_off(self.demand, plan["id"])
            locked = await self.demand.post(
                f"/demand-plans/{plan['id']}/lock",
                headers={**DEMAND_PLANNER, "If-Match": created.headers["ETag"]},
            )
            assert locked.status_code == 200, locked.text
            plan = locked.json()
        return DemandPlanPublic.model_validate(plan)

    def recommend(self, demand_plan: DemandPlanPublic, *, escalations: int = 2) -> dict[str, Any]:
        """A recommended consensus plan of ``demand_plan`` with escalation items, stored as
        ``POST /reconcile`` stores its solution; its id and its items' ids."""
        periods = horizon(demand_plan.horizon_start, 3)
        solution = Solution(
            periods=periods,
            stats=SolveStats(
                termination="optimal",
                solver="test",
                objective_value=1000.0,
                relative_gap=0.0,
                build_seconds=0.0,
                solve_seconds=0.0,
                total_seconds=0.0,
                variables=1,
                constraints=1,
            ),
            totals=Totals(revenue=1000.0, margin=400.0, fill_rate=0.9),
            sales=[
                SalesLine(
                    family="F01",
                    segment="KEY",
                    demand=[100.0] * len(periods),
                    sales=[90.0] * len(periods),
                    backlog=[10.0] * len(periods),
                    lost=[0.0] * len(periods),
                    revenue=[9000.0] * len(periods),
                )
            ],
            families=[],
            resources=[],
            segments=[],
            escalations=[escalation_item(index) for index in range(escalations)],
        )
        with Session(self.engine) as session:
            plan = store_plan(
                session,
                demand_plan=demand_plan,
                objective=Objective.max_margin,
                solution=solution,
            )
            session.commit()
            assert plan.id is not None
            items = escalations_of(session, plan_ids=[plan.id])
            return {"id": plan.id, "version": plan.version, "items": [i.id for i in items]}

    async def walk_to_pre_sop(self, cycle: dict[str, Any]) -> dict[str, Any]:
        """Data gathering, demand review with a locked plan, supply review, pre-S&OP with a
        recommended plan: the cycle ready for its executive step; the recommended plan."""
        ok = await self.complete(cycle, "data_gathering", PROCESS_OWNER, data_quality_report="dq")
        assert ok.status_code == 200, ok.text
        demand_plan = await self.demand_plan(start=cycle["horizon_start"])
        ok = await self.complete(
            cycle, "demand_review", DEMAND_PLANNER, demand_plan_id=demand_plan.id
        )
        assert ok.status_code == 200, ok.text
        ok = await self.complete(cycle, "supply_review", SUPPLY_PLANNER)
        assert ok.status_code == 200, ok.text
        plan = self.recommend(demand_plan)
        ok = await self.complete(cycle, "pre_sop", PROCESS_OWNER, consensus_plan_id=plan["id"])
        assert ok.status_code == 200, ok.text
        return plan

    async def decide(
        self, cycle_id: int, escalation_id: int, body: dict[str, Any], headers: dict[str, str]
    ) -> httpx.Response:
        current = await self.cycle(cycle_id)
        return await self.gateway.post(
            f"/cycles/{cycle_id}/escalations/{escalation_id}/decision",
            json=body,
            headers=versioned(headers, current["version"]),
        )

    async def post_versioned(
        self, cycle_id: int, path: str, headers: dict[str, str], **kwargs: Any
    ) -> httpx.Response:
        current = await self.cycle(cycle_id)
        return await self.gateway.post(
            f"/cycles/{cycle_id}{path}", headers=versioned(headers, current["version"]), **kwargs
        )


def escalation_item(index: int) -> EscalationItem:
    return EscalationItem(
        kind=EscalationKind.resource_overload,
        severity=Severity.high,
        title=f"ASSY-{index} overloaded",
        detail="Load above regular capacity",
        resource=f"ASSY-{index}",
        periods=[HORIZON_START],
        amount=120.0,
        unit="hours",
        options=[
            Option(
                lever="overtime",
                description="Run overtime",
                fill_rate_delta={"KEY": 0.02},
                cost_delta=5000.0,
                margin_delta=3000.0,
                inventory_delta=0.0,
            ),
            Option(
                lever="outsourcing",
                description="Outsource",
                fill_rate_delta={"KEY": 0.01},
                cost_delta=9000.0,
                margin_delta=-1000.0,
                inventory_delta=0.0,
                feasible=False,
            ),
        ],
        recommended_option=0,
        recommendation="Run overtime",
    )


def cycle_graphql_router() -> GraphQLRouter[Any, None]:
    """The gateway's schema with the cycle's mixins merged in, as the gateway will serve it."""
    schema = GatewaySchema(
        query=merge_types("Query", (Query, CycleQuery)),
        mutation=merge_types("Mutation", (Mutation, CycleMutation)),
        extensions=[ProblemExtensions],
        config=StrawberryConfig(scalar_map=SCALARS),
    )
    return GraphQLRouter(schema, context_getter=get_context)


def cycle_app(
    engine: Engine, upstreams: Upstreams, settings: GatewaySettings, solver: SolverRunner
) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(cycle_router)
    reader = [Depends(current_principal)]
    app.include_router(audit_router(AuditEntry), dependencies=reader)
    app.include_router(webhook_router(WEBHOOKS), dependencies=reader)
    app.include_router(cycle_graphql_router(), prefix="/graphql")
    add_pagination(app)
    app.state.engine = engine
    app.state.audit_table = AuditEntry
    app.state.webhooks = WEBHOOKS
    app.state.gateway = GatewayState(
        settings=settings, engine=engine, upstreams=upstreams, solver=solver
    )
    return app


@asynccontextmanager
async def world_over(database_url: str) -> AsyncIterator[World]:
    services = {
        "demand": create_demand(DemandSettings(database_url=sibling_database("demand"))),
        "supply": create_supply(SupplySettings(database_url=sibling_database("supply"))),
        "finance": create_finance(FinanceSettings(database_url=sibling_database("finance"))),
    }
    engine = create_db_engine(database_url)
    metadata.create_all(engine)
    calls: list[tuple[str, str | None]] = []
    async with AsyncExitStack() as stack:
        for service in services.values():
            await stack.enter_async_context(service.router.lifespan_context(service))
        upstream = {
            name: await stack.enter_async_context(
                make_client(f"http://{name}", transport=RecordingTransport(app, calls))
            )
            for name, app in services.items()
        }
        app = cycle_app(
            engine,
            Upstreams.over(upstream),
            GatewaySettings(database_url=database_url),
            await stack.enter_async_context(local_runner()),
        )

        def client(target: FastAPI, name: str) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                transport=httpx.ASGITransport(app=target), base_url=f"http://{name}"
            )

        world = World(
            gateway=await stack.enter_async_context(client(app, "gateway")),
            demand=await stack.enter_async_context(client(services["demand"], "demand")),
            supply=await stack.enter_async_context(client(services["supply"], "supply")),
            engine=engine,
            upstream_calls=calls,
        )
        yield world
    engine.dispose()


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async with world_over(database_url) as built:
        yield built


@pytest.fixture
def shared_database_url(database_url: str, tmp_path: Path) -> str:
    """The backend under test with one database every connection sees: in-memory SQLite is
    one connection, so concurrent transactions need a file."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    return database_url


def in_days(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()
