"""The graph fuzzed: queries and mutations generated from the schema by schemathesis, sent as
a process owner over the small company; no answer may be an internal error."""

import pytest
import schemathesis
from graphql import StringValueNode, introspection_from_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.graph.schema import schema
from tests.gateway.company import Company
from tests.gateway.conftest import Platform

pytestmark = pytest.mark.anyio

EXAMPLES_PER_FIELD = 4


def _strings(valid: str) -> st.SearchStrategy[StringValueNode]:
    """Mostly well-formed values, some arbitrary text: both must be answered, never a 500."""
    text = st.one_of(st.from_regex(valid, fullmatch=True), st.text(max_size=12))
    return text.map(lambda value: StringValueNode(value=value))


schemathesis.graphql.scalar("Code", _strings(r"[A-Z][A-Z0-9-]{1,6}"))
schemathesis.graphql.scalar("Period", _strings(r"20[0-9]{2}-(0[1-9]|1[0-2])"))
schemathesis.graphql.scalar("Date", _strings(r"20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"))
schemathesis.graphql.scalar("DateTime", _strings(r"20[0-9]{2}-0[1-9]-1[0-9]T1[0-9]:00:00Z"))
schemathesis.graphql.scalar("JSON", _strings(r"[a-z]{1,8}"))


def generated_documents() -> list[str]:
    """Queries and mutations per root field, derandomized so every run sends the same."""
    fuzzed = schemathesis.graphql.from_dict({"data": introspection_from_schema(schema._schema)})
    documents: list[str] = []
    for result in fuzzed.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_FIELD,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def collect(case: schemathesis.Case) -> None:
            documents.append(str(case.body))

        collect()
    return documents


async def test_no_generated_document_is_an_internal_error(platform: Platform) -> None:
    await Company(families=3).load(
        demand=platform.demand, supply=platform.supply, finance=platform.finance
    )
    documents = generated_documents()
    assert len(documents) > 50
    internal = []
    for document in documents:
        answer = await platform.gateway.post("/graphql", json={"query": document})
        body = answer.json() if answer.headers.get("content-type", "").endswith("json") else {}
        # A refused document (validation, a scalar) has no path; a field that failed does, and
        # it failed as a domain error when it carries a problem code: anything else escaped.
        escaped = [
            error
            for error in body.get("errors") or []
            if error.get("path") and not (error.get("extensions") or {}).get("code")
        ]
        if answer.status_code >= 500 or escaped:
            internal.append((document[:300], answer.status_code, escaped))
    assert internal == []
