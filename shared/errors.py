"""RFC 9457 problem details: domain errors raised by services, one place that renders them.

Services raise the exceptions below; ``install_problem_handlers`` turns them, request
validation errors, HTTP errors and database errors into ``application/problem+json`` bodies
with a stable ``code`` and per-field ``errors``. A database that is busy (no connection free
within the pool timeout) or unavailable answers 503 with ``Retry-After``.
"""

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("sop.errors")


class FieldError(BaseModel):
    """One reason a request was refused, and the field it concerns."""

    field: str = Field(examples=["body.lines.0.family_code"])
    reason: str = Field(examples=["unknown family code 'FAM-99'"])


class Problem(BaseModel):
    """RFC 9457 problem details with a stable machine-readable ``code``."""

    type: str = Field(examples=["urn:sop:problem:validation-error"])
    title: str
    status: int
    detail: str = ""
    instance: str | None = None
    code: str = Field(examples=["validation-error"])
    errors: list[FieldError] = Field(default_factory=list)
    extra: dict[str, Any] | None = Field(
        default=None, description="Problem-specific data, e.g. the current version on a conflict."
    )


class DomainError(Exception):
    """Base class: an error a client can act on, rendered as problem+json."""

    status: int = 400
    code: str = "bad-request"
    # Seconds after which a refused request may be tried again, sent as Retry-After.
    retry_after_seconds: int | None = None

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        errors: Sequence[FieldError] = (),
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        if field is not None:
            self.errors.insert(0, FieldError(field=field, reason=detail))
        self.extra = extra
        # Errors a client should retry say when (a 503 busy database, a 429).
        self.headers: dict[str, str] = (
            {}
            if self.retry_after_seconds is None
            else {"Retry-After": str(self.retry_after_seconds)}
        )


class NotFound(DomainError):
    status = 404
    code = "not-found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class ValidationFailed(DomainError):
    status = 422
    code = "validation-error"


def bearer_challenge(*, invalid_token: bool = False) -> str:
    """The ``WWW-Authenticate`` value of a 401 (RFC 6750): ``error="invalid_token"`` only when
    a token was given and refused; a request without one gets the bare challenge (section 3.1)."""
    return 'Bearer realm="sop", error="invalid_token"' if invalid_token else 'Bearer realm="sop"'


class Unauthorized(DomainError):
    """No usable credentials; ``invalid_token`` when a bearer token was given but refused."""

    status = 401
    code = "unauthorized"

    def __init__(self, detail: str, *, invalid_token: bool = False) -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": bearer_challenge(invalid_token=invalid_token)}


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class DatabaseBusy(DomainError):
    """No database connection came free within the pool timeout (503): retry shortly."""

    status = 503
    code = "database-busy"
    retry_after_seconds = 1


class DatabaseUnavailable(DomainError):
    """The database could not be reached or failed (503): retry later."""

    status = 503
    code = "database-unavailable"
    retry_after_seconds = 5


class UpstreamFailed(DomainError):
    """A service this one depends on was unreachable or answered with an error."""

    status = 502
    code = "upstream-error"


def problem_response(
    *,
    status: int,
    code: str,
    detail: str,
    instance: str | None = None,
    errors: Sequence[FieldError] = (),
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    problem = Problem(
        type=f"urn:sop:problem:{code}",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        code=code,
        errors=list(errors),
        extra=extra,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _location(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def validation_errors(raw: Sequence[Any]) -> list[FieldError]:
    """Pydantic error dicts as field errors, with the offending location joined by dots."""
    return [
        FieldError(field=_location(err.get("loc", ())), reason=err.get("msg", "")) for err in raw
    ]


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """The methods some route of the app answers on the request's path (the ``Allow`` of a
    405): each method is routed as the request was, and kept when a route matches fully."""
    allowed = []
    for method in HTTP_METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


_TEMPLATE_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@lru_cache(maxsize=1024)
def _template_regex(template: str) -> re.Pattern[str]:
    """An OpenAPI path template as a regex taking any segment for each parameter."""
    parts = _TEMPLATE_PARAMETER.split(template)
    return re.compile(
        "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
            for index, part in enumerate(parts)
        )
    )


def malformed_path_id(request: Request) -> FieldError | None:
    """The id of a path that names an operation but for an id that is not a whole number
    (``/prices/abc``): integer path parameters route digits only (so that a sibling path,
    ``/inventory-policies/safety-stock``, is not taken for an id), and the 404 the router
    gives such a path is better said as a 422 naming the parameter."""
    method = request.method.lower()
    for template, item in request.app.openapi().get("paths", {}).items():
        operation = item.get(method)
        if operation is None or "{" not in template:
            continue
        match = _template_regex(template).fullmatch(request.url.path)
        if match is None:
            continue
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            integer = parameter.get("schema", {}).get("type") == "integer"
            if parameter["in"] == "path" and integer and not match.group(name).isdigit():
                return FieldError(field=f"path.{name}", reason="an id is a whole number")
    return None


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as problem+json; nothing escapes as a bare 500."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(
            status=exc.status,
            code=exc.code,
            detail=exc.detail,
            instance=request.url.path,
            errors=exc.errors,
            extra=exc.extra,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc.errors())
        fields = ", ".join(sorted({e.field for e in errors})[:5])
        return problem_response(
            status=422,
            code="validation-error",
            detail=f"The request is invalid: {fields}",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-")
        headers = dict(getattr(exc, "headers", None) or {})
        malformed = malformed_path_id(request) if exc.status_code == 404 else None
        if malformed is not None:
            return problem_response(
                status=422,
                code="validation-error",
                detail=f"The request is invalid: {malformed.field}",
                instance=request.url.path,
                errors=[malformed],
            )
        if exc.status_code == 405:
            # The router names the methods of the first route on the path; a path has several.
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem_response(
            status=exc.status_code,
            code=code,
            detail=str(exc.detail),
            instance=request.url.path,
            headers=headers or None,
        )

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # Unique keys are checked before writing; this catches a concurrent writer.
        return problem_response(
            status=409,
            code="conflict",
            detail=(
                "The write conflicts with existing data: a duplicate key, a row that is "
                "still referenced, or a concurrent write."
            ),
            instance=request.url.path,
        )

    @app.exception_handler(PoolTimeout)
    async def pool_timeout(request: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("no database connection free on %s: %s", request.url.path, exc)
        return await domain_error(
            request, DatabaseBusy("Every database connection is busy; retry shortly.")
        )

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        log.exception("database error on %s", request.url.path)
        return await domain_error(
            request,
            DatabaseUnavailable("The database could not complete the request; retry later."),
        )
