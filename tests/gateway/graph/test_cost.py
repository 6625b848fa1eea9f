"""The cost rule of ``gateway.graph.cost``: the examples of its docstring, lists bounded by
their arguments, fragments counted where spread (and estimated in linear time)."""

import time
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

from gateway.graph.cost import operation_cost
from gateway.graph.schema import schema


def cost_of(query: str, **variables: Any) -> float:
    document = parse(query)
    [operation] = [
        definition
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    return operation_cost(
        schema=schema._schema, document=document, operation=operation, variables=variables
    )


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        ('{ family(code: "A") { code name } }', 3),
        ("{ families { code routings { resourceCode } } }", 10 * (1 + 1 + 10 * (1 + 1))),
        ("{ consensusPlans(limit: 2) { version } }", 2 * (1 + 1)),
        ("{ consensusPlans { version } }", 20 * (1 + 1)),
        ("{ __typename latestConsensusPlan { periods } }", 1 + 1 * (1 + 10)),
        ("{ unknown { field } families { nope } }", 1 * (1 + 1) + 10 * (1 + 1)),
    ],
)
def test_the_rule_of_the_docstring(query: str, cost: int) -> None:
    assert cost_of(query) == cost


def test_a_limit_given_as_a_variable_bounds_the_list() -> None:
    query = "query Plans($n: Int!) { consensusPlans(limit: $n) { version } }"
    assert cost_of(query, n=3) == 3 * 2
    assert cost_of(query) == 20 * 2  # no value: the schema's default


def test_fragments_cost_where_they_are_spread() -> None:
    spread = """
    { families { ...Names } family(code: "A") { ...Names } }
    fragment Names on Family { code name routings { resourceCode } }
    """
    names = 1 + 1 + 10 * 2
    assert cost_of(spread) == 10 * (1 + names) + 1 * (1 + names)
    inline = '{ family(code: "A") { ... on Family { code } } }'
    assert cost_of(inline) == 1 + 1


def test_a_fragment_bomb_is_estimated_at_once() -> None:
    # Each fragment spreads the next twice: 2^40 fields, estimated without expanding them.
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
    query = "{ ...F0 } " + fragments + " fragment F40 on Query { __typename }"
    started = time.monotonic()
    assert cost_of(query) == 2**40
    assert time.monotonic() - started < 0.5


def test_cycles_and_missing_fragments_cost_nothing_here() -> None:
    cyclic = "{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }"
    assert cost_of(cyclic) == 1
    assert cost_of("{ ...Missing }") == 0


def test_what_the_schema_does_not_know_is_walked_all_the_same() -> None:
    # Validation refuses these after the estimate: they must not hide a costly selection.
    bomb = " ".join(
        f"fragment F{i} on Nope {{ a: x {{ ...F{i + 1} }} b: x {{ ...F{i + 1} }} }}"
        for i in range(30)
    )
    query = "{ nope { ...F0 } } " + bomb + " fragment F30 on Nope { x }"
    assert cost_of(query) > 2**30


def test_nesting_beyond_the_estimate_is_infinite() -> None:
    deep = '{ family(code: "A") { ' + "routings { family { " * 55 + "code" + " } }" * 55 + " } }"
    assert cost_of(deep) == float("inf")
