"""``shared.contract``: a route takes only the query parameters it declares, and its OpenAPI
documents the problems it can answer."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Path, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel

from shared.auth import CurrentUser, Role
from shared.concurrency import IfMatch, parse_if_match
from shared.contract import IF_MATCH_PATTERN, install_contract
from shared.errors import PROBLEM_MEDIA_TYPE, install_problem_handlers
from shared.pagination import PageParams
from shared.types import CLOSED, Code
from tests.tokens import bearer


class Filters(BaseModel):
    family_code: Code | None = None


class Thing(BaseModel):
    model_config = CLOSED

    name: str


def app_with_routes() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_contract(app)
    router = APIRouter(tags=["things"])

    @router.get("/things")
    def list_things(
        filters: Annotated[Filters, Query()], params: Annotated[PageParams, Depends()]
    ) -> dict[str, Any]:
        return {"family_code": filters.family_code, "limit": params.limit}

    @router.get("/things/{id}")
    def read_thing(thing_id: Annotated[int, Path(alias="id")], verbose: bool = False) -> int:
        return thing_id

    @router.post("/things")
    def create_thing(_user: CurrentUser, thing: Thing) -> Thing:
        return thing

    @router.post("/things/{id}/lock")
    def lock_thing(
        _user: CurrentUser, thing_id: Annotated[int, Path(alias="id")], version: IfMatch
    ) -> int:
        return thing_id

    @router.put("/things/{id}/note")
    def note(thing_id: Annotated[int, Path(alias="id")], text: Annotated[str, Body()]) -> str:
        return text

    app.include_router(router)
    return app


def test_unknown_query_parameters_are_refused_by_name() -> None:
    client = TestClient(app_with_routes())
    refused = client.get("/things", params={"period": "2028-11", "family_code": "F", "x": "1"})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = refused.json()
    assert [error["field"] for error in body["errors"]] == ["query.period", "query.x"]
    assert "family_code, limit, offset" in body["detail"]
    # The fields of a query model and of a dependency's parameters are all declared.
    known = client.get("/things", params={"family_code": "F", "limit": 3, "offset": 0})
    assert known.json() == {"family_code": "F", "limit": 3}
    assert client.get("/things/7", params={"verbose": "true"}).json() == 7
    no_params = client.get("/things/7", params={"verbosity": "1"}).json()
    assert no_params["errors"][0]["field"] == "query.verbosity"


def test_a_single_valued_query_parameter_given_twice_is_refused() -> None:
    client = TestClient(app_with_routes())
    refused = client.get("/things?family_code=F&family_code=G&limit=3&limit=3")
    assert refused.status_code == 422
    assert [(error["field"], error["reason"]) for error in refused.json()["errors"]] == [
        ("query.family_code", "given 2 times; it takes one value"),
        ("query.limit", "given 2 times; it takes one value"),
    ]
    assert client.get("/things?family_code=F&limit=3").status_code == 200


def test_a_list_query_parameter_takes_each_value() -> None:
    app = FastAPI()
    install_problem_handlers(app)
    install_contract(app)

    @app.get("/pick")
    def pick(codes: Annotated[list[str] | None, Query()] = None) -> list[str]:
        return codes or []

    assert TestClient(app).get("/pick?codes=A&codes=B").json() == ["A", "B"]


def test_unknown_body_fields_are_refused_by_a_closed_model() -> None:
    client = TestClient(app_with_routes(), headers=bearer(Role.viewer))
    refused = client.post("/things", json={"name": "a", "colour": "red"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.colour"


def responses_of(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    answers: dict[str, Any] = app.openapi()["paths"][path][method]["responses"]
    return answers


def test_every_problem_is_documented_as_problem_json_by_the_shape_of_the_route() -> None:
    app = app_with_routes()
    assert set(responses_of(app, "get", "/things")) == {"200", "422", "503"}
    assert set(responses_of(app, "get", "/things/{id}")) == {"200", "404", "422", "503"}
    # A body: 400 (not JSON) and 413 (too large); a token: 401, and 403 on a write; 409 on a
    # write.
    assert set(responses_of(app, "post", "/things")) == {
        "200", "400", "401", "403", "409", "413", "422", "503",
    }  # fmt: skip
    assert set(responses_of(app, "put", "/things/{id}/note")) == {
        "200", "400", "404", "409", "413", "422", "503",
    }  # fmt: skip
    schema = app.openapi()
    for item in schema["paths"].values():
        for operation in item.values():
            for status, answer in operation["responses"].items():
                if status[0] in "45":
                    assert answer["content"] == {
                        PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }
    assert {"Problem", "FieldError"} <= set(schema["components"]["schemas"])
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_if_match_is_required_where_a_write_takes_it_with_its_428() -> None:
    app = app_with_routes()
    operation = app.openapi()["paths"]["/things/{id}/lock"]["post"]
    header = next(p for p in operation["parameters"] if p["name"] == "If-Match")
    assert header["required"] is True
    assert header["schema"] == {"type": "string", "maxLength": 64, "pattern": IF_MATCH_PATTERN}
    assert "428" in operation["responses"]
    # The documented form is the one shared.concurrency reads.
    assert parse_if_match('"12"') == 12 and parse_if_match('W/"3"') == 3


def test_the_document_is_rewritten_once_and_stays_the_same() -> None:
    app = app_with_routes()
    first = app.openapi()
    assert app.openapi() is first
    assert app.openapi() == first
