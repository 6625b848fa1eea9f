"""Every route of every process has a stable OpenAPI operation id, ``<tag>-<name>``: generated
clients keep their method names. The ids are committed (``operation_ids.json``), so a
renamed one shows in review as a change to that file."""

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from sop.supervisor import PROCESSES

COMMITTED = Path(__file__).with_name("operation_ids.json")
OPERATION_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*-[a-z_][a-z0-9_]*$")
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def app_of(factory: str) -> FastAPI:
    module, name = factory.split(":")
    app: FastAPI = getattr(__import__(module, fromlist=[name]), name)()
    return app


def operations(app: FastAPI) -> list[str]:
    paths = app.openapi()["paths"]
    return sorted(
        f"{method.upper()} {path} {operation['operationId']}"
        for path, item in paths.items()
        for method, operation in item.items()
        if method in METHODS
    )


@pytest.mark.parametrize(("name", "factory"), [(name, factory) for name, factory, *_ in PROCESSES])
def test_operation_ids_are_tag_and_name_unique_and_committed(name: str, factory: str) -> None:
    found = operations(app_of(factory))
    ids = [line.rsplit(" ", 1)[1] for line in found]
    assert all(OPERATION_ID.match(operation_id) for operation_id in ids), ids
    assert len(set(ids)) == len(ids)
    assert found == json.loads(COMMITTED.read_text())[name], (
        f"the {name} API's operations changed: regenerate {COMMITTED.name} and review the "
        "difference (a renamed operation id renames a generated client's method)"
    )
