"""A deterministic demo company: ``build_demo`` makes its data, ``load_demo`` loads it.

The data is built as the contract models of the three services and loaded only through
their HTTP APIs, as an ERP integration would; the demand reviews are run through the demand
service's API by the demo's people, each with their own role.
"""

from sop.demo.build import DemandReview, DemoData, ReviewInput, build_demo
from sop.demo.catalogue import BOTTLENECK_RESOURCE, PEOPLE
from sop.demo.load import (
    LoadReport,
    ServiceClients,
    ServiceUrls,
    load_demo,
    load_into,
    people_tokens,
    services_without_data,
)

__all__ = [
    "BOTTLENECK_RESOURCE",
    "PEOPLE",
    "DemandReview",
    "DemoData",
    "LoadReport",
    "ReviewInput",
    "ServiceClients",
    "ServiceUrls",
    "build_demo",
    "load_demo",
    "load_into",
    "people_tokens",
    "services_without_data",
]
