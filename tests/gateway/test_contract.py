"""The gateway's REST answers as its OpenAPI says (issue 10, "an honest contract")."""

import pytest

from tests.gateway.conftest import Platform
from tests.gateway.steps import assert_problem

pytestmark = pytest.mark.anyio


async def test_an_unknown_query_parameter_is_refused(platform: Platform) -> None:
    refused = await platform.gateway.get("/consensus-plans", params={"version": "3"})
    assert_problem(refused, 422, "query.version")
    listed = await platform.gateway.get("/consensus-plans", params={"limit": 1})
    assert listed.status_code == 200, listed.text


async def test_dates_and_numbers_in_a_cycle_are_json_ones(platform: Platform) -> None:
    cycle = {"period": "2026-01", "due_dates": {"pre_sop": 0}}
    refused = await platform.gateway.post("/cycles", json=cycle)
    assert_problem(refused, 422, "body.due_dates.pre_sop")
    cycle = {"period": "2026-01", "horizon_months": True}
    assert_problem(await platform.gateway.post("/cycles", json=cycle), 422, "body.horizon_months")
    cycle = {"period": "0000-01"}
    assert_problem(await platform.gateway.post("/cycles", json=cycle), 422, "body.period")


async def test_a_405_allows_every_method_of_its_path(platform: Platform) -> None:
    refused = await platform.gateway.post("/consensus-plans/latest")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET"
