"""What every process tells its operators: JSON logs that carry the request id, Prometheus
metrics at ``/metrics``, and OpenTelemetry traces when a collector is configured.

- Request id: ``X-Request-ID`` is taken from the caller (or made), echoed on the response,
  put on every log line of the request (``asgi-correlation-id``) and sent on every upstream
  call made for it (``shared.http``), so one id follows a request gateway -> services.
- Metrics (``prometheus-fastapi-instrumentator``): requests and latency by route template,
  method and status; the database pool's checked-out connections per process; the gateway
  adds its solver's time by outcome (``gateway.solver.runner``).
- Traces: with ``SOP_<P>_OTEL_ENABLED=true`` and the ``otel`` extra installed, FastAPI's
  OpenTelemetry instrumentation exports spans through the standard ``OTEL_*`` variables.
"""

import functools
import logging
import logging.config
from collections.abc import Callable
from typing import Any

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI
from prometheus_client import Gauge
from prometheus_fastapi_instrumentator import Instrumentator, metrics
from prometheus_fastapi_instrumentator.metrics import Info

REQUEST_ID_HEADER = "X-Request-ID"

POOL_CHECKED_OUT = Gauge(
    "sop_db_pool_checked_out",
    "Database connections in use, as of the process's last request.",
    ["service"],
)


OWN_LOGGERS = ("shared", "services", "gateway", "sop")
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def log_config(level: str, *, root: bool) -> dict[str, Any]:
    """One JSON object a line on stderr, with the request id of the request being served,
    for the platform's own loggers and uvicorn's (and the root logger's, given ``root``)."""
    json_handler = {"handlers": ["json"], "level": level.upper()}
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "asgi_correlation_id.CorrelationIdFilter"}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
                "rename_fields": {
                    "asctime": "time",
                    "levelname": "level",
                    "name": "logger",
                    "correlation_id": "request_id",
                },
            }
        },
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "loggers": {
            **{name: {**json_handler, "propagate": not root} for name in OWN_LOGGERS},
            **{name: {**json_handler, "propagate": False} for name in UVICORN_LOGGERS},
        },
    }
    if root:
        config["root"] = json_handler
    return config


def configure_logging(level: str) -> None:
    """JSON logs; the root logger too unless something (a test runner) already handles it,
    whose handlers then still see the platform's records."""
    logging.config.dictConfig(log_config(level, root=not logging.getLogger().handlers))


@functools.cache
def request_metrics(service: str) -> Callable[[Info], None]:
    """Requests, sizes and latency by route template, method and status, registered once per
    process and service (the library registers nothing for a second app of the same name)."""
    instrumentation = metrics.default(metric_namespace="sop", metric_subsystem=service)
    if instrumentation is None:
        raise RuntimeError(f"the request metrics of {service} are registered elsewhere")
    return instrumentation


def install_observability(app: FastAPI, *, service: str, otel_enabled: bool = False) -> None:
    """Request ids, ``/metrics`` and (when enabled) traces on ``app``."""
    app.add_middleware(CorrelationIdMiddleware, header_name=REQUEST_ID_HEADER)

    def pool_usage(_info: Info) -> None:
        pool = app.state.engine.pool
        checked_out = getattr(pool, "checkedout", None)
        if checked_out is not None:
            POOL_CHECKED_OUT.labels(service).set(checked_out())

    instrumentator = Instrumentator(excluded_handlers=["/metrics"])
    instrumentator.add(request_metrics(service), pool_usage)
    instrumentator.instrument(app)
    instrumentator.expose(app, include_in_schema=False, tags=["observability"])
    if otel_enabled:
        _instrument_traces(app)


def _instrument_traces(app: FastAPI) -> None:
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    except ImportError as missing:  # the optional extra is not installed
        raise RuntimeError(
            "OTEL_ENABLED is set but OpenTelemetry is not installed: pip install '.[otel]'"
        ) from missing
    FastAPIInstrumentor.instrument_app(app)
