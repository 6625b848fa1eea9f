"""Warm models held in solver workers of their own: a bounded LRU per worker, by base.

A warm model (``gateway.solver.warm``) is worth keeping only where it can live for many
re-solves: not in the API process (a solve there blocks the gateway and its memory never
goes back) and not in the solve pool's workers (they recycle to return memory, and any of
them takes the next solve). So warm models get workers of their own, started with the
gateway and never recycled:

- ``local``: ``workers`` processes (forked from the forkserver like the solve pool's), each
  holding at most ``models_per_worker`` models in an LRU (``HeldModels``) keyed by the base
  problem's fingerprint. A base always goes to the same worker (its key picks it), so its
  scenarios, option re-solves and authorisations re-solve from one basis.
- ``ray`` / ``ray://``: one Ray actor per worker holds the same LRU (no CPU reserved: it
  only runs while a re-solve does).

A task names its base by key and carries the base itself only when the worker may not hold
it; a worker that does not (never built, dropped from its LRU, or the worker was replaced
after a crash or a time-out) answers ``NOT_HELD`` and the task is sent again with its base:
the base is solved cold there and the changes re-solved from its basis, and the answer says
so (``WarmRun.path`` cold with the reason). What a caller gets back is what its ``finish``
makes of the run in the worker (e.g. totals and a comparison, not 72,000 lines).
"""

import asyncio
import hashlib
import multiprocessing
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from gateway.solver.changes import PlanChange
from gateway.solver.pool import collector_paused, lost, timed_out, yield_to_requests
from gateway.solver.problem import PlanningProblem
from gateway.solver.solution import Solution
from gateway.solver.warm import SolvePath, WarmModel, WarmRun, warm_model

Result = TypeVar("Result")


def fingerprint(problem: PlanningProblem) -> str:
    """The key of a base problem: the same problem, the same warm model."""
    return hashlib.sha256(problem.model_dump_json().encode()).hexdigest()


@dataclass
class HeldBase:
    """A base's warm model and its first (cold) run; the base's whole solution on demand."""

    model: WarmModel
    first: WarmRun
    _solution: Solution | None = field(default=None, repr=False)

    def solution(self) -> Solution:
        if self._solution is None:
            self._solution = self.first.solution(model=self.model)
        return self._solution


@dataclass(frozen=True)
class WarmTask(Generic[Result]):
    """Re-solve the base ``key`` with ``changes`` and answer ``finish(run, held)``.

    ``finish`` runs in the worker (a module-level function or a ``functools.partial`` of
    one, so that it crosses the process boundary by name)."""

    key: str
    changes: list[PlanChange]
    finish: Callable[[WarmRun, HeldBase], Result]
    base: PlanningProblem | None = None  # None: only when the worker holds the key


def whole_solution(run: WarmRun, held: HeldBase) -> Solution:
    """A ``WarmTask.finish``: the whole solution (lines, escalations, options) as ``solve``
    answers it, with a note of the path taken; the options are priced on the held model."""
    return run.solution(model=held.model)


def plan_only(run: WarmRun, held: HeldBase) -> Solution:
    """A ``WarmTask.finish``: the whole solution without escalation options (an
    alternative plan of a reconcile is measured against the plan, not decided)."""
    options = run.problem.options.model_copy(update={"compute_options": False})
    run.problem = run.problem.model_copy(update={"options": options})
    return run.solution()


class _NotHeld:
    """The worker holds no model of the task's key and the task did not carry its base."""

    def __repr__(self) -> str:
        return "NOT_HELD"


NOT_HELD = _NotHeld()


