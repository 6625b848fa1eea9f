"""The forecast engines: local and Ray give every series the same forecast, in order."""

import time
from collections.abc import Iterator

import numpy as np
import pytest

from services.demand.forecasting import engine
from services.demand.forecasting.engine import SeriesTask, forecast_many
from services.demand.forecasting.methods import Settings, forecast_monthly

PATTERN = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120.0]


def tasks() -> list[SeriesTask]:
    """A repeating year, a noisy level, a series that stopped selling, one short series."""
    rng = np.random.default_rng(3)
    return [
        SeriesTask(np.array(PATTERN * 3), 3, Settings()),
        SeriesTask(100 + rng.normal(0, 5, 30), 2, Settings()),
        SeriesTask(np.array([5.0] * 12 + [0.0] * 6), 2, Settings()),
        SeriesTask(np.array([12, 18, 15, 21.0]), 3, Settings(), trailing_missing=0),
    ]


def summary(results) -> list[tuple[str, list[float], bool]]:
    return [(r.method, np.round(r.mean, 6).tolist(), r.end_of_life) for r in results]


def test_local_forecasts_each_series_as_forecast_monthly_does_in_order() -> None:
    expected = [
        forecast_monthly(t.values, t.horizon, t.settings, trailing_missing=t.trailing_missing)
        for t in tasks()
    ]
    got = forecast_many(tasks(), engine="local")
    assert summary(got) == summary(expected)
    assert [r.method for r in got][::2] == ["seasonal_naive", "zero"]


@pytest.mark.slow
def test_local_worker_processes_give_the_same_forecasts_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "RAY_CHUNK", 3)  # two chunks over two processes
    try:
        assert summary(forecast_many(tasks(), engine="local:2")) == summary(
            forecast_many(tasks(), engine="local")
        )
    finally:
        engine.shutdown_pools()
    assert engine.local_workers("local") == 1 and engine.local_workers("local:4") == 4
    assert engine.local_workers("ray") is None


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    ray = pytest.importorskip("ray", reason="the ray extra is not installed")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.mark.slow
def test_ray_gives_the_same_forecasts_as_local_and_carries_the_time_budget(
    ray_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "RAY_CHUNK", 3)  # two tasks: the order survives the chunks
    assert summary(forecast_many(tasks(), engine="ray")) == summary(
        forecast_many(tasks(), engine="local")
    )
    # A budget already spent here is spent on the workers too: only the cheapest candidate.
    spent = Settings(deadline=time.perf_counter() - 1)
    (result,) = forecast_many([SeriesTask(np.array(PATTERN * 3), 3, spent)], engine="ray")
    assert {c.method: c.note for c in result.candidates} == {
        "seasonal_naive": "time budget spent",
        "auto_ets": "time budget spent",
    }
