"""The three upstream clients together, built from the app's long-lived HTTP clients."""

from dataclasses import dataclass

import httpx

from gateway.clients.demand import DemandClient
from gateway.clients.finance import FinanceClient
from gateway.clients.supply import SupplyClient

UPSTREAM_NAMES = ("demand", "supply", "finance")


@dataclass(frozen=True)
class Upstreams:
    demand: DemandClient
    supply: SupplyClient
    finance: FinanceClient

    @classmethod
    def over(cls, http_clients: dict[str, httpx.AsyncClient]) -> "Upstreams":
        return cls(
            demand=DemandClient(http_clients["demand"]),
            supply=SupplyClient(http_clients["supply"]),
            finance=FinanceClient(http_clients["finance"]),
        )
