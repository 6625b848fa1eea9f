"""The committed GraphQL schema (the contract front-end teams generate code from) is the one
the gateway serves: a change to the graph shows in review as a change to this file."""

from pathlib import Path

from typer.testing import CliRunner

from gateway import graph
from gateway.graph.schema import schema
from sop.cli import app

SCHEMA_FILE = Path(graph.__file__).parent / "schema.graphql"


def test_the_committed_schema_is_the_served_one() -> None:
    assert SCHEMA_FILE.read_text() == schema.as_str() + "\n", (
        "the graph changed: run `sop graphql-schema > gateway/graph/schema.graphql` and review "
        "the difference (a removed or renamed field breaks front ends)"
    )


def test_sop_prints_the_schema() -> None:
    result = CliRunner().invoke(app, ["graphql-schema"])
    assert result.exit_code == 0
    assert result.output == SCHEMA_FILE.read_text()
