"""Where many series are forecast: in this process, over local worker processes, or on Ray.

The unit of work is the same everywhere: ``methods.forecast_monthly`` on one series with its
own settings, so a series is forecast, selected and flagged alike whichever engine runs it.
The engine only decides where that runs (``SOP_DEMAND_FORECAST_ENGINE``):

- ``local``: in the calling process, series after series;
- ``local:N``: N worker processes on this machine, series sent in chunks (what statsforecast's
  own ``n_jobs`` does: a process pool over partitions of the series);
- ``ray``: a Ray cluster started in this process on this machine's CPUs;
- ``ray://host:port``: an existing Ray cluster (the ``ray`` extra).

Measured (``bench/forecast_volume_bench.py``): nearly all the time of a series is the
library's model estimation (AutoETS's optimiser: 99% of a profile of 60 series), not Python
around it, so handing statsforecast many series in one call would not make a series cheaper;
what does is fewer estimations (cross-validation estimates a candidate once, at its first
origin: ``methods.cross_validation_forecasts``) and more processes (``local:N``, Ray).

Series go out in chunks (one task each), so the per-task overhead stays small next to the
fits; a time budget travels as wall-clock seconds left, since ``perf_counter`` does not
compare across processes.
"""

import multiprocessing
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .methods import SeriesForecast, Settings, forecast_monthly

LOCAL = "local"
RAY_CHUNK = 25
"""Series per task (Ray or a local worker): each costs ~0.05-2 s to fit, a task a few ms."""
_POOLS: dict[int, ProcessPoolExecutor] = {}


@dataclass(frozen=True)
class SeriesTask:
    """One series to forecast: its monthly grid, months ahead, and its settings."""

    values: np.ndarray
    horizon: int
    settings: Settings
    trailing_missing: int = 0


def forecast_many(tasks: Sequence[SeriesTask], *, engine: str = LOCAL) -> list[SeriesForecast]:
    """Every task's forecast, in the tasks' order, on the engine named."""
    workers = local_workers(engine)
    if workers == 1 or not tasks:
        return [_run(task) for task in tasks]
    wall_now, clock_now = time.time(), time.perf_counter()
    portable = [_with_wall_deadline(task, wall_now=wall_now, clock_now=clock_now) for task in tasks]
    if workers is not None:
        pool = _pool(workers)
        return [
            result
            for chunk in pool.map(_run_chunk, _chunks(portable, RAY_CHUNK))
            for result in chunk
        ]
    ray = _ray(engine)
    remote = ray.remote(num_cpus=1, max_retries=1)(_run_chunk)
    refs = [remote.remote(chunk) for chunk in _chunks(portable, RAY_CHUNK)]
    return [result for chunk in ray.get(refs) for result in chunk]


def local_workers(engine: str) -> int | None:
    """Processes of a local engine (``local``: 1, ``local:N``: N); None for Ray."""
    if engine == LOCAL:
        return 1
    if engine.startswith(LOCAL + ":"):
        return int(engine.removeprefix(LOCAL + ":"))
    return None


def _pool(workers: int) -> ProcessPoolExecutor:
    """A pool kept for the process's life: its workers import and compile the library once.
    Spawned, not forked: the service runs threads, which a fork would copy mid-step."""
    if workers not in _POOLS:
        context = multiprocessing.get_context("spawn")
        _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    return _POOLS[workers]


def shutdown_pools() -> None:
    """Stop the local worker processes (at the service's shutdown, or a bench's end)."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(cancel_futures=True)


def _run(task: SeriesTask) -> SeriesForecast:
    return forecast_monthly(
        task.values, task.horizon, task.settings, trailing_missing=task.trailing_missing
    )


def _with_wall_deadline(task: SeriesTask, *, wall_now: float, clock_now: float) -> SeriesTask:
    deadline = task.settings.deadline
    if deadline is None:
        return task
    return replace(task, settings=replace(task.settings, deadline=wall_now + deadline - clock_now))


def _run_chunk(tasks: Sequence[SeriesTask]) -> list[SeriesForecast]:
    """A Ray task: turn each wall-clock deadline back into this process's ``perf_counter``."""
    wall_now, clock_now = time.time(), time.perf_counter()
    results = []
    for task in tasks:
        deadline = task.settings.deadline
        if deadline is not None:
            local = clock_now + deadline - wall_now
            task = replace(task, settings=replace(task.settings, deadline=local))
        results.append(_run(task))
    return results


def _chunks(tasks: Sequence[SeriesTask], size: int) -> Iterator[Sequence[SeriesTask]]:
    for start in range(0, len(tasks), size):
        yield tasks[start : start + size]


def _ray(engine: str) -> Any:
    import ray  # the optional extra: imported only when the setting asks for Ray

    if not ray.is_initialized():
        if engine == "ray":
            ray.init(include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=engine, log_to_driver=False)
    return ray