class HeldModels:
    """The warm models of one worker: at most ``capacity``, the least recently used
    dropped first. One re-solve at a time (a worker runs one task at a time)."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._held: OrderedDict[str, HeldBase] = OrderedDict()

    def keys(self) -> list[str]:
        return list(self._held)

    def run(self, task: WarmTask[Result]) -> Result | _NotHeld:
        with collector_paused():
            return self._run(task)

    def _run(self, task: WarmTask[Result]) -> Result | _NotHeld:
        held = self._held.get(task.key)
        if held is not None:
            self._held.move_to_end(task.key)
            return task.finish(held.model.resolve(task.changes), held)
        if task.base is None:
            return NOT_HELD
        started = time.perf_counter()
        model, first = warm_model(task.base)
        held = HeldBase(model, first)
        self._held[task.key] = held
        while len(self._held) > self._capacity:
            self._held.popitem(last=False)
        # Without changes the base's own solve is the answer (not a second, empty re-solve).
        run = model.resolve(task.changes) if task.changes else first
        run.path = SolvePath.cold
        run.reason = (
            "no warm model of the base was held: the base was solved cold"
            f" ({first.reason})"
            + (f", then re-solved with the changes ({run.reason})" if task.changes else "")
        )
        run.started = started  # the whole answer took the base's solve too
        return task.finish(run, held)


# The worker process's own models (local engine): set when the worker starts.
_WORKER_MODELS: HeldModels | None = None


def _start_worker(capacity: int) -> None:
    global _WORKER_MODELS
    yield_to_requests()
    _WORKER_MODELS = HeldModels(capacity)


def run_in_worker(task: WarmTask[Result]) -> Result | _NotHeld:
    """The task on this worker process's models (the local engine's entry point)."""
    assert _WORKER_MODELS is not None, "not a warm worker process"
    return _WORKER_MODELS.run(task)


def _worker_keys(_: object) -> list[str]:
    assert _WORKER_MODELS is not None, "not a warm worker process"
    return _WORKER_MODELS.keys()


BaseLoader = Callable[[], Awaitable[PlanningProblem]]


class WarmPool(Protocol):
    engine: str
    workers: int

    async def run(
        self, task: WarmTask[Result], *, wall_seconds: float, load_base: BaseLoader | None = None
    ) -> Result:
        """``task.finish`` of the re-solve, in the worker that holds (or now builds) the
        base's model; ``SolveTimedOut`` past ``wall_seconds`` and ``SolverWorkerLost`` when
        the worker dies: either way the worker and its models are replaced. A task without
        its base names ``load_base``, awaited only when the worker does not hold the key
        (a caller that keeps the key with the base reads the base only then)."""
        ...

    async def keys(self) -> list[list[str]]:
        """The keys each worker holds, least recently used first."""
        ...

    async def close(self) -> None: ...


def _worker_of(key: str, workers: int) -> int:
    return int(key[:8], 16) % workers


def _loader(task: WarmTask[Any], load_base: BaseLoader | None) -> BaseLoader:
    base = task.base
    if base is not None:

        async def given() -> PlanningProblem:
            return base

        return given
    if load_base is None:
        raise ValueError("a warm task needs its base or a way to load it (when not held)")
    return load_base


async def _with_base(
    call: Callable[[WarmTask[Result]], Any], task: WarmTask[Result], load_base: BaseLoader
) -> Result:
    """``call(task)`` without the base first (cheap when held), then with it."""
    answer = await call(WarmTask(task.key, task.changes, task.finish))
    if isinstance(answer, _NotHeld):
        answer = await call(WarmTask(task.key, task.changes, task.finish, await load_base()))
    assert not isinstance(answer, _NotHeld)
    return answer


class _LocalWarmWorker:
    def __init__(self, capacity: int) -> None:
        self.lock = asyncio.Lock()
        self._executor = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=_start_worker,
            initargs=(capacity,),
        )

    def submit(self, function: Callable[[Any], Any], argument: Any) -> asyncio.Future[Any]:
        return asyncio.wrap_future(self._executor.submit(function, argument))

    def start(self) -> None:
        self._executor.submit(os.getpid).result()

    def kill(self) -> None:
        for process in list((self._executor._processes or {}).values()):
            process.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)


class LocalWarmPool:
    """``workers`` warm worker processes on this machine, ``models_per_worker`` models each."""

    engine = "local"

    def __init__(self, *, workers: int, models_per_worker: int) -> None:
        self.workers = workers
        self._capacity = models_per_worker
        self._workers = [_LocalWarmWorker(models_per_worker) for _ in range(workers)]

    async def start(self) -> None:
        """Start every process now, in threads (the first waits for the forkserver)."""
        await asyncio.gather(*(asyncio.to_thread(worker.start) for worker in self._workers))

    async def run(
        self, task: WarmTask[Result], *, wall_seconds: float, load_base: BaseLoader | None = None
    ) -> Result:
        loader = _loader(task, load_base)
        index = _worker_of(task.key, self.workers)
        worker = self._workers[index]
        async with worker.lock:  # the wall limit counts from the worker's start on it

            async def call(sent: WarmTask[Result]) -> Any:
                return await worker.submit(run_in_worker, sent)

            try:
                async with asyncio.timeout(wall_seconds):  # never wait_for: gateway.jobs.runner
                    return await _with_base(call, task, loader)
            except TimeoutError:
                self._replace(index)
                raise timed_out(wall_seconds) from None
            except BrokenProcessPool as broken:
                self._replace(index)
                raise lost("its process exited") from broken
            except asyncio.CancelledError:
                self._replace(index)
                raise

    def _replace(self, index: int) -> None:
        self._workers[index].kill()
        self._workers[index] = _LocalWarmWorker(self._capacity)

    async def keys(self) -> list[list[str]]:
        return [await worker.submit(_worker_keys, None) for worker in self._workers]

    async def close(self) -> None:
        for worker in self._workers:
            worker.kill()


class RayWarmPool:
    """One Ray actor per warm worker, holding ``HeldModels`` (the cluster ``RayPool`` joined)."""

    engine = "ray"

    def __init__(self, *, workers: int, models_per_worker: int) -> None:
        import ray  # the optional extra; the solve pool has initialised it

        self._ray = ray
        self.workers = workers
        # No CPU reserved: the actor idles between re-solves, the solve pool keeps the CPUs.
        self._holder: Any = ray.remote(num_cpus=0, max_restarts=0)(HeldModels)
        self._capacity = models_per_worker
        self._actors: list[Any] = [self._holder.remote(models_per_worker) for _ in range(workers)]
        self._locks = [asyncio.Lock() for _ in range(workers)]

    async def run(
        self, task: WarmTask[Result], *, wall_seconds: float, load_base: BaseLoader | None = None
    ) -> Result:
        loader = _loader(task, load_base)
        index = _worker_of(task.key, self.workers)
        exceptions = self._ray.exceptions
        async with self._locks[index]:
            actor = self._actors[index]

            async def call(sent: WarmTask[Result]) -> Any:
                return await asyncio.wrap_future(actor.run.remote(sent).future())

            try:
                async with asyncio.timeout(wall_seconds):  # never wait_for: gateway.jobs.runner
                    return await _with_base(call, task, loader)
            except TimeoutError:
                self._replace(index)
                raise timed_out(wall_seconds) from None
            except asyncio.CancelledError:
                self._replace(index)
                raise
            except exceptions.RayActorError as gone:
                self._replace(index)
                raise lost(type(gone).__name__) from gone
            except exceptions.RayTaskError as failed:
                raise failed.cause from None

    def _replace(self, index: int) -> None:
        self._ray.kill(self._actors[index])
        self._actors[index] = self._holder.remote(self._capacity)

    async def keys(self) -> list[list[str]]:
        refs = [actor.keys.remote() for actor in self._actors]
        return [await asyncio.wrap_future(ref.future()) for ref in refs]

    async def close(self) -> None:
        for actor in self._actors:
            self._ray.kill(actor)


async def open_warm_pool(*, engine: str, workers: int, models_per_worker: int) -> WarmPool:
    """The warm workers of the ``solver_engine`` setting, started in a thread."""
    if engine == "local":
        pool = LocalWarmPool(workers=workers, models_per_worker=models_per_worker)
        await pool.start()
        return pool
    if engine == "ray" or engine.startswith("ray://"):
        return await asyncio.to_thread(
            RayWarmPool, workers=workers, models_per_worker=models_per_worker
        )
    raise ValueError(f"unknown solver engine {engine!r}; expected local, ray or ray://host:port")
