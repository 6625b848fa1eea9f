"""A plan baseline with the full candidate set as a job: the request answers at once (202),
the demand service forecasts in the background, the result is its summary."""

import asyncio
import math

import httpx
import pytest

from shared.auth import Role
from shared.periods import add_months
from tests.gateway.conftest import Platform
from tests.tokens import bearer

pytestmark = pytest.mark.anyio

PLANNER = bearer(Role.demand_planner, subject="dana")


async def finished(gateway: httpx.AsyncClient, location: str) -> dict:
    """The planner's job once finished (a job is its creator's only), polled for 3 minutes."""
    for _ in range(900):
        job: dict = (await gateway.get(location, headers=PLANNER)).json()
        if job["status"] in {"succeeded", "failed", "cancelled"}:
            return job
        await asyncio.sleep(0.2)
    raise AssertionError(f"{location} did not finish: {job}")


async def _draft_with_history(platform: Platform) -> dict:
    """Three years of a seasonal family before 2026-01, and a draft plan from 2026-01 (with
    its revision, read from its ETag)."""
    demand = platform.demand
    assert (await demand.put("/families", json=[{"code": "F01", "name": "F"}])).status_code == 200
    assert (await demand.put("/segments", json=[{"code": "KEY", "name": "K"}])).status_code == 200
    rows = [
        {
            "family_code": "F01",
            "segment_code": "KEY",
            "period": add_months("2023-01", k),
            "quantity": round(100 + 20 * math.sin(2 * math.pi * k / 12) + 0.5 * k, 1),
        }
        for k in range(36)
    ]
    assert (await demand.put("/history", json=rows)).status_code == 200
    created = await demand.post(
        "/demand-plans",
        json={"name": "Review", "horizon_start": "2026-01", "horizon_months": 3},
        headers=PLANNER,
    )
    assert created.status_code == 201, created.text
    return {**created.json(), "revision": int(created.headers["ETag"].strip('"'))}


async def test_a_baseline_job_runs_the_full_set_in_the_demand_service(platform: Platform) -> None:
    plan = await _draft_with_history(platform)
    body = {"plan_id": plan["id"], "revision": plan["revision"]}
    accepted = await platform.gateway.post(
        "/jobs", json={"kind": "baseline", "body": body}, headers=PLANNER
    )
    assert accepted.status_code == 202, accepted.text
    job = await finished(platform.gateway, accepted.headers["location"])
    assert job["status"] == "succeeded", job
    summary = (
        await platform.gateway.get(f"{accepted.headers['location']}/result", headers=PLANNER)
    ).json()
    assert (summary["plan_id"], summary["series"], summary["candidates"]) == (plan["id"], 1, "full")
    (series,) = (await platform.demand.get(f"/demand-plans/{plan['id']}/baseline")).json()["items"]
    assert {"auto_arima", "auto_theta", "auto_ces", "auto_ets"} <= set(series["candidates"])


async def test_a_baseline_job_is_checked_at_submission_and_refused_upstream_as_itself(
    platform: Platform,
) -> None:
    plan = await _draft_with_history(platform)
    refused = await platform.gateway.post(
        "/jobs",
        json={"kind": "baseline", "body": {"plan_id": plan["id"], "revision": 1, "colour": "red"}},
        headers=PLANNER,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.body.colour"
    # A stale revision: the job fails with the demand service's 409, as the route answers it.
    stale = {"plan_id": plan["id"], "revision": plan["revision"] + 5, "candidates": "fast"}
    accepted = await platform.gateway.post(
        "/jobs", json={"kind": "baseline", "body": stale}, headers=PLANNER
    )
    job = await finished(platform.gateway, accepted.headers["location"])
    assert job["status"] == "failed" and job["error"]["status"] == 409, job
