"""Typed async clients of the demand, supply and finance services.

Every method is one list call with filters (paged with ``shared.http.fetch_all``) or one
read; answers are parsed into the contract ``*Public`` models, so a service that breaks its
contract is a 502, never a crash further in.
"""

from gateway.clients.base import ServiceClient
from gateway.clients.demand import DemandClient
from gateway.clients.finance import FinanceClient
from gateway.clients.supply import SupplyClient
from gateway.clients.upstreams import UPSTREAM_NAMES, Upstreams

__all__ = [
    "UPSTREAM_NAMES",
    "DemandClient",
    "FinanceClient",
    "ServiceClient",
    "SupplyClient",
    "Upstreams",
]
