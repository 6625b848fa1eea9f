"""Scenarios in GraphQL go through the same service as REST."""

import pytest

from tests.gateway.conftest import Platform
from tests.gateway.scenarios.test_router import CHANGES, base

pytestmark = pytest.mark.anyio

CREATE = """
mutation ($input: JSON!) { createScenario(input: $input) { id version owner changes } }
"""
SOLVE = "mutation ($id: Int!) { solveScenario(id: $id) { id outcome } }"
EDIT = """
mutation ($id: Int!, $v: Int!, $input: JSON!) {
  editScenario(id: $id, expectedVersion: $v, input: $input) { version outcome }
}
"""


async def test_create_solve_and_edit_a_scenario(platform: Platform) -> None:
    body = {"name": "what if", "base": base(), "changes": [CHANGES["capacity"]]}

    created = (await platform.graphql(CREATE, input=body))["createScenario"]
    first = (await platform.graphql(SOLVE, id=created["id"]))["solveScenario"]
    solved = (await platform.graphql(SOLVE, id=created["id"]))["solveScenario"]
    edited = (
        await platform.graphql(EDIT, id=created["id"], v=1, input={"changes": [CHANGES["price"]]})
    )["editScenario"]

    assert created["owner"] == "olivia"
    assert first["outcome"]["path"] in {"cold", "warm"}  # cold when the base was not held
    assert solved["outcome"]["path"] == "warm"  # held now
    assert solved["outcome"]["objective"] == pytest.approx(first["outcome"]["objective"])
    rest = await platform.gateway.get(f"/scenarios/{created['id']}")
    assert rest.json()["version"] == edited["version"] == 2
    assert edited["outcome"] is None


async def test_a_bad_change_names_the_graphql_input(platform: Platform) -> None:
    body = {"name": "bad", "base": base(), "changes": [{**CHANGES["price"], "family": "NOPE"}]}

    response = await platform.gateway.post(
        "/graphql", json={"query": CREATE, "variables": {"input": body}}
    )

    errors = response.json()["errors"]
    assert errors[0]["extensions"]["errors"][0]["field"] == "input.changes.0.family"
