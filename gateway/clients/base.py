"""What every service client shares: list calls with filters, reads, contract parsing."""

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.errors import (
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    Unauthorized,
    UpstreamFailed,
    ValidationFailed,
)
from shared.http import fetch_all, request_json, send
from shared.ndjson import parse_ndjson

ModelT = TypeVar("ModelT", bound=BaseModel)
FilterValue = str | int | float | bool | Sequence[str] | None
# An export answer up to this size is parsed on the event loop (a few ms at most).
INLINE_PARSE_BYTES = 256 * 1024

_list_adapters: dict[type[BaseModel], TypeAdapter[Any]] = {}


def _list_adapter(model: type[ModelT]) -> TypeAdapter[list[ModelT]]:
    # One adapter per model: building it costs more than validating a page.
    adapter = _list_adapters.get(model)
    if adapter is None:
        adapter = _list_adapters[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return cast(TypeAdapter[list[ModelT]], adapter)


def _status_of(exc: UpstreamFailed) -> int | None:
    status = (exc.extra or {}).get("upstream_status")
    return status if isinstance(status, int) else None


def _callers_fault(exc: UpstreamFailed, service: str) -> DomainError | None:
    """An upstream refusal of the caller's own credentials, as the caller's error (401/403):
    the gateway forwards them, so the refusal is about the caller, not a failing service."""
    status = _status_of(exc)
    if status not in (401, 403):
        return None
    body = (exc.extra or {}).get("upstream_body")
    detail = body.get("detail") if isinstance(body, dict) else None
    error = Unauthorized if status == 401 else Forbidden
    return error(f"the {service} service refused the request: {detail or status}")


def _named(exc: UpstreamFailed, service: str) -> UpstreamFailed:
    """The failure of a service, named: its detail says which service failed and its
    ``extra["upstream"]`` is the service's name, so a GraphQL error (``extensions.upstream``)
    or a problem tells the caller which upstream is missing from the answer."""
    extra = {**(exc.extra or {}), "upstream": service}
    return UpstreamFailed(f"the {service} service failed: {exc.detail}", extra=extra)


def _data_refusal(
    exc: UpstreamFailed, service: str, path: str, rename: Callable[[str], str]
) -> DomainError | None:
    """An upstream 422 on a computation the gateway posted: the data it was given cannot be
    computed (a missing price, say), which is the caller's data to fix, not a failing
    service. Fields are renamed from the upstream's body to what the caller knows."""
    if _status_of(exc) != 422:
        return None
    body = (exc.extra or {}).get("upstream_body")
    body = body if isinstance(body, dict) else {}
    errors = [
        FieldError(field=rename(str(error.get("field", ""))), reason=str(error.get("reason", "")))
        for error in body.get("errors") or []
        if isinstance(error, dict)
    ]
    detail = body.get("detail") or "the data cannot be computed"
    return ValidationFailed(f"the {service} service refused {path}: {detail}", errors=errors)


class ServiceClient:
    """A client of one upstream service over a long-lived ``httpx.AsyncClient``."""

    service: str = "service"

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def health(self) -> dict[str, Any]:
        answer = await request_json(self.http, "GET", "/health")
        return answer if isinstance(answer, dict) else {"answer": answer}

    async def list_of(self, model: type[ModelT], path: str, **filters: FilterValue) -> list[ModelT]:
        """Every item of a list endpoint matching ``filters`` (``None`` filters are left out)."""
        params = {name: value for name, value in filters.items() if value is not None}
        try:
            items = await fetch_all(self.http, path, params=params)
        except UpstreamFailed as exc:
            # A list under a parent (a plan's lines) is 404 when the parent does not exist.
            if _status_of(exc) == 404:
                raise NotFound(f"the {self.service} service has no {path}") from exc
            raise _callers_fault(exc, self.service) or _named(exc, self.service) from exc
        return self._parse(_list_adapter(model), items, path)

    async def list_matching(
        self, model: type[ModelT], path: str, filters: BaseModel
    ) -> list[ModelT]:
        """Every item of a list endpoint matching a filter model of ``shared.contracts``, sent
        as the query the endpoint declares with the same model (defaults left to it)."""
        return await self.list_of(
            model, path, **filters.model_dump(mode="json", exclude_defaults=True)
        )

    async def export_of(
        self, model: type[ModelT], path: str, **filters: FilterValue
    ) -> list[ModelT]:
        """Every item of an NDJSON export endpoint (``shared.ndjson``; ``None`` filters are
        left out): a large list in one read instead of pages."""
        params = {name: value for name, value in filters.items() if value is not None}
        try:
            answer = await send(self.http, "GET", path, params=params)
        except UpstreamFailed as exc:
            if _status_of(exc) == 404:
                raise NotFound(f"the {self.service} service has no {path}") from exc
            raise _callers_fault(exc, self.service) or _named(exc, self.service) from exc
        adapter, body = _list_adapter(model), answer.content
        try:
            if len(body) <= INLINE_PARSE_BYTES:
                return parse_ndjson(adapter, body)
            # A company's 72,000 plan lines take ~1 s to validate: in a thread, the event
            # loop gets the interpreter back every switch interval (5 ms) instead of waiting.
            return await asyncio.to_thread(parse_ndjson, adapter, body)
        except ValidationError as exc:
            raise self._contract_broken(exc, path) from exc

    async def export_matching(
        self, model: type[ModelT], path: str, filters: BaseModel
    ) -> list[ModelT]:
        """``export_of`` with a filter model of ``shared.contracts`` (as ``list_matching``)."""
        return await self.export_of(
            model, path, **filters.model_dump(mode="json", exclude_defaults=True)
        )

    async def one_of(self, model: type[ModelT], path: str, **filters: FilterValue) -> ModelT | None:
        """One resource (or computed answer, given ``filters``), or ``None`` on a 404."""
        params = {name: value for name, value in filters.items() if value is not None}
        try:
            answer = await request_json(self.http, "GET", path, params=params)
        except UpstreamFailed as exc:
            if _status_of(exc) == 404:
                return None
            raise _callers_fault(exc, self.service) or _named(exc, self.service) from exc
        return self._parse(TypeAdapter(model), answer, path)

    async def post_of(
        self,
        model: type[ModelT],
        path: str,
        body: BaseModel | None = None,
        *,
        rename: Callable[[str], str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_seconds: float | None = None,
    ) -> ModelT:
        """The answer of a computation (POST ``body``, or nothing when the path names all it
        needs). A 422 of the service stays a 422, its fields passed through ``rename``
        (default: ``body.x`` becomes ``<service><path>.x``)."""

        def default_rename(field: str) -> str:
            rest = field.removeprefix("body")
            return f"{self.service}{path.replace('/', '.')}{rest}"

        try:
            sent = await send(
                self.http,
                "POST",
                path,
                body=body,
                headers=headers,
                timeout_seconds=timeout_seconds,
            )
            answer = sent.json()
        except UpstreamFailed as exc:
            refusal = _callers_fault(exc, self.service) or _data_refusal(
                exc, self.service, path, rename or default_rename
            )
            raise refusal or _named(exc, self.service) from exc
        return self._parse(TypeAdapter(model), answer, path)

    def _parse(self, adapter: TypeAdapter[Any], data: Any, path: str) -> Any:
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            raise self._contract_broken(exc, path) from exc

    def _contract_broken(self, exc: ValidationError, path: str) -> UpstreamFailed:
        return UpstreamFailed(
            f"the {self.service} service answered {path} with data that breaks its contract",
            extra={
                "upstream": self.service,
                "contract_errors": exc.errors(include_url=False, include_input=False)[:20],
            },
        )
