"""The gateway application (port 8000): GraphQL, reconciliation, consensus plans, the cycle."""

from contextlib import AsyncExitStack

import httpx
from fastapi import Depends, FastAPI

from gateway.clients import UPSTREAM_NAMES, Upstreams
from gateway.clients.forwarding import ForwardAuthorization
from gateway.cycle.router import router as cycle_router
from gateway.cycle.sweep import start_overdue_sweep
from gateway.execution.router import router as execution_router
from gateway.execution.rules import Tolerances
from gateway.execution.service import ExecutionFollowUp
from gateway.figures.router import router as figures_router
from gateway.graph.schema import graphql_router
from gateway.health import router as health_router
from gateway.jobs.router import router as jobs_router
from gateway.jobs.runner import JobRunner
from gateway.plans.router import router as plans_router
from gateway.process.router import router as process_router
from gateway.readiness.router import router as readiness_router
from gateway.reconcile.router import router as reconcile_router
from gateway.scenarios.router import router as scenarios_router
from gateway.solver.pool import open_pool
from gateway.solver.runner import SolverRunner
from gateway.solver.warm_pool import open_warm_pool
from gateway.state import GatewayState
from gateway.tables import WEBHOOKS, AuditEntry, migrations
from shared.app import Mount, create_process_app
from shared.auth import WEBHOOK_SUBSCRIBERS, current_principal, require_roles
from shared.http import make_client
from shared.settings import GatewaySettings


def create_app(
    settings: GatewaySettings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """The gateway over the demand, supply and finance services.

    ``transports`` replaces the network to an upstream by name (``demand``, ``supply``,
    ``finance``), e.g. ``httpx.ASGITransport(app=...)`` to call an in-process app in tests.
    """
    settings = settings or GatewaySettings()
    transports = transports or {}
    unknown = sorted(set(transports) - set(UPSTREAM_NAMES))
    if unknown:
        raise ValueError(f"unknown upstream(s) {unknown}; expected some of {UPSTREAM_NAMES}")
    base_urls = {
        "demand": settings.demand_url,
        "supply": settings.supply_url,
        "finance": settings.finance_url,
    }

    async def open_upstreams(app: FastAPI, stack: AsyncExitStack) -> None:
        http_clients = {
            name: await stack.enter_async_context(
                make_client(
                    base_urls[name],
                    timeout_seconds=settings.upstream_timeout_seconds,
                    keepalive_seconds=settings.upstream_keepalive_seconds,
                    transport=transports.get(name),
                )
            )
            for name in UPSTREAM_NAMES
        }
        pool = await open_pool(
            engine=settings.solver_engine,
            workers=settings.solver_workers,
            solves_per_worker=settings.solver_worker_solves,
        )
        stack.push_async_callback(pool.close)
        warm = await open_warm_pool(
            engine=settings.solver_engine,
            workers=settings.solver_warm_workers,
            models_per_worker=settings.solver_warm_models,
        )
        stack.push_async_callback(warm.close)
        app.state.gateway = GatewayState(
            settings=settings,
            engine=app.state.engine,
            upstreams=Upstreams.over(http_clients),
            solver=SolverRunner(pool=pool, warm=warm, grace_seconds=settings.solver_grace_seconds),
        )
        # Closing a cycle asks the execution follow-up for its month's deviations.
        app.state.follow_up = ExecutionFollowUp(
            upstreams=app.state.gateway.upstreams,
            engine=app.state.engine,
            tolerances=Tolerances(
                adherence=settings.deviation_adherence_tolerance,
                service=settings.deviation_service_tolerance,
                variance=settings.deviation_variance_tolerance,
            ),
        )
        app.state.jobs = JobRunner(state=app.state.gateway)
        await app.state.jobs.start(stack)
        await start_overdue_sweep(
            stack, engine=app.state.engine, interval_seconds=settings.overdue_sweep_seconds
        )

    reader = [Depends(current_principal)]
    app = create_process_app(
        title="S&OP gateway",
        description=(
            "One GraphQL graph over the demand, supply and finance services; the reconciliation "
            "of their data into versioned consensus plans with escalation items; the stateless "
            "planning solver."
        ),
        settings=settings,
        migrations=migrations,
        mounts=[
            Mount(graphql_router(settings), prefix="/graphql", tags=["graphql"]),
            Mount(reconcile_router),
            Mount(jobs_router),
            Mount(plans_router, reader),
            Mount(figures_router, reader),
            Mount(execution_router, reader),
            Mount(process_router, reader),
            Mount(readiness_router, reader),
            # The cycle checks each write's decision rights itself (gateway.cycle.raci).
            Mount(cycle_router),
            # Scenarios check owners and roles themselves (gateway.scenarios.rules).
            Mount(scenarios_router),
            Mount(health_router),
        ],
        audit_table=AuditEntry,
        audit_access=reader,
        webhooks=WEBHOOKS,
        webhook_access=[Depends(require_roles(WEBHOOK_SUBSCRIBERS))],
        resources=open_upstreams,
    )
    app.add_middleware(ForwardAuthorization)
    return app
