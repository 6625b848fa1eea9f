"""Money rules every process applies the same way."""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable


class UnitCostSchedule:
    """Each family's unit costs by effective month: the cost of a period is the latest entry
    effective on or before it."""

    def __init__(self, entries: Iterable[tuple[str, str, float]]) -> None:
        starts: dict[str, list[str]] = defaultdict(list)
        costs: dict[str, list[float]] = defaultdict(list)
        for family_code, effective_from, cost in sorted(entries):
            starts[family_code].append(effective_from)
            costs[family_code].append(cost)
        self._starts = dict(starts)
        self._costs = dict(costs)

    def cost_as_of(self, family_code: str, period: str) -> float | None:
        starts = self._starts.get(family_code)
        if not starts:
            return None
        index = bisect_right(starts, period) - 1
        return self._costs[family_code][index] if index >= 0 else None
