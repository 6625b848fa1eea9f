"""Wall time of each step of a reconcile, as a Prometheus histogram (``/metrics``): where a
large company's reconcile spends its time (``bench/scale_bench.py`` reads it)."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Histogram

RECONCILE_STEP_SECONDS = Histogram(
    "sop_reconcile_step_seconds",
    "Wall time of a step of POST /reconcile: gather (the services' reads), checks (gaps and "
    "time fence), solve (the plan's model with its options, in a solver worker), valuation "
    "(the plan against the AOP through finance), alternative (the AOP-gap re-solve under the "
    "other objective and its valuation), bias (forecast-bias corrections), store.",
    ["step"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)


@contextmanager
def timed(step: str) -> Iterator[None]:
    """Observe the block's wall time under ``step`` (also when it raises)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        RECONCILE_STEP_SECONDS.labels(step).observe(time.perf_counter() - started)
