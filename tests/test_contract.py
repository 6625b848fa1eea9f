"""What every process's OpenAPI promises, checked on the document itself: errors are
problem+json, each operation lists the statuses its shape implies, If-Match is required
where it is taken, bodies are closed, one period pattern, and no constraint pydantic could
not put in the schema. (``tests/test_schemathesis.py`` checks the answers against it.)"""

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from shared.contract import IF_MATCH_PATTERN, SELF_DOCUMENTED_TAGS, WRITE_METHODS
from shared.errors import PROBLEM_MEDIA_TYPE
from shared.types import PERIOD_PATTERN
from sop.supervisor import PROCESSES
from tests.test_operation_ids import METHODS, app_of

NAMES = [name for name, *_ in PROCESSES]


@cache
def document(name: str) -> dict[str, Any]:
    factory = next(factory for process, factory, *_ in PROCESSES if process == name)
    schema: dict[str, Any] = app_of(factory).openapi()
    return schema


def operations(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document(name)["paths"].items():
        for method, operation in item.items():
            if method in METHODS and not SELF_DOCUMENTED_TAGS & set(operation.get("tags", [])):
                yield f"{method.upper()} {path}", operation


def resolve(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document(name)["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def objects_of(name: str, schema: Any, seen: set[str]) -> Iterator[dict[str, Any]]:
    """Every object schema a (request body) schema holds, references followed."""
    if isinstance(schema, list):
        for item in schema:
            yield from objects_of(name, item, seen)
        return
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen.add(schema["$ref"])
        yield from objects_of(name, resolve(name, schema), seen)
        return
    if schema.get("type") == "object" and "properties" in schema:
        yield schema
    for key in ("properties", "items", "anyOf", "oneOf", "allOf", "additionalProperties"):
        value = schema.get(key)
        if isinstance(value, dict) and key == "properties":
            value = list(value.values())
        yield from objects_of(name, value, seen)


@pytest.mark.parametrize("name", NAMES)
def test_every_error_answer_is_problem_json_and_every_operation_names_its_statuses(
    name: str,
) -> None:
    for label, operation in operations(name):
        answers = operation["responses"]
        for status, answer in answers.items():
            if status[0] in "45":
                assert list(answer["content"]) == [PROBLEM_MEDIA_TYPE], (label, status)
                schema = answer["content"][PROBLEM_MEDIA_TYPE]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (label, status)
        expected = {"422", "503"}
        if "requestBody" in operation:
            expected |= {"400", "413"}
        if operation.get("security"):
            expected.add("401")
            if label.split()[0].lower() in WRITE_METHODS:
                expected.add("403")
        if "{" in label:
            expected.add("404")
        assert expected <= set(answers), (label, sorted(expected - set(answers)))


@pytest.mark.parametrize("name", NAMES)
def test_if_match_is_required_exactly_where_a_428_is_documented(name: str) -> None:
    for label, operation in operations(name):
        headers = [
            parameter
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "header" and parameter["name"].lower() == "if-match"
        ]
        assert ("428" in operation["responses"]) == bool(headers), label
        for header in headers:
            assert header["required"] is True, label
            assert header["schema"]["pattern"] == IF_MATCH_PATTERN, label


@pytest.mark.parametrize("name", NAMES)
def test_every_request_body_refuses_fields_it_does_not_declare(name: str) -> None:
    for label, operation in operations(name):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            continue
        for schema in objects_of(name, body["schema"], set()):
            assert schema.get("additionalProperties") is False, (label, schema.get("title"))


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        node = list(node.values())
    if isinstance(node, list):
        for item in node:
            yield from patterns(item)


@pytest.mark.parametrize("name", NAMES)
def test_one_period_pattern_and_no_constraint_left_out_of_the_schema(name: str) -> None:
    months = {pattern for pattern in patterns(document(name)) if "(0[1-9]|1[0-2])" in pattern}
    assert months <= {PERIOD_PATTERN}, months
    # A constraint pydantic cannot place in a schema is emitted raw; none may be left.
    text = json.dumps(document(name))
    for raw in ('"ge":', '"le":', '"gt":', '"lt":', '"allow_inf_nan":'):
        assert raw not in text, raw
