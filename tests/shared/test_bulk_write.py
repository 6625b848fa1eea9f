"""The set-based bulk write (``shared.bulk_write`` under ``shared.crud.upsert_many``), through
the services' bulk endpoints, on SQLite and PostgreSQL: a batch that mixes new, changed and
unchanged rows answers each count, writes the changes and audits each created and changed
row (and nothing for an unchanged one); a bad row in the middle of a batch is a 422 naming
its position and field, and nothing of the batch is written or audited; an entity list
exported as NDJSON is the list, in the same order."""

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.dialects import sqlite
from sqlmodel.sql.sqltypes import UTCDateTime

from services.demand.main import create_app as create_demand
from services.finance.main import create_app as create_finance
from shared.auth import Role
from shared.bulk_write import bound_rows
from shared.settings import DemandSettings, FinanceSettings
from tests.tokens import bearer

LOADER = {**bearer(Role.integration, subject="erp"), "X-SOP-Reason": "nightly load"}
VIEWER = bearer(Role.viewer)


@pytest.fixture
def finance(database_url: str) -> Iterator[TestClient]:
    with TestClient(
        create_finance(FinanceSettings(database_url=database_url)), headers=LOADER
    ) as client:
        yield client


@pytest.fixture
def demand(database_url: str) -> Iterator[TestClient]:
    with TestClient(
        create_demand(DemandSettings(database_url=database_url)), headers=LOADER
    ) as client:
        yield client


def price(family: str, period: str, value: float) -> dict[str, Any]:
    return {"family_code": family, "segment_code": "KEY", "period": period, "price": value}


