"""Settings of every process: one pydantic-settings class per service, one env prefix each.

Defaults start everything on one machine with SQLite files under ``var/``; set
``SOP_<SERVICE>_DATABASE_URL`` to a PostgreSQL URL (``postgresql+psycopg://...``) to move.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.http import UPSTREAM_KEEPALIVE_SECONDS


class ServiceSettings(BaseSettings):
    """What every service process needs."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str
    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    log_level: str = "info"
    max_page_size: int = Field(default=5000, ge=1)
    max_bulk_items: int = Field(default=20000, ge=1)
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Larger request bodies are refused (413)."
    )
    keep_alive_seconds: int = Field(
        default=75,
        ge=1,
        description="How long uvicorn keeps an idle connection open (--timeout-keep-alive): "
        "longer than any client of the process keeps one (the gateway's upstream clients: "
        "upstream_keepalive_seconds), so a client never sends on a connection being closed.",
    )


class DemandSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SOP_DEMAND_", extra="ignore")

    database_url: str = "sqlite:///var/demand.db"
    port: int = 8001


class SupplySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SOP_SUPPLY_", extra="ignore")

    database_url: str = "sqlite:///var/supply.db"
    port: int = 8002


class FinanceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SOP_FINANCE_", extra="ignore")

    database_url: str = "sqlite:///var/finance.db"
    port: int = 8003
    aop_gap_tolerance: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Share of the AOP beyond which a month's gap is flagged for escalation.",
    )


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SOP_GATEWAY_", extra="ignore")

    database_url: str = "sqlite:///var/gateway.db"
    port: int = 8000
    demand_url: str = "http://127.0.0.1:8001"
    supply_url: str = "http://127.0.0.1:8002"
    finance_url: str = "http://127.0.0.1:8003"
    upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    solve_time_limit_seconds: float = Field(default=60.0, gt=0)
    utilisation_threshold: float = Field(
        default=0.95, gt=0, description="Load / regular capacity above which a resource escalates."
    )
    upstream_keepalive_seconds: float = Field(
        default=UPSTREAM_KEEPALIVE_SECONDS,
        gt=0,
        description="How long the upstream clients keep an idle connection: less than the "
        "services' keep_alive_seconds.",
    )
