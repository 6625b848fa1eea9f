"""A 30-second smoke of the load bench (``bench/load_bench.py``): its planner reads through
GraphQL by 10 users pausing 1 s, a reconcile kept running meanwhile, against the four
processes for real with the demo loaded. No read may fail (a 503 counts); latency is the
bench's to report (README), not a test's, on shared machines."""

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from bench.load_bench import planner_reads, run, table
from shared.auth import Role
from sop.cli import dev_token
from sop.demo import load_demo
from sop.supervisor import upstream_urls
from tests.e2e.platform import running_platform

pytestmark = pytest.mark.slow


def test_the_planner_reads_answer_without_error_while_a_reconcile_runs(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        loader = dev_token(Role.integration, subject="smoke-loader")
        asyncio.run(load_demo(upstream_urls(platform.specs), today=dt.date.today(), token=loader))
        gateway = next(spec.url for spec in platform.specs if spec.name == "gateway")
        token = dev_token(Role.process_owner, subject="smoke-process-owner")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reads = asyncio.run(planner_reads(graphql_url=f"{gateway}/graphql", headers=headers))
        tallies, elapsed = asyncio.run(
            run(
                requests=reads,
                clients=10,
                pause=1.0,
                duration=30,
                headers=headers,
                timeout=60,
                reconcile_gateway=gateway,
            )
        )
    print(table(tallies=tallies, names=[read.name for read in reads], elapsed=elapsed))

    assert len({read.name for read in reads}) >= 20
    assert all(tallies[read.name].latencies for read in reads), "a read was never sent"
    failed = {read.name: tallies[read.name].errors for read in reads if tallies[read.name].errors}
    assert failed == {}
    # The reconcile may be throttled (429), never fail.
    reconcile = tallies["reconcile"].outcomes
    assert reconcile["201"] >= 1 and set(reconcile) <= {"201", "429"}, reconcile
