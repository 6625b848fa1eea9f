"""``/graphql`` over HTTP: Strawberry's FastAPI router with what a public endpoint needs.

- A request body (or a GET's ``variables``/``extensions``) nested deeper than
  ``MAX_JSON_NESTING`` is refused with a 400 problem (``json-too-deep``) before anything runs.
- Each operation runs within the gateway's time budget
  (``SOP_GATEWAY_GRAPHQL_TIME_BUDGET_SECONDS``): past it, its work is cancelled and the answer
  is a GraphQL error coded ``time-budget-exceeded``.
- When the client disconnects, the operation's work is cancelled: its resolvers, the
  DataLoader batches they wait for (Strawberry cancels a batch whose every caller is
  cancelled) and the upstream calls those make.
"""

import asyncio
import json
import logging
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult

from gateway.graph.context import GraphContext
from shared.errors import DomainError

MAX_JSON_NESTING = 32
"""The deepest nesting of arrays and objects a GraphQL request's JSON may have."""

TIME_BUDGET_EXCEEDED = "time-budget-exceeded"
CLIENT_DISCONNECTED = "client-disconnected"

log = logging.getLogger("sop.graphql")


class JsonTooDeep(DomainError):
    status = 400
    code = "json-too-deep"


class GatewayGraphQLRouter(GraphQLRouter[GraphContext, None]):
    def __init__(self, schema: BaseSchema, *, time_budget_seconds: float, **options: Any) -> None:
        super().__init__(schema, **options)
        self.time_budget_seconds = time_budget_seconds

    def decode_json(self, data: str | bytes) -> object:
        try:
            value = json.loads(data)
        except RecursionError:
            value = None
        else:
            if json_nesting(value, stop_above=MAX_JSON_NESTING) <= MAX_JSON_NESTING:
                return value
        raise JsonTooDeep(
            f"the request's JSON nests arrays and objects deeper than {MAX_JSON_NESTING} levels",
            field="body",
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Any,
        context: GraphContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        work = asyncio.ensure_future(
            super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        )
        gone = asyncio.ensure_future(disconnection(request))
        try:
            done, _ = await asyncio.wait(
                {work, gone}, timeout=self.time_budget_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        except BaseException:
            abandon(work)
            raise
        finally:
            gone.cancel()
        if work in done:
            return work.result()
        abandon(work)
        if gone in done:
            log.info("GraphQL operation cancelled: the client disconnected")
            return stopped(
                "the client disconnected; the operation was cancelled", code=CLIENT_DISCONNECTED
            )
        log.warning("GraphQL operation cancelled after %g s", self.time_budget_seconds)
        return stopped(
            f"the operation ran over the time budget of {self.time_budget_seconds:g} s and was "
            "cancelled; ask for less",
            code=TIME_BUDGET_EXCEEDED,
        )


async def disconnection(request: Request) -> None:
    """Returns when the client has gone. Called once the body is read, so the next ASGI
    message is ``http.disconnect`` (a GET's empty body may come first)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def abandon(work: "asyncio.Future[Any]") -> None:
    """Cancel ``work`` without waiting: a worker thread it waits for finishes on its own."""
    work.cancel()
    work.add_done_callback(lambda done: done.cancelled() or done.exception())


def stopped(message: str, *, code: str) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])


def json_nesting(value: object, *, stop_above: int) -> int:
    """How deep arrays and objects nest in a decoded JSON ``value`` (a scalar is 0, ``[]`` is
    1), counted without recursion; stops counting once past ``stop_above``."""
    deepest = 0
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > stop_above:
            return deepest
        pending.extend((child, depth) for child in children)
    return deepest
