"""Extend-forward of prices and the AOP: each series' last month repeated through a month.

The ``priced`` company: FAM-A/KEY 100 in 2026-01, 110 in 2026-02; FAM-A/RET 120 in 2026-01;
FAM-B/KEY 50 in 2026-02. Extended through 2026-04: FAM-A/KEY gains 2026-03 and 2026-04 at
110, FAM-A/RET 2026-02..2026-04 at 120, FAM-B/KEY 2026-03..2026-04 at 50: 7 rows.
"""

from fastapi.testclient import TestClient

from shared.auth import Role
from tests.tokens import bearer


def prices(client: TestClient) -> dict[tuple[str, str, str], float]:
    items = client.get("/prices", params={"limit": 100}).json()["items"]
    return {(i["family_code"], i["segment_code"], i["period"]): i["price"] for i in items}


def test_prices_extend_repeats_each_series_last_month_and_is_idempotent(
    priced: TestClient,
) -> None:
    before = prices(priced)
    first = priced.post("/prices/extend", json={"through": "2026-04"})
    assert first.status_code == 200, first.text
    assert first.json() == {
        "rule": "repeat_last",
        "through": "2026-04",
        "series": 3,
        "extended": 3,
        "created": 7,
        "unchanged": 0,
    }
    after = prices(priced)
    added = {key: value for key, value in after.items() if key not in before}
    assert added == {
        ("FAM-A", "KEY", "2026-03"): 110,
        ("FAM-A", "KEY", "2026-04"): 110,
        ("FAM-A", "RET", "2026-02"): 120,
        ("FAM-A", "RET", "2026-03"): 120,
        ("FAM-A", "RET", "2026-04"): 120,
        ("FAM-B", "KEY", "2026-03"): 50,
        ("FAM-B", "KEY", "2026-04"): 50,
    }
    second = priced.post("/prices/extend", json={"through": "2026-04"})
    assert (second.json()["created"], second.json()["unchanged"]) == (0, 3)
    assert prices(priced) == after
    audit = priced.get("/audit", params={"limit": 100}).json()["items"]
    created = [
        (e["entity_key"]["family_code"], e["entity_key"]["period"], e["user"])
        for e in audit
        if e["action"] == "create" and e["entity"] == "price" and e["after"]["period"] > "2026-02"
    ]
    assert sorted(created) == [
        ("FAM-A", "2026-03", "tester"),
        ("FAM-A", "2026-03", "tester"),
        ("FAM-A", "2026-04", "tester"),
        ("FAM-A", "2026-04", "tester"),
        ("FAM-B", "2026-03", "tester"),
        ("FAM-B", "2026-04", "tester"),
    ]


def test_extend_is_the_owning_roles_and_refuses_unknown_rules(priced: TestClient) -> None:
    refused = priced.post("/prices/extend", json={"through": "2026-04"}, headers=bearer(Role.sales))
    assert refused.status_code == 403
    unknown = priced.post("/prices/extend", json={"through": "2026-04", "rule": "average"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.rule"
    far = priced.post("/prices/extend", json={"through": "2032-01"})
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "body.through"


def test_aop_extend_repeats_the_company_and_group_rows(client: TestClient) -> None:
    rows = [
        {"period": "2026-01", "revenue": 1000, "margin": 300},
        {"period": "2026-01", "family_group": "G1", "revenue": 400, "margin": 100},
    ]
    assert client.put("/aop", json=rows).status_code == 200
    answer = client.post("/aop/extend", json={"through": "2026-02"})
    assert answer.json()["created"] == 2, answer.text
    items = client.get("/aop", params={"period_from": "2026-02"}).json()["items"]
    assert sorted((i["family_group"] or "", i["revenue"]) for i in items) == [
        ("", 1000),
        ("G1", 400),
    ]