def listed(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    answer = client.get(path, params={"limit": 5000, **params}, headers=VIEWER)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def trail(client: TestClient, entity: str) -> list[dict[str, Any]]:
    return listed(client, "/audit", entity=entity)


def test_a_mixed_batch_counts_writes_and_audits_each_row(finance: TestClient) -> None:
    first = [price("F1", "2027-01", 10.0), price("F1", "2027-02", 11.0), price("F2", "2027-01", 20)]
    assert finance.put("/prices", json=first).json() == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    ids = {(row["family_code"], row["period"]): row["id"] for row in listed(finance, "/prices")}

    # F1/2027-01 and F2/2027-01 as stored (unchanged), F1/2027-02 from 11 to 12.5 (updated),
    # F3/2027-01 new (created): 1 + 1 + 2 = the 4 rows sent.
    mixed = [
        price("F1", "2027-01", 10.0),
        price("F1", "2027-02", 12.5),
        price("F3", "2027-01", 30.0),
        price("F2", "2027-01", 20.0),
    ]
    assert finance.put("/prices", json=mixed).json() == {
        "created": 1,
        "updated": 1,
        "unchanged": 2,
    }

    stored = {(row["family_code"], row["period"]): row for row in listed(finance, "/prices")}
    assert {key: row["price"] for key, row in stored.items()} == {
        ("F1", "2027-01"): 10.0,
        ("F1", "2027-02"): 12.5,
        ("F2", "2027-01"): 20.0,
        ("F3", "2027-01"): 30.0,
    }
    # The updated row kept its id; the new one has its own.
    assert stored[("F1", "2027-02")]["id"] == ids[("F1", "2027-02")]
    assert stored[("F3", "2027-01")]["id"] not in ids.values()

    entries = trail(finance, "price")
    # 3 created by the first load, then 1 created and 1 updated: the 2 unchanged rows are
    # not audited.
    assert sorted(e["action"] for e in entries) == ["create"] * 4 + ["update"]
    assert all(e["user"] == "erp" and e["reason"] == "nightly load" for e in entries)
    created = {e["entity_id"]: e for e in entries if e["action"] == "create"}
    assert set(created) == {str(row["id"]) for row in stored.values()}
    new = created[str(stored[("F3", "2027-01")]["id"])]
    assert new["before"] is None
    assert new["after"]["price"] == 30.0 and new["after"]["family_code"] == "F3"
    assert new["entity_key"] == {"family_code": "F3", "segment_code": "KEY", "period": "2027-01"}
    (update,) = [e for e in entries if e["action"] == "update"]
    assert update["entity_id"] == str(ids[("F1", "2027-02")])
    assert update["before"] == {"price": 11.0} and update["after"] == {"price": 12.5}


def test_a_key_of_an_enum_maps_each_new_row_to_its_id(finance: TestClient) -> None:
    costs = [
        {"lever": "overtime_hour", "code": "ASSY-1", "cost": 45.0},
        {"lever": "regular_hour", "code": "ASSY-1", "cost": 30.0},
    ]
    assert finance.put("/lever-costs", json=costs).json()["created"] == 2
    costs[0]["cost"] = 50.0
    assert finance.put("/lever-costs", json=costs).json() == {
        "created": 0,
        "updated": 1,
        "unchanged": 1,
    }
    ids = {row["lever"]: row["id"] for row in listed(finance, "/lever-costs")}
    entries = trail(finance, "lever_cost")
    assert {(e["action"], e["entity_id"]) for e in entries} == {
        ("create", str(ids["overtime_hour"])),
        ("create", str(ids["regular_hour"])),
        ("update", str(ids["overtime_hour"])),
    }


def test_a_bad_row_in_the_middle_writes_nothing(demand: TestClient) -> None:
    assert (
        demand.put("/segments", json=[{"code": "KEY", "name": "Key accounts"}]).status_code == 200
    )
    assert demand.put("/families", json=[{"code": "F1", "name": "One"}]).status_code == 200
    history = [
        {"family_code": "F1", "segment_code": "KEY", "period": f"2026-0{month}", "quantity": 5.0}
        for month in range(1, 6)
    ]
    assert demand.put("/history", json=history[:2]).json()["created"] == 2
    before = trail(demand, "demand_history")

    # Row 2 names a family that does not exist; rows 0-1 would change and 3-4 be new.
    batch = [{**row, "quantity": 7.0} for row in history]
    batch[2]["family_code"] = "NOPE"
    refused = demand.put("/history", json=batch)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["body.2.family_code"]

    # Row 3 repeats row 1's key.
    batch = [{**row, "quantity": 7.0} for row in history]
    batch[3] = {**batch[1]}
    duplicate = demand.put("/history", json=batch)
    assert duplicate.status_code == 422
    assert [e["field"] for e in duplicate.json()["errors"]] == ["body.3.period"]

    assert [row["quantity"] for row in listed(demand, "/history")] == [5.0, 5.0]
    assert trail(demand, "demand_history") == before


def test_an_export_is_the_list_in_its_order(finance: TestClient) -> None:
    rows = [price(family, f"2027-0{m}", 10.0 * m) for family in ("F2", "F1") for m in (3, 1, 2)]
    finance.put("/prices", json=rows)

    exported = finance.get("/prices/export", params={"family_code": "F1"}, headers=VIEWER)
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert lines == listed(finance, "/prices", family_code="F1")
    assert [line["period"] for line in lines] == ["2027-01", "2027-02", "2027-03"]
    everything = finance.get("/prices/export", headers=VIEWER).text.splitlines()
    assert len(everything) == 6


def test_a_column_of_one_object_is_bound_as_each_row_would_be() -> None:
    """An audit's who and when are one object in every row: bound once, the same values as
    bound row by row (rows holding equal but distinct objects)."""
    table = sa.Table(
        "audit_like",
        sa.MetaData(),
        sa.Column("at", UTCDateTime()),
        sa.Column("after", sa.JSON()),
        sa.Column("n", sa.Integer()),
    )
    at = dt.datetime(2026, 12, 7, 12, 30, tzinfo=dt.UTC)
    columns = ["at", "after", "n"]
    shared = [{"at": at, "after": {"q": i}, "n": i} for i in range(3)]
    each = [{"at": at.replace(), "after": {"q": i}, "n": i} for i in range(3)]
    assert each[0]["at"] is not each[1]["at"]
    dialect = sqlite.dialect()
    assert bound_rows(table, columns, shared, dialect) == bound_rows(table, columns, each, dialect)
    assert bound_rows(table, columns, [], dialect) == []
