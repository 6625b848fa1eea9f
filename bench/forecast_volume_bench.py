"""Forecasting at volume: the plan baseline's code on 1,000 and 10,000 series, local vs Ray.

Run: ``.venv/bin/python -m bench.forecast_volume_bench [--series 1000 10000]
[--engines local ray] [--max-seconds 900] [--seed 7]``, and ``... --demo`` for the demo's
plan baseline (``POST /demand-plans/{id}/baseline`` on an in-process demand service over a
temporary SQLite database: the demo's families, segments and history, a draft plan from this
month), timed by the route itself (``seconds``) for the fast and the full set.

Each run forecasts the synthetic series of ``bench.forecast_bench`` (seasonal with trend,
level, trend, intermittent, short, very short; 12 months scored after the history) with the
fast set through ``engine.forecast_many``, the function the baseline calls: ``local`` runs them
one after another in this process, ``local:2`` over two local worker processes, ``ray`` over
a Ray cluster started here on every CPU (2 on this machine).
Series go in batches of ``--batch``; a run stops starting batches after ``--max-seconds``
and says how many series it reached, so a 10,000-series run stays bounded on a small machine.

Printed per run: series done, seconds, series per second, milliseconds per series, WMAPE
(sum|A-F| / sum A, a fraction) and bias (sum(A-F) / sum A) of the chosen methods and of
seasonal naive alone (naive under a season of history) on the same series, and accuracy per
series: the mean over series of each series' own WMAPE (series with demand in the 12 months
scored), chosen and seasonal naive, and the share of series where the chosen forecast's MAE
is no worse than seasonal naive's. Times leave out
Ray's start and its workers' first imports and compilations: a warm-up before the clock
starts (the first two chunks of series, one a worker on two CPUs) does those, printed apart.
"""

import argparse
import datetime as dt
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.forecast_bench import HORIZON, SEASON, Series, generate
from services.demand.forecasting.engine import RAY_CHUNK, SeriesTask, forecast_many, shutdown_pools
from services.demand.forecasting.methods import Choice, Settings, fit
from services.demand.main import create_app
from shared.auth import AuthSettings, Role, mint_token
from shared.contracts.demand import ForecastMethod
from shared.settings import DemandSettings
from sop.demo.build import build_demo


@dataclass(frozen=True)
class Run:
    warm_up_seconds: float
    engine: str
    series: int
    done: int
    seconds: float
    wmape: float
    bias: float
    naive_wmape: float
    series_wmape: float
    series_naive_wmape: float
    no_worse: float


def seasonal_naive(history: np.ndarray) -> np.ndarray:
    if len(history) == 0:
        return np.zeros(HORIZON)
    season = SEASON if len(history) >= SEASON else 1
    result = fit(Choice(ForecastMethod.seasonal_naive), history, HORIZON, season=season)
    assert result is not None
    return result.mean


def run(
    engine: str, series: Sequence[Series], *, batch: int, max_seconds: float, settings: Settings
) -> Run:
    forecasts: list[np.ndarray] = []
    warm = time.perf_counter()
    if engine != "local":
        # Start the cluster and let every worker import and compile once, outside the timing.
        warm_up = [SeriesTask(s.history, HORIZON, settings) for s in series[: 2 * RAY_CHUNK]]
        forecast_many(warm_up, engine=engine)
    start = time.perf_counter()
    for first in range(0, len(series), batch):
        if time.perf_counter() - start > max_seconds:
            break
        tasks = [SeriesTask(s.history, HORIZON, settings) for s in series[first : first + batch]]
        forecasts.extend(r.mean for r in forecast_many(tasks, engine=engine))
    seconds = time.perf_counter() - start
    done = series[: len(forecasts)]
    actual = np.concatenate([s.future for s in done])
    predicted = np.concatenate(forecasts)
    naive_each = [seasonal_naive(s.history) for s in done]
    naive = np.concatenate(naive_each)
    total = float(actual.sum())
    sold = [k for k, s in enumerate(done) if s.future.sum() > 0]
    own = [np.abs(done[k].future - forecasts[k]).sum() / done[k].future.sum() for k in sold]
    own_naive = [np.abs(done[k].future - naive_each[k]).sum() / done[k].future.sum() for k in sold]
    no_worse = [
        np.abs(s.future - f).mean() <= np.abs(s.future - n).mean()
        for s, f, n in zip(done, forecasts, naive_each, strict=True)
    ]
    return Run(
        warm_up_seconds=start - warm,
        engine=engine,
        series=len(series),
        done=len(done),
        seconds=seconds,
        wmape=float(np.abs(actual - predicted).sum()) / total,
        bias=float((actual - predicted).sum()) / total,
        naive_wmape=float(np.abs(actual - naive).sum()) / total,
        series_wmape=float(np.mean(own)),
        series_naive_wmape=float(np.mean(own_naive)),
        no_worse=float(np.mean(no_worse)),
    )


