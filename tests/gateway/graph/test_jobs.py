"""The GraphQL twin of /jobs: submitJob, job and cancelJob over the same runner as REST."""

import asyncio

import pytest

from tests.gateway.conftest import Platform
from tests.gateway.solver.builders import problem

pytestmark = pytest.mark.anyio

EASY = problem(
    demand={"KEY": [30.0, 30.0]},
    prices={"KEY": 10.0},
    resource={"regular_hours": [100.0] * 2},
    time_limit_seconds=10,
).model_dump(mode="json")

SUBMIT = "mutation($body: JSON) { submitJob(kind: solve, body: $body) { id status } }"
READ = "query($id: Int!) { job(id: $id) { status stage attempts resultUrl errorCode } }"


async def test_a_job_submitted_over_graphql_is_read_and_fetched_over_rest(
    platform: Platform,
) -> None:
    submitted = (await platform.graphql(SUBMIT, body=EASY))["submitJob"]
    assert submitted["status"] == "queued"
    for _ in range(600):
        job = (await platform.graphql(READ, id=submitted["id"]))["job"]
        if job["status"] == "succeeded":
            break
        await asyncio.sleep(0.1)
    assert job["resultUrl"] == f"/jobs/{submitted['id']}/result"
    result = await platform.gateway.get(job["resultUrl"])
    assert result.json()["stats"]["termination"] == "optimal"
    cancelled = await platform.gateway.post(
        "/graphql",
        json={"query": f"mutation {{ cancelJob(id: {submitted['id']}) {{ status }} }}"},
    )
    assert cancelled.json()["errors"][0]["extensions"]["code"] == "conflict"


async def test_a_bad_body_names_the_graphql_input(platform: Platform) -> None:
    refused = await platform.gateway.post(
        "/graphql", json={"query": SUBMIT, "variables": {"body": {**EASY, "periods": "soon"}}}
    )
    error = refused.json()["errors"][0]["extensions"]
    assert error["errors"][0]["field"] == "input.body.periods"
