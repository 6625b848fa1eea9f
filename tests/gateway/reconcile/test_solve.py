"""POST /solve: the stateless solver, its documented example and bad input."""

import copy

import pytest

from gateway.reconcile.examples import TWO_FAMILIES
from gateway.solver.solution import Solution
from tests.gateway.conftest import Platform

pytestmark = pytest.mark.anyio


async def test_the_documented_example_solves(platform: Platform) -> None:
    response = await platform.gateway.post("/solve", json=TWO_FAMILIES)

    assert response.status_code == 200, response.text
    solution = Solution.model_validate(response.json())
    assert solution.periods == TWO_FAMILIES["periods"]
    assert {(line.family, line.segment) for line in solution.sales} == {
        (d["family"], d["segment"]) for d in TWO_FAMILIES["demand"]
    }
    assert [line.resource for line in solution.resources] == ["ASSY-1"]
    # Nothing upstream, nothing stored.
    assert platform.calls == []
    assert (await platform.gateway.get("/consensus-plans")).json()["total"] == 0


async def test_the_example_is_in_the_openapi_document(platform: Platform) -> None:
    spec = (await platform.gateway.get("/openapi.json")).json()
    body = spec["paths"]["/solve"]["post"]["requestBody"]["content"]["application/json"]
    assert body["examples"]["two_families"]["value"] == TWO_FAMILIES


def _problem(**changes: object) -> dict[str, object]:
    problem = copy.deepcopy(TWO_FAMILIES)
    problem.update(changes)
    return problem


@pytest.mark.parametrize(
    ("problem", "field"),
    [
        (_problem(periods=[]), "body.periods"),
        (_problem(families=[{"code": "ESPRESSO", "variable_cost": -1}]), "body.families.0"),
        (_problem(families=[{"code": "ESPRESSO", "colour": "red"}]), "body.families.0.colour"),
        (_problem(options={"time_limit_seconds": "soon"}), "body.options.time_limit_seconds"),
        (_problem(options={"time_limit_seconds": 31}), "body.options.time_limit_seconds"),
        (
            _problem(routings=[{"family": "ESPRESSO", "resource": "NOPE", "hours_per_unit": 1}]),
            "body.routings.0.resource",
        ),
        (
            _problem(
                demand=[{"family": "ESPRESSO", "segment": "KEY", "quantity": [1, 2], "price": 9}]
            ),
            "body.demand.0.quantity",
        ),
    ],
)
async def test_bad_problems_are_422_naming_the_field(
    platform: Platform, problem: dict[str, object], field: str
) -> None:
    response = await platform.gateway.post("/solve", json=problem)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = [error["field"] for error in response.json()["errors"]]
    assert any(name.startswith(field) for name in fields), fields


async def test_a_body_that_is_not_json_is_422(platform: Platform) -> None:
    response = await platform.gateway.post(
        "/solve", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
