"""The request limits of ``/graphql``: depth, aliases, tokens, cost and introspection. Each
refusal is a GraphQL error with a code, answered before any upstream is called; the README's
examples and GraphiQL's introspection pass the defaults."""

import re
from pathlib import Path
from typing import Any

import anyio
import pytest
from graphql import get_introspection_query

from gateway.graph import limits as limits_module
from gateway.graph.limits import GraphLimits
from shared.auth import AuthSettings
from shared.settings import GatewaySettings
from tests.gateway.graph.builders import UPSTREAMS, empty, gateway_over

pytestmark = pytest.mark.anyio

README = Path(__file__).parents[3] / "README.md"


async def refusal(
    query: str, *, variables: dict[str, Any] | None = None, **settings: Any
) -> dict[str, Any]:
    """The one error of ``query`` on a gateway with ``settings``, after checking that no
    upstream was called."""
    calls: list[str] = []
    async with gateway_over({name: empty(calls) for name in UPSTREAMS}, **settings) as (_, client):
        response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code in (200, 400), response.text
    body = response.json()
    assert body.get("data") is None, body
    assert calls == []
    [error] = body["errors"]
    return dict(error)


def nested(fields: list[str], leaf: str = "code") -> str:
    """``a { b { c { leaf } } }`` for fields a, b, c."""
    return "".join(f"{name} {{ " for name in fields) + leaf + " }" * len(fields)


async def test_a_query_deeper_than_the_limit_is_refused() -> None:
    query = "{ " + nested(["families", "routings", "family", "routings"], "resourceCode") + " }"
    error = await refusal(query, graphql_max_depth=3)
    assert error["extensions"]["code"] == "query-too-deep"
    assert "exceeds maximum operation depth of 3" in error["message"]


async def test_the_depth_40_family_routings_query_is_refused_before_any_work() -> None:
    query = "{ " + nested(["families", *(["routings", "family"] * 20)]) + " }"
    error = await refusal(query)
    # Its lists multiply beyond any budget: refused by cost before validation walks it.
    assert error["extensions"]["code"] == "query-too-costly"


async def test_too_many_aliases_are_refused() -> None:
    aliases = " ".join(f"a{index}: __typename" for index in range(31))
    error = await refusal(f"{{ {aliases} }}")
    assert error["extensions"]["code"] == "too-many-aliases"
    assert error["message"] == "31 aliases found. Allowed: 30"


async def test_a_thousand_aliased_families_are_refused() -> None:
    aliases = " ".join(
        f"a{index}: families {{ code routings {{ resourceCode }} }}" for index in range(1000)
    )
    error = await refusal(f"{{ {aliases} }}")
    assert error["extensions"]["code"] == "too-many-tokens"


async def test_a_document_with_too_many_tokens_is_refused() -> None:
    error = await refusal("{ " + "__typename " * 2001 + "}")
    assert error["extensions"]["code"] == "too-many-tokens"
    assert "Document contains more than 2000 tokens" in error["message"]


async def test_a_query_over_the_cost_limit_is_refused() -> None:
    # Every field 1 a value, a list 10 values: the inner routings 10 x (1 + resourceCode 1 +
    # family 2) = 40, family 1 + 40 = 41, routings 10 x 42 = 420, families 10 x 421 = 4210.
    query = (
        "{ "
        + nested(["families", "routings", "family", "routings"], "resourceCode family { code }")
        + " }"
    )
    error = await refusal(query, graphql_max_cost=4000)
    assert error["extensions"] == {"code": "query-too-costly", "cost": 4210, "maxCost": 4000}


async def test_a_fragment_bomb_is_refused_before_validation_walks_it() -> None:
    # Each fragment spreads the next twice, under a field the schema does not know: the
    # depth and alias rules would walk its 2^40 expansions; the cost estimate refuses it first.
    fragments = " ".join(
        f"fragment F{i} on Family {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40)
    )
    query = "{ nope { ...F0 } } " + fragments + " fragment F40 on Family { code }"
    # A bound against a hang (2^40 walks), not a timing: refused at once, it takes milliseconds.
    with anyio.fail_after(60):
        error = await refusal(query)
    assert error["extensions"]["code"] == "query-too-costly"


