"""Partial bulk rows never erase a field, on every bulk endpoint (the generated company's
loads, customers, workforce, family groups and the actuals): a bulk PATCH merges (a field
left out keeps its value), a bulk PUT that leaves out any field of a stored row whose value
is not the field's default is refused with 422 naming it (a required field is a 422 by
itself) and writes nothing, a new row without a required field is refused, and a GET -> PUT
round trip answers ``unchanged``."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from services.supply.main import create_app as create_supply
from shared.auth import Role
from shared.contracts.demand import CustomerBase
from shared.contracts.finance import CostActualBase, FamilyGroupBase, RevenueActualBase
from shared.contracts.supply import (
    CapacityMode,
    ProductionActualBase,
    ResourceActualBase,
    ResourceBase,
    WorkforceBase,
)
from shared.settings import DemandSettings, FinanceSettings, SupplySettings
from sop.demo.generator import build_company
from tests.tokens import bearer

DATA = build_company(families=2, seed=1, coupling=0.0, start="2027-01")
FACTORIES = {
    "demand": (create_demand, DemandSettings),
    "supply": (create_supply, SupplySettings),
    "finance": (create_finance, FinanceSettings),
}
CREW = ResourceBase(code="CREW-1", name="Crewed cell", capacity_mode=CapacityMode.workforce)
FAMILY, SEGMENT, RESOURCE = DATA.families[0].code, DATA.segments[0].code, DATA.resources[0].code
# What each endpoint needs loaded first (its references).
PREREQUISITES: dict[str, list[tuple[str, list[Any]]]] = {
    "demand": [("/segments", DATA.segments), ("/families", DATA.families)],
    "supply": [("/resources", [*DATA.resources, CREW])],
    "finance": [],
}
# (service, path, one full row, its natural key, a field to change by PATCH, a field with a
# default that a partial PUT would reset: the row's value differs from the default).
CASES = [
    ("demand", "/segments", DATA.segments[0], ("code",), "name", "priority"),
    ("demand", "/families", DATA.families[0], ("code",), "name", None),
    (
        "demand",
        "/history",
        DATA.history[0],
        ("family_code", "segment_code", "period"),
        "quantity",
        None,
    ),
    ("supply", "/resources", DATA.resources[0], ("code",), "name", "site"),
    (
        "supply",
        "/capacity",
        DATA.capacity[0],
        ("resource_code", "period"),
        "regular_hours",
        "max_overtime_hours",
    ),
    (
        "supply",
        "/routings",
        DATA.routings[0],
        ("family_code", "resource_code"),
        "hours_per_unit",
        None,
    ),
    (
        "supply",
        "/inventory-policies",
        DATA.inventory_policies[0],
        ("family_code",),
        "initial_on_hand",
        "safety_stock",
    ),
    (
        "finance",
        "/prices",
        DATA.prices[0],
        ("family_code", "segment_code", "period"),
        "price",
        None,
    ),
    (
        "finance",
        "/unit-costs",
        DATA.unit_costs[0],
        ("family_code", "effective_from"),
        "variable_cost",
        None,
    ),
    ("finance", "/lever-costs", DATA.lever_costs[0], ("lever", "code"), "cost", None),
    ("finance", "/aop", DATA.aop[0], ("period", "family_group"), "revenue", "quantity"),
    (
        "demand",
        "/customers",
        CustomerBase(
            code="C001",
            name="Customer one",
            segment_code=SEGMENT,
            annual_revenue=1_000_000.0,
            gross_margin_pct=0.3,
            strategic_importance=5,
        ),
        ("code",),
        "name",
        "strategic_importance",
    ),
    (
        "supply",
        "/workforce",
        WorkforceBase(
            resource_code=CREW.code,
            period="2027-01",
            workers=12.0,
            hours_per_worker=160.0,
            overtime_hours_per_worker=16.0,
        ),
        ("resource_code", "period"),
        "workers",
        "overtime_hours_per_worker",
    ),
    (
        "supply",
        "/production-actuals",
        ProductionActualBase(
            family_code=FAMILY, period="2027-01", production=120.0, ending_inventory=30.0
        ),
        ("family_code", "period"),
        "production",
        None,
    ),
    (
        "supply",
        "/resource-actuals",
        ResourceActualBase(resource_code=RESOURCE, period="2027-01", hours_used=420.0),
        ("resource_code", "period"),
        "hours_used",
        None,
    ),
    (
        "finance",
        "/family-groups",
        FamilyGroupBase(family_code=FAMILY, family_group="GROUP-A"),
        ("family_code",),
        "family_group",
        None,
    ),
    (
        "finance",
        "/revenue-actuals",
        RevenueActualBase(
            family_code=FAMILY,
            segment_code=SEGMENT,
            period="2027-01",
            quantity=80.0,
            revenue=8000.0,
        ),
        ("family_code", "segment_code", "period"),
        "revenue",
        None,
    ),
    (
        "finance",
        "/cost-actuals",
        CostActualBase(family_code=FAMILY, period="2027-01", cost_of_goods_sold=3200.0),
        ("family_code", "period"),
        "cost_of_goods_sold",
        None,
    ),
]


@pytest.fixture(params=CASES, ids=[case[1] for case in CASES])
def case(request: pytest.FixtureRequest, database_url: str) -> Iterator[tuple[Any, ...]]:
    service, *rest = request.param
    create_app, settings = FACTORIES[service]
    with TestClient(
        create_app(settings(database_url=database_url)),
        headers=bearer(Role.integration, subject="loader"),
    ) as client:
        for path, items in PREREQUISITES[service]:
            if path != rest[0]:
                loaded = client.put(path, json=[item.model_dump(mode="json") for item in items])
                assert loaded.status_code == 200, loaded.text
        yield (client, *rest)


def stored(client: TestClient, path: str, key: dict[str, Any]) -> dict[str, Any]:
    params = {name: value for name, value in key.items() if value is not None}
    if path in ("/segments", "/families", "/resources"):
        answer = client.get(f"{path}/{key['code']}")
        assert answer.status_code == 200, answer.text
        return answer.json()
    items = [
        item
        for item in client.get(path, params={"limit": 5000}).json()["items"]
        if all(item[name] == value for name, value in key.items())
    ]
    assert len(items) == 1, (params, items)
    return items[0]


def changed(value: Any) -> Any:
    return f"{value}-CHANGED" if isinstance(value, str) else round(value * 1.5 + 1, 2)


def test_a_partial_row_never_erases_a_field(case: tuple[Any, ...]) -> None:
    client, path, row, key_names, field, resettable = case
    full = row.model_dump(mode="json")
    key = {name: full.get(name) for name in key_names}
    assert client.put(path, json=[full]).json()["created"] == 1

    merged = client.patch(path, json=[{**key, field: changed(full[field])}])
    assert merged.status_code == 200, merged.text
    assert merged.json() == {"created": 0, "updated": 1, "unchanged": 0}
    after = stored(client, path, key)
    assert after[field] == changed(full[field])
    assert {name: after[name] for name in full if name != field} == {
        name: value for name, value in full.items() if name != field
    }

    # A GET -> PUT round trip changes nothing.
    read = {name: after[name] for name in full}
    assert client.put(path, json=[read]).json() == {"created": 0, "updated": 0, "unchanged": 1}

    if resettable is not None:
        partial = {name: value for name, value in read.items() if name != resettable}
        refused = client.put(path, json=[partial])
        assert refused.status_code == 422, refused.text
        assert [error["field"] for error in refused.json()["errors"]] == [f"body.0.{resettable}"]
        assert stored(client, path, key)[resettable] == full[resettable]

    # Any field of the stored row left out of a PUT: refused, named, nothing written.
    fields = type(row).model_fields
    for name in [n for n in read if n not in key_names]:
        if not fields[name].is_required() and fields[name].get_default() == read[name]:
            continue  # left out, its default is what is stored: the row stays as it is
        partial = {other: value for other, value in read.items() if other != name}
        refused = client.put(path, json=[partial])
        assert refused.status_code == 422, (name, refused.text)
        assert [error["field"] for error in refused.json()["errors"]] == [f"body.0.{name}"]
        assert stored(client, path, key) == after


def test_a_new_row_by_patch_needs_its_required_fields(case: tuple[Any, ...]) -> None:
    client, path, row, key_names, field, _ = case
    full = row.model_dump(mode="json")
    key = {name: full.get(name) for name in key_names}
    required = [name for name, info in type(row).model_fields.items() if info.is_required()]
    # An inventory policy has no required field beyond its key: its defaults make a row.
    for missing in [name for name in required if name not in key_names][:1]:
        partial = {name: value for name, value in full.items() if name != missing}
        refused = client.patch(path, json=[partial])
        assert refused.status_code == 422, refused.text
        assert [error["field"] for error in refused.json()["errors"]] == [f"body.0.{missing}"]
    created = client.patch(path, json=[full])
    assert created.json() == {"created": 1, "updated": 0, "unchanged": 0}, created.text
    assert stored(client, path, key)[field] == full[field]
