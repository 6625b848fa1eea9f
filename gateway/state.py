"""What the gateway's routes and resolvers share for the app's lifetime."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from gateway.clients import Upstreams
from gateway.solver.runner import SolverRunner
from shared.settings import GatewaySettings


@dataclass(frozen=True)
class GatewayState:
    settings: GatewaySettings
    engine: Engine
    upstreams: Upstreams
    solver: SolverRunner


def gateway_state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


GatewayStateDep = Annotated[GatewayState, Depends(gateway_state)]
