import pytest
from fastapi.testclient import TestClient

from services.demand.quality.service import outlier_scores
from shared.periods import add_months
from tests.demand.builders import history_row, load_history, load_master
from tests.demand.test_families import assert_problem

STEADY = [100, 102, 98, 101, 99, 103, 97, 100, 102, 98, 101, 99]


@pytest.fixture
def history(client: TestClient) -> TestClient:
    load_master(client)
    steady = {add_months("2024-01", k): STEADY[k % 12] for k in range(24)}
    del steady["2024-06"]  # a gap
    steady["2024-09"] = 0  # a zero month in a steady series
    steady["2025-03"] = 400  # a spike
    sizes = [5.0, 7.0, 6.0, 8.0]
    intermittent = {
        add_months("2024-01", k): (sizes[k % 4] if k % 3 == 2 else 0.0) for k in range(24)
    }
    intermittent["2025-05"] = 7.0  # one more sale, of a usual size
    rows = (
        [history_row("FAM-01", "KEY", p, q) for p, q in steady.items()]
        + [history_row("FAM-01", "RET", add_months("2025-07", k), 20) for k in range(6)]
        + [history_row("FAM-02", "KEY", add_months("2024-01", k), 50 + k) for k in range(18)]
        + [history_row("FAM-02", "RET", p, q) for p, q in intermittent.items()]
    )
    load_history(client, rows)
    return client


def series(client: TestClient, **params) -> dict[tuple[str, str], dict]:
    response = client.get("/data-quality/series", params={"limit": 5000, **params})
    assert response.status_code == 200, response.text
    return {(s["family_code"], s["segment_code"]): s for s in response.json()["items"]}


def test_each_issue_is_found_where_it_is(history: TestClient) -> None:
    found = series(history, only_issues=False)
    steady = found[("FAM-01", "KEY")]
    assert steady["gaps"] == ["2024-06"] and steady["zeros"] == ["2024-09"]
    assert [o["period"] for o in steady["outliers"]] == ["2024-09", "2025-03"]
    assert steady["outliers"][1]["score"] > 3.5 and steady["outliers"][0]["score"] < -3.5
    assert (steady["months"], steady["observed"]) == (24, 23)
    assert steady["issues"] == ["gaps", "zeros", "outliers", "too_short"]  # 23 rows < 24

    short = found[("FAM-01", "RET")]
    assert short["too_short"] and short["issues"] == ["too_short"]
    stale = found[("FAM-02", "KEY")]
    assert stale["stale"] and stale["last_period"] == "2025-06"
    assert set(stale["issues"]) == {"too_short", "stale"}
    sparse = found[("FAM-02", "RET")]
    # Zeros are the nature of an intermittent series; a usual sale size is no outlier.
    assert sparse["zeros"] and "zeros" not in sparse["issues"]
    assert sparse["outliers"] == [] and sparse["issues"] == []


def test_the_summary_counts_what_the_series_show(history: TestClient) -> None:
    response = history.get("/data-quality")
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["series"] == 4 and summary["series_with_issues"] == 3
    assert summary["rows"] == 23 + 6 + 18 + 24
    assert summary["latest_period"] == "2025-12"
    assert (summary["gaps"], summary["outliers"], summary["too_short"], summary["stale"]) == (
        1,
        2,
        3,
        1,
    )
    assert summary["zeros"] == 1  # the intermittent series' 15 zero months are no issue
    assert summary["negatives"] == 0
    assert summary["families_without_history"] == ["NEW"]
    assert summary["segments_without_history"] == []


def test_the_report_filters_and_its_thresholds(history: TestClient) -> None:
    assert list(series(history, issue="stale")) == [("FAM-02", "KEY")]
    assert list(series(history)) == [("FAM-01", "KEY"), ("FAM-01", "RET"), ("FAM-02", "KEY")]
    assert set(series(history, min_months=6)) == {("FAM-01", "KEY"), ("FAM-02", "KEY")}
    lenient = series(history, outlier_score=100, only_issues=False)
    assert [o["period"] for o in lenient[("FAM-01", "KEY")]["outliers"]] == ["2025-03"]
    window = series(history, family_code="FAM-01", period_from="2025-01", only_issues=False)
    assert window[("FAM-01", "KEY")]["first_period"] == "2025-01"
    assert history.get("/data-quality", params={"segment_code": "RET"}).json()["series"] == 2
    assert_problem(history.get("/data-quality/series", params={"issue": "ugly"}), 422, "issue")
    assert_problem(history.get("/data-quality", params={"outlier_score": 0}), 422, "outlier_score")


def test_an_empty_history_is_a_clean_empty_report(client: TestClient) -> None:
    load_master(client)
    summary = client.get("/data-quality").json()
    assert summary["series"] == 0 and summary["latest_period"] is None
    assert summary["families_without_history"] == ["FAM-01", "FAM-02", "NEW"]
    assert client.get("/data-quality/series").json()["total"] == 0


def test_modified_z_scores_worked_by_hand() -> None:
    """Iglewicz-Hoaglin: 0.6745 (x - median) / MAD. Median 11, MAD 1, so 50 scores 26.3."""
    scores = outlier_scores([10, 11, 12, 10, 11, 50])
    assert scores[5] == pytest.approx(0.6745 * 39)
    assert scores[0] == pytest.approx(-0.6745)
    # MAD 0 (most values equal): the mean absolute deviation (0.8) scaled by 1.2533 stands in.
    assert outlier_scores([5, 5, 5, 5, 9])[4] == pytest.approx(4 / (1.2533 * 0.8))
    assert outlier_scores([3, 3, 3]) == [0.0, 0.0, 0.0]
    assert outlier_scores([]) == []
