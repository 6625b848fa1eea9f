"""Solver workers: solves run in worker processes behind one pool interface, never in the
API process.

A worker process holds the solve's memory and returns it to the system when it recycles
(after ``solves_per_worker`` solves); a solver crash or a runaway model costs a worker, not
the gateway; a solve past its wall limit, or whose caller went away (a cancelled job, a
client that disconnected), has its worker killed and replaced.

Two engines, chosen by ONE setting (``SOP_GATEWAY_SOLVER_ENGINE``, ``pool_for``):

- ``local`` (the default): worker processes of this machine, started with the gateway. Each
  worker is a one-process ``ProcessPoolExecutor`` of its own, so killing one solve's process
  breaks no other solve (one shared executor would fail every solve in flight when one of its
  processes dies). Processes come from the ``forkserver`` with the model's modules preloaded:
  a replacement starts in milliseconds instead of re-importing OR-Tools and HiGHS.
- ``ray`` (a Ray cluster of ``workers`` CPUs started with the gateway on this machine) or
  ``ray://host:port`` (an existing Ray cluster; the ``ray`` extra): the same functions as
  Ray tasks, one CPU each; Ray replaces a worker that dies or that ``ray.cancel(force=True)``
  killed.
"""

import asyncio
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from shared.errors import DomainError

Argument = TypeVar("Argument")
Result = TypeVar("Result")

# Imported once by the forkserver, so that every worker forked from it starts warm.
multiprocessing.set_forkserver_preload(["gateway.solver.model", "gateway.solver.warm"])


class SolverWorkerLost(DomainError):
    """The worker process running the solve died (crashed, out of memory, killed)."""

    status = 503
    code = "solver-worker-lost"
    retry_after_seconds = 1


class SolveTimedOut(DomainError):
    """The solve ran past its wall limit; its worker was killed."""

    status = 504
    code = "solve-timed-out"


class SolverPool(Protocol):
    """Where solves run: ``run(function, argument)`` calls ``function(argument)`` in a worker
    process and answers its result (or raises its exception) on the event loop."""

    engine: str
    workers: int

    async def run(
        self, function: Callable[[Argument], Result], argument: Argument, *, wall_seconds: float
    ) -> Result:
        """``function(argument)`` in a worker; ``SolveTimedOut`` after ``wall_seconds``,
        ``SolverWorkerLost`` when the worker dies. Cancelling the caller kills the worker."""
        ...

    async def close(self) -> None:
        """Stop every worker (solves still running are killed)."""
        ...


def timed_out(wall_seconds: float) -> SolveTimedOut:
    return SolveTimedOut(
        f"the solve ran past its wall limit of {wall_seconds:g} s and was stopped; "
        "lower the problem's size or time limit, or submit it as a job (POST /jobs)"
    )


def lost(reason: str) -> SolverWorkerLost:
    return SolverWorkerLost(f"the solver worker stopped during the solve ({reason}); retry")


class _LocalWorker:
    """One worker process behind an executor of its own."""

    def __init__(self, solves_per_worker: int) -> None:
        self._executor = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("forkserver"),
            max_tasks_per_child=solves_per_worker,
            initializer=yield_to_requests,
        )

    def submit(self, function: Callable[[Any], Any], argument: Any) -> asyncio.Future[Any]:
        return asyncio.wrap_future(self._executor.submit(_call, function, argument))

    def start(self) -> None:
        self._executor.submit(os.getpid).result()

    def kill(self) -> None:
        # The executor cannot stop a running task; killing its process is the only way.
        processes = list((self._executor._processes or {}).values())
        for process in processes:
            process.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)


