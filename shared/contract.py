"""The contract every route keeps: it takes only what its OpenAPI declares, and its OpenAPI
documents every answer it can give.

``install_contract`` (run by ``shared.app.create_process_app`` on every process) does both:

- Unknown query parameters are refused with 422 problem+json naming each one
  (``reject_unknown_query_parameters``, a dependency of every route): ``GET /prices?period=
  2028-11`` is a mistake to report, not a filter to ignore. A query model cannot say it
  alone (``extra="forbid"`` on a FastAPI query model swallows every query parameter that
  another dependency declares, the page's ``limit`` and ``offset`` included).
- The OpenAPI documents each error answer as ``application/problem+json`` with the
  ``Problem`` schema, and adds to each operation the statuses that shared mechanisms give,
  by rule (``PROBLEM_RULES``); a route's decorator adds what only it knows (a 404 of a
  ``/latest``, a 409 of a state rule). An operation that takes ``If-Match`` needs it: the
  header is documented as required, in the form ``shared.concurrency`` parses, with its 428.
"""

import json
from collections.abc import Callable, Iterator, Sequence
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from shared.errors import PROBLEM_MEDIA_TYPE, FieldError, Problem, ValidationFailed

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
IF_MATCH_PATTERN = r'^(W/)?"[0-9]{1,18}"$'
"""An ``If-Match`` as ``shared.concurrency.parse_if_match`` reads it: one version, quoted."""

# Routers that parse their own query string: strawberry's GraphQL over HTTP (query,
# variables, operationName); its contract is the GraphQL schema.
SELF_PARSING_MODULES = ("strawberry",)
SELF_DOCUMENTED_TAGS = frozenset({"graphql"})


# --- unknown query parameters -------------------------------------------------------------


