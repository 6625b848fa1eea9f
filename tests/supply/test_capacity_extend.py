"""Extend-forward of capacity: ASSY-1 has 160 regular and 20 overtime hours in 2026-01 and
150 / 10 in 2026-02; extended through 2026-04, 2026-03 and 2026-04 repeat 150 / 10."""

from fastapi.testclient import TestClient


def test_capacity_extend_repeats_the_last_month(client: TestClient) -> None:
    assert client.put("/resources", json=[{"code": "ASSY-1", "name": "Line 1"}]).status_code == 200
    rows = [
        {"resource_code": "ASSY-1", "period": "2026-01", "regular_hours": 160,
         "max_overtime_hours": 20},
        {"resource_code": "ASSY-1", "period": "2026-02", "regular_hours": 150,
         "max_overtime_hours": 10},
    ]  # fmt: skip
    assert client.put("/capacity", json=rows).status_code == 200
    answer = client.post("/capacity/extend", json={"through": "2026-04"})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["created"], answer.json()["series"]) == (2, 1)
    items = client.get("/capacity", params={"period_from": "2026-03"}).json()["items"]
    assert [(i["period"], i["regular_hours"], i["max_overtime_hours"]) for i in items] == [
        ("2026-03", 150, 10),
        ("2026-04", 150, 10),
    ]
    again = client.post("/capacity/extend", json={"through": "2026-04"}).json()
    assert (again["created"], again["unchanged"]) == (0, 1)