class LocalPool:
    """``workers`` solver processes on this machine (see the module's docstring)."""

    engine = "local"

    def __init__(self, *, workers: int, solves_per_worker: int) -> None:
        self.workers = workers
        self._solves_per_worker = solves_per_worker
        self._idle = [_LocalWorker(solves_per_worker) for _ in range(workers)]
        self._free = asyncio.Semaphore(workers)

    async def start(self) -> None:
        """Start every worker now, in threads: the first start waits for the forkserver to
        import the model (seconds), which must not happen on the event loop."""
        await asyncio.gather(*(asyncio.to_thread(worker.start) for worker in self._idle))

    async def run(
        self, function: Callable[[Argument], Result], argument: Argument, *, wall_seconds: float
    ) -> Result:
        async with self._free:
            worker = self._idle.pop()
            try:
                async with asyncio.timeout(wall_seconds):  # never wait_for: gateway.jobs.runner
                    return await worker.submit(function, argument)
            except TimeoutError:
                worker = self._replace(worker)
                raise timed_out(wall_seconds) from None
            except BrokenProcessPool as broken:
                worker = self._replace(worker)
                raise lost("its process exited") from broken
            except asyncio.CancelledError:
                worker = self._replace(worker)
                raise
            finally:
                self._idle.append(worker)

    def _replace(self, worker: _LocalWorker) -> _LocalWorker:
        worker.kill()
        return _LocalWorker(self._solves_per_worker)

    async def close(self) -> None:
        for worker in self._idle:
            worker.kill()
        self._idle.clear()


class RayPool:
    """The same solves as Ray tasks on a Ray cluster (the ``ray`` extra)."""

    engine = "ray"

    def __init__(self, *, address: str | None, workers: int) -> None:
        import ray  # the optional extra: imported only when the setting asks for Ray

        self._ray = ray
        if address is None:
            # A cluster of this machine: one CPU (one solve at a time) per worker.
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
        self.workers = int(ray.cluster_resources().get("CPU", workers))
        self._call = ray.remote(num_cpus=1, max_retries=0)(_call)

    async def run(
        self, function: Callable[[Argument], Result], argument: Argument, *, wall_seconds: float
    ) -> Result:
        exceptions = self._ray.exceptions
        ref = self._call.remote(function, argument)
        try:
            async with asyncio.timeout(wall_seconds):
                result: Result = await asyncio.wrap_future(ref.future())
        except TimeoutError:
            self._ray.cancel(ref, force=True)
            raise timed_out(wall_seconds) from None
        except asyncio.CancelledError:
            self._ray.cancel(ref, force=True)
            raise
        except (exceptions.WorkerCrashedError, exceptions.TaskCancelledError) as died:
            raise lost(type(died).__name__) from died
        except exceptions.RayTaskError as failed:
            # The function's own exception (a ValidationFailed refusal) crosses back as is.
            raise failed.cause from None
        return result

    async def close(self) -> None:
        self._ray.shutdown()


# A worker's share of the CPU when the API processes want it too: nice 10 weighs about a
# tenth of theirs (Linux CFS), so a reconcile's solves never starve the planners' reads;
# an idle machine still gives a solve every cycle.
WORKER_NICENESS = 10


def yield_to_requests() -> None:
    """In a new worker process: run below the API processes' priority."""
    os.nice(WORKER_NICENESS)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off for one task of a worker. Decoding a plan
    makes hundreds of thousands of objects, each batch of them a collection, and the oldest
    generation's passes walk every object the worker holds (a warm model's solution, too):
    at 1,000 families they doubled a scenario's decode (0.07 -> 0.15 s). The worker
    collects between tasks instead, when the collector is back."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _call(function: Callable[[Any], Any], argument: Any) -> Any:
    with collector_paused():
        return function(argument)


async def open_pool(*, engine: str, workers: int, solves_per_worker: int) -> SolverPool:
    """The pool the ``solver_engine`` setting names: ``local``, ``ray`` or ``ray://...``,
    started in a worker thread (the forkserver imports the model; Ray starts or connects)
    so that the event loop never waits on it."""
    if engine == "local":
        pool = LocalPool(workers=workers, solves_per_worker=solves_per_worker)
        await pool.start()
        return pool
    if engine == "ray" or engine.startswith("ray://"):
        address = None if engine == "ray" else engine
        return await asyncio.to_thread(RayPool, address=address, workers=workers)
    raise ValueError(f"unknown solver engine {engine!r}; expected local, ray or ray://host:port")