def _unwrapped(annotation: Any) -> Any:
    """``M`` of ``Annotated[M, ...]`` and of ``M | None``."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        annotation = members[0] if len(members) == 1 else annotation
    return annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a query parameter stands for (``Annotated[M, Query()]``, ``M |
    None``), if it is one."""
    annotation = _unwrapped(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _repeatable(annotation: Any) -> bool:
    """A query parameter typed as a list (or set, tuple) takes each value given."""
    return get_origin(_unwrapped(annotation)) in (list, set, frozenset, tuple, Sequence)


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def declared_query_parameters(route: APIRoute) -> dict[str, bool]:
    """Every query parameter the route and its dependencies declare, the fields of query
    models included (by alias), each with whether it may be given more than once. The
    dependencies of the routers a route is mounted with read headers only (the bearer
    token), so the route's own dependant holds them all."""
    names: dict[str, bool] = {}
    for dependant in _dependants(route.dependant):
        for field in dependant.query_params:
            model = _model_of(field.field_info.annotation)
            if model is None:
                names[field.alias] = _repeatable(field.field_info.annotation)
                continue
            for name, info in model.model_fields.items():
                names[info.alias or name] = _repeatable(info.annotation)
    return names


# Kept on the route object itself (never in a table by id: a route of a stopped app may leave
# its address to another route).
_DECLARED = "_sop_declared_query_parameters"


def reject_unknown_query_parameters(request: Request) -> None:
    """Refuse a query parameter the route does not declare, and a single-valued one given
    more than once (its last value would silently win): 422, one error per name."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    if route.endpoint.__module__.startswith(SELF_PARSING_MODULES):
        return
    declared: dict[str, bool] | None = getattr(route, _DECLARED, None)
    if declared is None:
        declared = declared_query_parameters(route)
        setattr(route, _DECLARED, declared)
    takes = (
        f"this operation takes {', '.join(sorted(declared))}"
        if declared
        else "this operation takes no query parameters"
    )
    names = list(dict.fromkeys(request.query_params))
    unknown = [name for name in names if name not in declared]
    repeated = {
        name: count
        for name in names
        if name in declared
        and not declared[name]
        and (count := len(request.query_params.getlist(name))) > 1
    }
    if not unknown and not repeated:
        return
    parts = [f"unknown query parameter(s) {', '.join(unknown)}: {takes}"] if unknown else []
    if repeated:
        parts.append(f"given more than once, taking one value: {', '.join(repeated)}")
    raise ValidationFailed(
        "; ".join(parts),
        errors=[
            FieldError(field=f"query.{name}", reason=f"unknown query parameter; {takes}")
            for name in unknown
        ]
        + [
            FieldError(field=f"query.{name}", reason=f"given {count} times; it takes one value")
            for name, count in repeated.items()
        ],
    )


# --- the documented answers -----------------------------------------------------------------


class Operation:
    """What the rules look at in one OpenAPI operation."""

    def __init__(self, method: str, operation: dict[str, Any]) -> None:
        self.method = method
        self.operation = operation
        parameters: list[dict[str, Any]] = operation.get("parameters", [])
        self.has_body = "requestBody" in operation
        self.secured = bool(operation.get("security"))
        self.write = method in WRITE_METHODS
        self.names_something = any(parameter["in"] == "path" for parameter in parameters)
        self.if_match = next(
            (
                parameter
                for parameter in parameters
                if parameter["in"] == "header" and parameter["name"].lower() == "if-match"
            ),
            None,
        )


INVALID_INPUT = (
    "Invalid input, every bad field listed: a parameter or body field out of its schema, an "
    "unknown query parameter or body field, or a rule of the data"
)
PROBLEM_RULES: Sequence[tuple[int, str, Callable[[Operation], bool]]] = (
    (400, "The body is not JSON", lambda op: op.has_body),
    (
        401,
        "No bearer token, or one that is refused (WWW-Authenticate says which)",
        lambda op: op.secured,
    ),
    (403, "Your roles do not allow this write", lambda op: op.secured and op.write),
    (404, "Nothing with this id", lambda op: op.names_something),
    (
        409,
        "The write conflicts with the data: a duplicate key, a row still referenced, a "
        "state that refuses it, or a concurrent write",
        lambda op: op.write,
    ),
    (413, "The body is larger than SOP_<P>_MAX_BODY_BYTES", lambda op: op.has_body),
    (422, INVALID_INPUT, lambda op: True),
    (
        428,
        "If-Match (the version read, its ETag) is missing",
        lambda op: op.if_match is not None,
    ),
    (503, "The database is unavailable or busy; retry later", lambda op: True),
)


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete", "head", "options", "trace"}:
                yield method, operation


def _add_problem_schemas(schema: dict[str, Any]) -> None:
    definitions = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in definitions.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("Problem", definitions)


def _drop_unreferenced(schema: dict[str, Any], names: Sequence[str]) -> None:
    """Drop FastAPI's own validation-error schemas once no answer refers to them."""
    components = schema.get("components", {}).get("schemas", {})
    for name in names:
        if f'"#/components/schemas/{name}"' not in json.dumps(schema):
            components.pop(name, None)


def _require_if_match(parameter: dict[str, Any]) -> None:
    """``If-Match`` as the write needs it: required (428 without), one quoted version."""
    declared = parameter.get("schema", {})
    string: dict[str, Any] = next(
        (member for member in declared.get("anyOf", [declared]) if member.get("type") == "string"),
        {},
    )
    parameter["required"] = True
    parameter["schema"] = {**string, "type": "string", "pattern": IF_MATCH_PATTERN}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Make ``schema`` (an OpenAPI document) tell the answers its operations really give.

    Idempotent: it may run again on a document it already rewrote."""
    _add_problem_schemas(schema)
    for method, operation in _operations(schema):
        if SELF_DOCUMENTED_TAGS.intersection(operation.get("tags", ())):
            continue
        op = Operation(method, operation)
        responses: dict[str, Any] = operation.setdefault("responses", {})
        for status, description, applies in PROBLEM_RULES:
            if applies(op) and str(status) not in responses:
                responses[str(status)] = {"description": description}
        for code, response in responses.items():
            if code[0] in "45":
                if response.get("description") == "Validation Error":  # FastAPI's own 422
                    response["description"] = INVALID_INPUT
                response["content"] = _problem_content()
        if op.if_match is not None:
            _require_if_match(op.if_match)
        operation["responses"] = dict(sorted(responses.items()))
    _drop_unreferenced(schema, ["HTTPValidationError", "ValidationError"])
    return schema


def install_contract(app: FastAPI) -> None:
    """Before the app's routers are included: every route refuses unknown query parameters,
    and the app's OpenAPI documents its problems (``document_problems``)."""
    app.router.dependencies.append(Depends(reject_unknown_query_parameters))
    generate = app.openapi
    documented: list[int] = []

    def openapi() -> dict[str, Any]:
        schema = generate()
        if not documented or documented[0] != id(schema):
            document_problems(schema)
            documented[:] = [id(schema)]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
