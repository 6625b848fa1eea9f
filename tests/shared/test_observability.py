"""Request ids, JSON logs and Prometheus metrics on every process (shared.observability)."""

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.demand.main import create_app as create_demand
from shared.auth import Role
from shared.observability import configure_logging
from shared.settings import DemandSettings
from tests.tokens import bearer

REQUEST_ID = "3f0c1e7a2b9d4c58a1e6f0b2c3d4e5f6"


@pytest.fixture
def demand(tmp_path: Path) -> TestClient:
    app = create_demand(DemandSettings(database_url=f"sqlite:///{tmp_path}/demand.db"))
    return TestClient(app, headers=bearer(Role.viewer))


def test_a_request_id_is_echoed_or_made(demand: TestClient) -> None:
    with demand:
        given = demand.get("/families", headers={"X-Request-ID": REQUEST_ID})
        made = demand.get("/families")
    assert given.headers["X-Request-ID"] == REQUEST_ID
    assert len(made.headers["X-Request-ID"]) == 32
    assert made.headers["X-Request-ID"] != REQUEST_ID


def test_log_lines_are_json_with_the_request_id(
    demand: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("info")
    logger = logging.getLogger("services.demand.probe")

    def probe() -> dict[str, str]:
        logger.info("probing", extra={"rows": 3})
        return {}

    demand.app.get("/probe")(probe)  # type: ignore[attr-defined]
    with demand:
        demand.get("/probe", headers={"X-Request-ID": REQUEST_ID})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "probing" in line]
    assert lines == [
        {
            "time": lines[0]["time"],
            "level": "INFO",
            "logger": "services.demand.probe",
            "message": "probing",
            "request_id": REQUEST_ID,
            "rows": 3,
        }
    ]


def sample(metrics: str, series: str) -> float:
    """The value of one series in a Prometheus text page (0 when absent)."""
    values = [line.rsplit(" ", 1)[1] for line in metrics.splitlines() if line.startswith(series)]
    return float(values[0]) if values else 0.0


def test_metrics_count_requests_by_route_template_and_the_pool(demand: TestClient) -> None:
    listed = 'sop_demand_http_requests_total{handler="/families",method="GET",status="2xx"}'
    missing = 'sop_demand_http_requests_total{handler="/families/{code}",method="GET",status="4xx"}'
    with demand:
        before = demand.get("/metrics").text
        demand.get("/families")
        demand.get("/families/NOPE")
        after = demand.get("/metrics").text
    # The registry is the process's: other apps of this test run count there too.
    assert sample(after, listed) - sample(before, listed) == 1
    assert sample(after, missing) - sample(before, missing) == 1
    assert 'sop_demand_http_request_duration_seconds_bucket{handler="/families"' in after
    assert 'sop_db_pool_checked_out{service="demand"}' in after


def test_traces_are_exported_only_when_enabled(tmp_path: Path) -> None:
    def app_with(enabled: bool) -> object:
        settings = DemandSettings(
            database_url=f"sqlite:///{tmp_path}/{enabled}.db", otel_enabled=enabled
        )
        return create_demand(settings)

    assert getattr(app_with(True), "_is_instrumented_by_opentelemetry", False)
    assert not getattr(app_with(False), "_is_instrumented_by_opentelemetry", False)