async def test_a_page_size_given_as_a_variable_counts_in_the_cost() -> None:
    query = "query Plans($n: Int!) { consensusPlans(limit: $n) { version } }"
    error = await refusal(query, variables={"n": 400}, graphql_max_cost=500)
    assert error["extensions"]["cost"] == 800
    calls: list[str] = []
    async with gateway_over({name: empty(calls) for name in UPSTREAMS}, graphql_max_cost=500) as (
        _,
        client,
    ):
        answer = await client.post("/graphql", json={"query": query, "variables": {"n": 200}})
        assert answer.json() == {"data": {"consensusPlans": []}}
        # The document is now parsed and validated from the caches; its cost is not cached.
        again = await client.post("/graphql", json={"query": query, "variables": {"n": 400}})
        assert again.json()["errors"][0]["extensions"]["cost"] == 800


async def test_documents_are_parsed_and_validated_once_and_their_refusals_kept() -> None:
    """Two documents sent three times each: two parses and two validations, four of each
    answered from the caches, the depth refusal as coded as the first time."""
    calls: list[str] = []
    deep = "{ " + nested(["families", "routings", "family", "routings"], "resourceCode") + " }"
    shallow = "{ __typename }"
    parse = limits_module.CachedParser(maxsize=256).cached_parse_document
    validate = limits_module.CachedValidation(maxsize=256).cached_validate_document
    parse.cache_clear()
    validate.cache_clear()
    async with gateway_over({name: empty(calls) for name in UPSTREAMS}, graphql_max_depth=3) as (
        _,
        client,
    ):
        for _ in range(3):
            answer = await client.post("/graphql", json={"query": shallow})
            assert answer.json() == {"data": {"__typename": "Query"}}
            refused = (await client.post("/graphql", json={"query": deep})).json()
            assert refused["errors"][0]["extensions"]["code"] == "query-too-deep"
    assert (parse.cache_info().misses, parse.cache_info().hits) == (2, 4)
    assert (validate.cache_info().misses, validate.cache_info().hits) == (2, 4)


async def test_introspection_and_field_suggestions_can_be_turned_off() -> None:
    error = await refusal("{ __schema { description } }", graphql_introspection=False)
    assert error["extensions"]["code"] == "introspection-disabled"

    calls: list[str] = []
    upstreams = {name: empty(calls) for name in UPSTREAMS}
    async with gateway_over(upstreams, graphql_introspection=False) as (_, client):
        typo = (await client.post("/graphql", json={"query": "{ familes { code } }"})).json()
        assert "Did you mean" not in typo["errors"][0]["message"]
        page = await client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 404
        # Plain queries are served as before.
        assert (await client.post("/graphql", json={"query": "{ __typename }"})).json() == {
            "data": {"__typename": "Query"}
        }
    async with gateway_over(upstreams) as (_, client):
        typo = (await client.post("/graphql", json={"query": "{ familes { code } }"})).json()
        assert "Did you mean 'families'" in typo["errors"][0]["message"]


def test_introspection_is_off_by_default_in_production_only() -> None:
    settings = GatewaySettings(database_url="sqlite://")
    assert GraphLimits.of(settings, auth=AuthSettings(SOP_ENV="development")).introspection
    assert not GraphLimits.of(settings, auth=AuthSettings(SOP_ENV="production")).introspection
    on = GatewaySettings(database_url="sqlite://", graphql_introspection=True)
    assert GraphLimits.of(on, auth=AuthSettings(SOP_ENV="production")).introspection


async def test_the_readme_examples_and_graphiql_introspection_pass_the_default_limits() -> None:
    examples = re.findall(r"```graphql\n(.*?)```", README.read_text(), re.DOTALL)
    assert examples
    introspection = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    calls: list[str] = []
    async with gateway_over({name: empty(calls) for name in UPSTREAMS}) as (_, client):
        for query in [*examples, introspection]:
            body = (await client.post("/graphql", json={"query": query})).json()
            assert "errors" not in body, body["errors"]
