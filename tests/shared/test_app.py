"""The process app's heap: what a started app holds is frozen out of the collector's sight
and young collections are rarer while it runs; both are undone when it stops."""

import gc

from fastapi.testclient import TestClient

from services.finance.main import create_app
from shared.app import long_lived_heap
from shared.settings import FinanceSettings


def test_the_heap_is_frozen_while_it_runs_and_given_back_after() -> None:
    before = gc.get_threshold()
    with long_lived_heap(young_threshold=12_345):
        assert gc.get_threshold() == (12_345, 20, 100)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_running_app_uses_its_setting(tmp_path: object) -> None:
    settings = FinanceSettings(database_url=f"sqlite:///{tmp_path}/f.db", gc_young_threshold=4321)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_threshold()[0] == 4321 and gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] != 4321 and gc.get_freeze_count() == 0
