"""The cycle's world serves the graph's cycle tests too (``tests/gateway/cycle/world.py``)."""

from tests.gateway.cycle.world import world

__all__ = ["world"]
