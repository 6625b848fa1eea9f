"""A reconcile's gathered problem, exported as a /solve body, solves to the stored plan."""

import pytest

from tests.gateway.conftest import Platform
from tests.gateway.steps import load, reconcile

pytestmark = pytest.mark.anyio


async def test_the_exported_problem_solves_to_the_plan_and_seeds_a_scenario(
    platform: Platform,
) -> None:
    await load(platform)
    plan = await reconcile(platform)

    exported = await platform.gateway.get(f"/consensus-plans/{plan['id']}/problem")
    assert exported.status_code == 200, exported.text
    solved = await platform.gateway.post("/solve", json=exported.json())
    scenario = await platform.gateway.post(
        "/scenarios",
        json={"name": "from the plan", "base": exported.json(), "changes": []},
    )

    assert solved.status_code == 200, solved.text
    assert solved.json()["stats"]["objective_value"] == pytest.approx(
        plan["stats"]["objective_value"], rel=1e-7
    )
    assert scenario.status_code == 201, scenario.text


async def test_a_missing_plan_is_a_404(platform: Platform) -> None:
    response = await platform.gateway.get("/consensus-plans/999/problem")

    assert response.status_code == 404
