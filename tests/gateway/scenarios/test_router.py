"""Scenarios through the API: owned, shared by role, solved warm, never a consensus plan."""

from typing import Any

import pytest
from sqlmodel import Session

from bench.planning_problems import synthetic_problem
from gateway.scenarios.models import Scenario
from gateway.solver.problem import PlanningProblem, SolveOptions
from gateway.solver.warm_pool import fingerprint
from shared.auth import Role
from tests.gateway.conftest import Platform
from tests.gateway.steps import assert_problem
from tests.tokens import bearer

pytestmark = pytest.mark.anyio

OWNER = bearer(Role.supply_planner, subject="sam")
OTHER_PLANNER = bearer(Role.supply_planner, subject="sue")
FINANCE = bearer(Role.finance, subject="fay")
PROCESS_OWNER = bearer(Role.process_owner, subject="olivia")


def base() -> dict[str, Any]:
    """A seeded synthetic company: 4 families x 6 months, one bottleneck (R000)."""
    options = SolveOptions(compute_options=False, time_limit_seconds=30)
    problem = synthetic_problem(4, periods=6, seed=11, options=options)
    body: dict[str, Any] = problem.model_dump(mode="json")
    return body


async def create(
    platform: Platform,
    changes: list[dict[str, Any]],
    *,
    headers: dict[str, str] = OWNER,
    **extra: Any,
) -> dict[str, Any]:
    body = {"name": "what if", "base": base(), "changes": changes, **extra}
    response = await platform.gateway.post("/scenarios", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"'
    scenario: dict[str, Any] = response.json()
    return scenario


async def solve(platform: Platform, scenario_id: int, headers: dict[str, str] = OWNER) -> Any:
    response = await platform.gateway.post(f"/scenarios/{scenario_id}/solve", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def hold_the_base(platform: Platform) -> None:
    """Solve the base once, so that its warm worker holds its model (the first solve of a
    base builds the model cold and says so)."""
    scenario = await create(platform, [])
    outcome = (await solve(platform, scenario["id"]))["scenario"]["outcome"]
    if outcome["path"] == "cold":
        assert outcome["reason"].startswith("no warm model of the base was held")


CHANGES = {
    "demand": {"kind": "demand", "family": "F00001", "periods": ["2026-03"], "value": 30},
    "capacity": {"kind": "capacity", "resource": "R000", "periods": ["2026-02"], "value": -40},
    "price": {"kind": "price", "family": "F00002", "value": 10},
    "cost": {"kind": "cost", "cost": "variable_cost", "family": "F00000", "value": 25},
    "outsourcing": {"kind": "outsourcing", "family": "F00003", "mode": "add", "value": 500},
}


@pytest.mark.parametrize("kind", list(CHANGES))
async def test_each_change_is_solved_warm_and_visible_in_the_comparison(
    platform: Platform, kind: str
) -> None:
    await hold_the_base(platform)
    scenario = await create(platform, [CHANGES[kind]])

    solved = await solve(platform, scenario["id"])

    outcome = solved["scenario"]["outcome"]
    assert outcome["path"] == "warm", outcome["reason"]
    moved = [d for d in outcome["comparison"]["totals"] if abs(d["change"]) > 1e-6]
    assert moved, outcome["comparison"]
    assert solved["solution"]["totals"] == outcome["totals"]


async def test_the_exported_problem_solves_cold_to_the_same_objective(platform: Platform) -> None:
    scenario = await create(platform, [CHANGES["capacity"], CHANGES["price"]])
    solved = await solve(platform, scenario["id"])

    problem = await platform.gateway.get(f"/scenarios/{scenario['id']}/problem", headers=OWNER)
    assert problem.status_code == 200, problem.text
    cold = await platform.gateway.post("/solve", json=problem.json(), headers=OWNER)

    assert cold.status_code == 200, cold.text
    warm_objective = solved["scenario"]["outcome"]["objective"]
    assert warm_objective == pytest.approx(cold.json()["stats"]["objective_value"], rel=1e-7)
    # A scenario made from the exported body has the changes built in.
    again = await create(platform, [], base=problem.json())
    assert (await solve(platform, again["id"]))["scenario"]["outcome"]["objective"] == (
        pytest.approx(warm_objective, rel=1e-7)
    )


async def test_scenarios_are_isolated_from_plans_and_from_other_users(platform: Platform) -> None:
    plans_before = (await platform.gateway.get("/plans", headers=OWNER)).json()
    mine = await create(platform, [CHANGES["demand"]], shared_with=["finance"])
    theirs = await create(platform, [CHANGES["price"]], headers=OTHER_PLANNER)
    theirs_before = (
        await platform.gateway.get(f"/scenarios/{theirs['id']}", headers=OTHER_PLANNER)
    ).json()

    await solve(platform, mine["id"])

    assert (await platform.gateway.get("/plans", headers=OWNER)).json() == plans_before
    theirs_after = (
        await platform.gateway.get(f"/scenarios/{theirs['id']}", headers=OTHER_PLANNER)
    ).json()
    assert theirs_after == theirs_before
    hidden = await platform.gateway.get(f"/scenarios/{theirs['id']}", headers=OWNER)
    assert hidden.status_code == 404
    listed = (await platform.gateway.get("/scenarios", headers=FINANCE)).json()
    assert [s["id"] for s in listed] == [mine["id"]]
    # Shared to finance: readable and solvable there, changed only by its owner.
    await solve(platform, mine["id"], headers=FINANCE)
    refused = await platform.gateway.patch(
        f"/scenarios/{mine['id']}",
        json={"name": "mine now"},
        headers={**FINANCE, "If-Match": '"1"'},
    )
    assert refused.status_code == 403


async def test_an_edit_needs_the_current_version_and_clears_the_outcome(
    platform: Platform,
) -> None:
    scenario = await create(platform, [CHANGES["demand"]])
    await solve(platform, scenario["id"])
    path = f"/scenarios/{scenario['id']}"
    edit = {"changes": [CHANGES["price"]]}

    missing = await platform.gateway.patch(path, json=edit, headers=OWNER)
    edited = await platform.gateway.patch(path, json=edit, headers={**OWNER, "If-Match": '"1"'})
    stale = await platform.gateway.patch(path, json=edit, headers={**OWNER, "If-Match": '"1"'})

    assert missing.status_code == 428
    assert edited.status_code == 200, edited.text
    assert edited.headers["ETag"] == '"2"'
    assert edited.json()["outcome"] is None
    assert edited.json()["changes"][0]["kind"] == "price"
    assert stale.status_code == 409


async def test_a_change_that_does_not_fit_the_base_is_refused_at_once(platform: Platform) -> None:
    body = {"name": "bad", "base": base(), "changes": [{**CHANGES["capacity"], "resource": "X"}]}

    response = await platform.gateway.post("/scenarios", json=body, headers=OWNER)

    assert_problem(response, 422, "body.changes.0.resource")


async def test_copy_and_delete(platform: Platform) -> None:
    scenario = await create(platform, [CHANGES["demand"]], shared_with=["supply_planner"])
    copied = await platform.gateway.post(
        f"/scenarios/{scenario['id']}/copy", json={"name": "sue's"}, headers=OTHER_PLANNER
    )
    assert copied.status_code == 201, copied.text
    assert copied.json()["owner"] == "sue"
    assert copied.json()["changes"] == scenario["changes"]

    deleted = await platform.gateway.delete(
        f"/scenarios/{scenario['id']}", headers={**OWNER, "If-Match": '"1"'}
    )

    assert deleted.status_code == 204
    gone = await platform.gateway.get(f"/scenarios/{scenario['id']}", headers=OWNER)
    assert gone.status_code == 404
    kept = await platform.gateway.get(f"/scenarios/{copied.json()['id']}", headers=OTHER_PLANNER)
    assert kept.status_code == 200


async def test_promotion_refuses_demand_and_waits_for_the_executive_step(
    platform: Platform,
) -> None:
    cycle = await platform.gateway.post(
        "/cycles", json={"period": "2026-01"}, headers=PROCESS_OWNER
    )
    assert cycle.status_code == 201, cycle.text
    body = {"cycle_id": cycle.json()["id"], "rationale": "a second shift covers the peak"}
    supply = await create(platform, [CHANGES["capacity"], CHANGES["outsourcing"]])
    demand = await create(platform, [CHANGES["capacity"], CHANGES["demand"]])

    by_planner = await platform.gateway.post(
        f"/scenarios/{supply['id']}/promote", json=body, headers=OWNER
    )
    refused = await platform.gateway.post(
        f"/scenarios/{demand['id']}/promote", json=body, headers=PROCESS_OWNER
    )
    promoted = await platform.gateway.post(
        f"/scenarios/{supply['id']}/promote", json=body, headers=PROCESS_OWNER
    )

    assert by_planner.status_code == 403
    problem = assert_problem(refused, 422, "scenario.changes.1")
    assert "demand review" in problem["detail"]
    # A cycle without its recommended plan has no executive step to propose to (the whole
    # path: tests/gateway/scenarios/test_promotion.py).
    assert promoted.status_code == 409, promoted.text
    assert promoted.json()["extra"]["gate"] == "recommended-plan"


async def test_a_batch_compares_a_demand_grid_and_holds_each_plan_under_each_scenario(
    platform: Platform,
) -> None:
    grid = {
        f"demand {step:+d}%": [
            {"kind": "demand", "family": f"F0000{f}", "value": step} for f in range(4)
        ]
        for step in (-10, 10)
    }
    await hold_the_base(platform)

    response = await platform.gateway.post(
        "/scenarios/batch", json={"base": base(), "scenarios": grid}, headers=OWNER
    )

    assert response.status_code == 200, response.text
    result = response.json()
    assert [row["scenario"] for row in result["rows"]] == list(grid)
    assert all(row["path"] == "warm" for row in result["rows"])
    cells = {(c["plan"], c["scenario"]): c for c in result["robustness"]}
    assert len(cells) == 9  # (base + 2 plans) x (base + 2 scenarios)
    for name in ["base", *grid]:
        own = cells[(name, name)]
        assert own["holds"]
        assert own["regret"] == pytest.approx(0, abs=1e-3 * max(1.0, abs(own["margin"])))
    # A plan made for less demand cannot earn what re-planning for more earns.
    assert cells[("demand -10%", "demand +10%")]["regret"] > 0


async def test_a_scenario_keeps_its_base_s_key_and_one_stored_without_it_still_solves(
    platform: Platform,
) -> None:
    """The key is the base's hash, kept so that a solve neither reads nor hashes the base;
    a scenario stored before keys were kept (null) reads its base and solves the same."""
    assert platform.engine is not None
    keyed = await create(platform, [CHANGES["demand"]])
    with Session(platform.engine) as session:
        row = session.get(Scenario, keyed["id"])
        assert row is not None
        assert row.base_key == fingerprint(PlanningProblem.model_validate(row.base))
        assert row.base_time_limit_seconds == 30
    first = (await solve(platform, keyed["id"]))["scenario"]["outcome"]

    unkeyed = await create(platform, [CHANGES["demand"]])
    with Session(platform.engine) as session, session.begin():
        row = session.get(Scenario, unkeyed["id"])
        assert row is not None
        row.base_key, row.base_time_limit_seconds = None, None
    again = (await solve(platform, unkeyed["id"]))["scenario"]["outcome"]

    assert again["path"] == "warm", again["reason"]  # the same base: its model is held
    assert again["objective"] == pytest.approx(first["objective"], rel=1e-9)
