import pytest
from fastapi.testclient import TestClient

from tests.demand.builders import load_master
from tests.demand.test_families import assert_problem


def customer(code: str, segment: str, revenue: float, margin: float, importance: int) -> dict:
    return {
        "code": code,
        "name": f"Customer {code}",
        "segment_code": segment,
        "annual_revenue": revenue,
        "gross_margin_pct": margin,
        "strategic_importance": importance,
    }


CUSTOMERS = [
    customer("C1", "KEY", 600, 0.30, 5),  # core
    customer("C2", "KEY", 400, 0.10, 4),  # develop
    customer("C3", "RET", 300, 0.35, 2),  # harvest
    customer("C4", "RET", 100, 0.05, 1),  # review
]


@pytest.fixture
def portfolio(client: TestClient) -> TestClient:
    load_master(client)
    assert client.put("/customers", json=CUSTOMERS).json() == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
    }
    return client


def test_customers_are_placed_in_the_prioritisation_matrix(portfolio: TestClient) -> None:
    placed = portfolio.get("/customers/matrix").json()
    assert placed["total"] == 4
    assert [(c["code"], c["quadrant"]) for c in placed["items"]] == [
        ("C1", "core"),
        ("C2", "develop"),
        ("C3", "harvest"),
        ("C4", "review"),
    ]
    core = portfolio.get("/customers/matrix", params={"quadrant": "core"}).json()["items"]
    assert [c["code"] for c in core] == ["C1"]
    stricter = portfolio.get("/customers/matrix", params={"margin_cut": 0.4}).json()["items"]
    assert [c["quadrant"] for c in stricter] == ["develop", "develop", "review", "review"]
    ret = portfolio.get("/customers/matrix", params={"segment_code": "RET"}).json()
    assert [c["code"] for c in ret["items"]] == ["C3", "C4"]
    assert_problem(
        portfolio.get("/customers/matrix", params={"quadrant": "stars"}), 422, "quadrant"
    )
    assert_problem(
        portfolio.get("/customers/matrix", params={"importance_cut": 9}), 422, "importance_cut"
    )


def test_segment_targets_are_derived_from_customer_revenue(portfolio: TestClient) -> None:
    portfolio.post("/segments", json={"code": "WEB", "name": "Web shop"})
    targets = {t["segment_code"]: t for t in portfolio.get("/segment-targets").json()}
    key, ret, web = targets["KEY"], targets["RET"], targets["WEB"]
    # KEY: 60% core (0.98) + 40% develop (0.96); all of it strategic; margin 0.22.
    assert key["derived_fill_rate_target"] == pytest.approx(0.972)
    assert (key["derived_priority"], key["derived_strategic"]) == (1, True)
    assert key["quadrant_revenue_share"] == {"core": 0.6, "develop": 0.4, "harvest": 0, "review": 0}
    assert key["customers"] == 2 and key["annual_revenue"] == 1000
    assert key["fill_rate_target"] == 0.95 and key["differs"]
    # RET: 75% harvest (0.95) + 25% review (0.90); nothing strategic.
    assert ret["derived_fill_rate_target"] == pytest.approx(0.9375, abs=0.0006)
    assert (ret["derived_priority"], ret["derived_strategic"]) == (2, False)
    assert web["customers"] == 0 and web["derived_priority"] is None and not web["differs"]

    applied = portfolio.post("/segment-targets/apply", json={})
    assert applied.status_code == 200, applied.text
    segment = portfolio.get("/segments/KEY").json()
    assert (segment["fill_rate_target"], segment["priority"], segment["strategic"]) == (
        pytest.approx(0.972),
        1,
        True,
    )
    assert portfolio.get("/segments/RET").json()["priority"] == 2
    assert not any(t["differs"] for t in applied.json())
    assert portfolio.get("/segments/WEB").json()["fill_rate_target"] == 0.95


def test_targets_cannot_be_derived_for_unknown_or_empty_segments(portfolio: TestClient) -> None:
    portfolio.post("/segments", json={"code": "WEB", "name": "Web shop"})
    response = portfolio.post(
        "/segment-targets/apply", json={"segment_codes": ["KEY", "WEB", "ZZZ"]}
    )
    body = assert_problem(response, 422, "body.segment_codes.1")
    assert [e["field"] for e in body["errors"]] == ["body.segment_codes.1", "body.segment_codes.2"]
    assert portfolio.get("/segments/KEY").json()["fill_rate_target"] == 0.95


def test_customer_writes_are_validated(portfolio: TestClient) -> None:
    assert_problem(
        portfolio.post("/customers", json=customer("C9", "NOPE", 1, 0.1, 3)),
        422,
        "body.segment_code",
    )
    assert_problem(
        portfolio.post("/customers", json=customer("C9", "KEY", 1, 1.5, 3)),
        422,
        "body.gross_margin_pct",
    )
    assert_problem(
        portfolio.post("/customers", json=customer("C9", "KEY", 1, 0.1, 6)),
        422,
        "body.strategic_importance",
    )
    assert_problem(
        portfolio.post("/customers", json=customer("C9", "KEY", -5, 0.1, 3)),
        422,
        "body.annual_revenue",
    )
    assert_problem(portfolio.post("/customers", json=CUSTOMERS[0]), 409, "body.code")
    assert_problem(
        portfolio.patch("/customers/C1", json={"segment_code": "NOPE"}), 422, "body.segment_code"
    )
    assert portfolio.put("/customers", json=CUSTOMERS).json()["unchanged"] == 4
    assert portfolio.patch("/customers/C4", json={"strategic_importance": 5}).status_code == 200
    placed = portfolio.get("/customers/matrix", params={"quadrant": "develop"}).json()["items"]
    assert [c["code"] for c in placed] == ["C2", "C4"]
    listed = portfolio.get("/customers", params={"segment_code": "KEY"}).json()
    assert [c["code"] for c in listed["items"]] == ["C1", "C2"]
