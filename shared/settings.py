"""Settings of every process: one pydantic-settings class per service, one env prefix each.

Defaults start everything on one machine with SQLite files under ``var/``; set
``SOP_<SERVICE>_DATABASE_URL`` to a PostgreSQL URL (``postgresql+psycopg://...``) to move.
"""

import os
from dataclasses import dataclass
from typing import ClassVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.auth import Role
from shared.http import UPSTREAM_KEEPALIVE_SECONDS


@dataclass(frozen=True, kw_only=True)
class PoolLimits:
    """A process's database connections, by which its concurrency is sized: the pool opens at
    most ``connections``, as many worker threads run sync code, and a request waits (on the
    event loop, see ``shared.db``) at most ``timeout_seconds`` for one before a 503."""

    size: int = 10
    max_overflow: int = 10
    timeout_seconds: float = 30.0

    @property
    def connections(self) -> int:
        return self.size + self.max_overflow


DEFAULT_POOL = PoolLimits()


class ServiceSettings(BaseSettings):
    """What every service process needs."""

    model_config = SettingsConfigDict(extra="ignore")
    process: ClassVar[str]
    """The process's name: its metrics' and logs' label."""

    database_url: str
    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    log_level: str = "info"
    log_json: bool = Field(
        default=True, description="Log one JSON object a line, with the request id."
    )
    otel_enabled: bool = Field(
        default=False, description="Export OpenTelemetry traces (the `otel` extra, OTEL_* env)."
    )
    expensive_calls_per_minute: int = Field(
        default=30, ge=1, description="Per caller: solves, reconciles, baselines a minute (429)."
    )
    expensive_calls_concurrent: int = Field(
        default=2, ge=1, description="Per caller: such calls in flight at once (429 beyond)."
    )
    max_page_size: int = Field(default=5000, ge=1)
    max_bulk_items: int = Field(default=20000, ge=1)
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Larger request bodies are refused (413)."
    )
    gc_young_threshold: int = Field(
        default=50_000,
        ge=100,
        description="Allocations between young garbage collections (Python's default: 700); "
        "see shared.app.long_lived_heap.",
    )
    db_pool_size: int = Field(default=DEFAULT_POOL.size, ge=1)
    db_max_overflow: int = Field(default=DEFAULT_POOL.max_overflow, ge=0)
    db_pool_timeout_seconds: float = Field(default=DEFAULT_POOL.timeout_seconds, gt=0)
    keep_alive_seconds: int = Field(
        default=75,
        ge=1,
        description="How long uvicorn keeps an idle connection open (--timeout-keep-alive): "
        "longer than any client of the process keeps one (the gateway's upstream clients: "
        "upstream_keepalive_seconds), so a client never sends on a connection being closed.",
    )

    @property
    def pool_limits(self) -> PoolLimits:
        return PoolLimits(
            size=self.db_pool_size,
            max_overflow=self.db_max_overflow,
            timeout_seconds=self.db_pool_timeout_seconds,
        )


class DemandSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SOP_DEMAND_", extra="ignore")
    process: ClassVar[str] = "demand"

    database_url: str = "sqlite:///var/demand.db"
    port: int = 8001
    signoff_roles: list[Role] = Field(
        default=[Role.sales, Role.marketing, Role.product_manager],
        description="The roles that own the consensus demand plan (RACI): each signs off a"
        " plan's revision before the demand planner may lock it; [] turns sign-off off.",
    )
    forecast_engine: str = Field(
        default="local",
        pattern=r"^(local(:[1-9][0-9]?)?|ray|ray://\S+)$",
        description="Where a plan baseline's series are forecast: 'local' (in the request, "
        "one after another), 'local:N' (N worker processes on this machine), 'ray' (a Ray "
        "cluster started in the service on this machine's CPUs) or 'ray://host:port' (an "
        "existing Ray cluster; the ray extra).",
    )


class SupplySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SOP_SUPPLY_", extra="ignore")
    process: ClassVar[str] = "supply"

    database_url: str = "sqlite:///var/supply.db"
    port: int = 8002


class FinanceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SOP_FINANCE_", extra="ignore")
    process: ClassVar[str] = "finance"

    database_url: str = "sqlite:///var/finance.db"
    port: int = 8003
    # A valuation carries a whole plan: about 11 MB of lines at 1,000 families, and up to
    # MAX_VALUATION_LINES lines of each of its three kinds (about 60 MB), which bound it anyway.
    max_body_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1, description="Larger request bodies are refused (413)."
    )
    aop_gap_tolerance: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Share of the AOP beyond which a month's gap is flagged for escalation.",
    )


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SOP_GATEWAY_", extra="ignore")
    process: ClassVar[str] = "gateway"

    database_url: str = "sqlite:///var/gateway.db"
    port: int = 8000
    demand_url: str = "http://127.0.0.1:8001"
    supply_url: str = "http://127.0.0.1:8002"
    finance_url: str = "http://127.0.0.1:8003"
    upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    solve_time_limit_seconds: float = Field(default=60.0, gt=0)
    solve_max_cells: int = Field(
        default=250_000, ge=1, description="Largest /solve: families x periods (422 beyond)."
    )
    utilisation_threshold: float = Field(
        default=0.95, gt=0, description="Load / regular capacity above which a resource escalates."
    )
    executive_lever_threshold: float = Field(
        default=10_000,
        ge=0,
        description="Direct cost (money) from which a capacity step the plan takes, or its"
        " hiring on a resource, is an executive_lever escalation item.",
    )
    time_fence_months: int = Field(
        default=2,
        ge=0,
        le=12,
        description="Near-term months whose approved production a reconcile holds "
        "(gateway.reconcile.fence) unless a change states its reason.",
    )
    # Execution follow-up (gateway.execution.rules.deviations): a closed month's KPI beyond
    # its tolerance becomes an item on the next cycle's agenda.
    deviation_adherence_tolerance: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Production (family) or hours (resource) adherence below 1 - this is a "
        "deviation.",
    )
    deviation_service_tolerance: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="Service attained below a segment's fill-rate target - this is a deviation.",
    )
    deviation_variance_tolerance: float = Field(
        default=0.05,
        ge=0,
        description="A family's margin variance to the approved plan beyond this share of its "
        "plan margin, either way, is a deviation.",
    )
    # Solver workers (gateway.solver.pool) and jobs (gateway.jobs).
    solver_engine: str = Field(
        default="local",
        pattern=r"^(local|ray|ray://\S+)$",
        description="Where solves run: 'local' worker processes, 'ray' (a Ray cluster started "
        "on this machine) or 'ray://host:port' (an existing Ray cluster; the ray extra).",
    )
    solver_workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="Solver worker processes (local) or CPUs (a Ray cluster started here); "
        "also the most jobs that run at once.",
    )
    solver_worker_solves: int = Field(
        default=20, ge=1, description="Solves a local worker runs before it recycles (memory)."
    )
    solver_warm_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Worker processes (Ray actors) that hold warm models for re-solves of "
        "scenarios and authorisations; never recycled (gateway.solver.warm_pool).",
    )
    solver_warm_models: int = Field(
        default=4,
        ge=1,
        le=100,
        description="Warm models a warm worker holds, the least recently used dropped first.",
    )
    solver_grace_seconds: float = Field(
        default=10.0, gt=0, description="Added to a solve's wall limit before its worker is killed."
    )
    job_heartbeat_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often a running job's record is touched; one untouched for three "
        "beats belongs to a stopped gateway and is re-queued once, then failed.",
    )
    overdue_sweep_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How often open cycle steps past their due day are looked for and "
        "announced late (step.late, once a step).",
    )
    # GraphQL limits (gateway.graph.limits): refusals are GraphQL errors with a code.
    graphql_max_depth: int = Field(
        default=10, ge=1, description="Deepest nesting of fields an operation may select."
    )
    graphql_max_aliases: int = Field(
        default=30, ge=0, description="Most aliased fields a GraphQL document may hold."
    )
    graphql_max_tokens: int = Field(
        default=2000, ge=1, description="Most lexical tokens a GraphQL document may hold."
    )
    graphql_max_cost: int = Field(
        default=100_000,
        ge=1,
        description="Largest estimated answer, in field values (gateway.graph.cost).",
    )
    graphql_document_cache: int = Field(
        default=256,
        ge=0,
        description="Distinct GraphQL documents kept parsed and validated (least recently used"
        " dropped first); 0: none.",
    )
    graphql_introspection: bool | None = Field(
        default=None,
        description="Introspection, field suggestions and GraphiQL; default: on, off when "
        "SOP_ENV=production.",
    )
    graphql_time_budget_seconds: float = Field(
        default=120.0,
        gt=0,
        description="The longest one GraphQL request may run; then it answers with an error.",
    )
    upstream_keepalive_seconds: float = Field(
        default=UPSTREAM_KEEPALIVE_SECONDS,
        gt=0,
        description="How long the upstream clients keep an idle connection: less than the "
        "services' keep_alive_seconds.",
    )