def demo_baseline(candidates: str) -> dict:
    """The demo's plan baseline through the API: its summary (series, methods, seconds)."""
    from fastapi.testclient import TestClient

    demo = build_demo(dt.date.today())
    with (
        tempfile.TemporaryDirectory() as folder,
        TestClient(
            create_app(DemandSettings(database_url=f"sqlite:///{folder}/demand.db")),
            headers={
                "Authorization": "Bearer "
                + mint_token(AuthSettings(), subject="bench", roles=[Role.demand_planner])
            },
        ) as client,
    ):
        for path, rows in (
            ("/families", demo.families),
            ("/segments", demo.segments),
            ("/history", demo.history),
        ):
            loaded = client.put(path, json=[row.model_dump(mode="json") for row in rows])
            assert loaded.status_code == 200, loaded.text
        plan = demo.review.plan.model_dump(mode="json")
        created = client.post("/demand-plans", json=plan)
        assert created.status_code == 201, created.text
        answer = client.post(
            f"/demand-plans/{created.json()['id']}/baseline",
            json={"candidates": candidates},
            headers={"If-Match": created.headers["ETag"]},
        )
        assert answer.status_code == 200, answer.text
        summary: dict = answer.json()
        return summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--engines", nargs="+", default=["local", "local:2", "ray"])
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--demo", action="store_true", help="time the demo's plan baseline")
    parser.add_argument(
        "--demo-sets", nargs="+", choices=["fast", "full"], default=["fast", "full"]
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.demo:
        for candidates in args.demo_sets:
            summary = demo_baseline(candidates)
            print(
                f"demo baseline, {candidates} set: {summary['series']} series in "
                f"{summary['seconds']:.1f} s; methods {summary['methods']}",
                flush=True,
            )
        return
    settings = Settings()  # the fast set, as the plan baseline runs it
    print(
        f"{'series':>7}{'engine':>9}{'done':>7}{'s':>9}{'series/s':>10}{'ms/series':>11}"
        f"{'WMAPE':>8}{'bias':>8}{'naive WMAPE':>13}{'series WMAPE':>14}{'naive':>7}"
        f"{'no worse':>10}{'warm-up s':>11}",
        flush=True,
    )
    try:
        for count in args.series:
            series = generate(count, args.seed)
            for engine in args.engines:
                result = run(
                    engine,
                    series,
                    batch=args.batch,
                    max_seconds=args.max_seconds,
                    settings=settings,
                )
                print(
                    f"{result.series:>7}{result.engine:>9}{result.done:>7}{result.seconds:>9.1f}"
                    f"{result.done / result.seconds:>10.2f}"
                    f"{1000 * result.seconds / result.done:>11.0f}"
                    f"{result.wmape:>8.3f}{result.bias:>+8.3f}{result.naive_wmape:>13.3f}"
                    f"{result.series_wmape:>14.3f}{result.series_naive_wmape:>7.3f}"
                    f"{result.no_worse:>10.2f}{result.warm_up_seconds:>11.1f}",
                    flush=True,
                )
    finally:
        shutdown_pools()
        if "ray" in args.engines:
            import ray

            ray.shutdown()


if __name__ == "__main__":
    main()
