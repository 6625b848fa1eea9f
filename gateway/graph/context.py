"""The context of one GraphQL request: the gateway's state and FRESH DataLoaders."""

from typing import TypeAlias

import strawberry
from fastapi import Request
from strawberry.fastapi import BaseContext

from gateway.graph.loaders import Loaders
from gateway.state import GatewayState, GatewayStateDep
from shared.auth import current_principal


class GraphContext(BaseContext):
    def __init__(self, *, state: GatewayState) -> None:
        super().__init__()
        self.state = state
        self.loaders = Loaders.build(state)


async def get_context(request: Request, state: GatewayStateDep) -> GraphContext:
    """FastAPI dependency run per request: loaders never outlive their request.

    Every operation needs a bearer token (401 otherwise): the graph serves the gateway's
    own plans and reads the services with the caller's rights. Only the GraphiQL page a
    browser loads is served without one (its header editor then carries the token).
    """
    if not _is_graphiql_page(request):
        current_principal(request)
    return GraphContext(state=state)


def _is_graphiql_page(request: Request) -> bool:
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


Info: TypeAlias = strawberry.Info[GraphContext, None]
