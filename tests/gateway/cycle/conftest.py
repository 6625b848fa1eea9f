"""The cycle's fixtures: a gateway world over the database under test (``world.py``)."""

from tests.gateway.cycle.world import shared_database_url, world

__all__ = ["shared_database_url", "world"]
