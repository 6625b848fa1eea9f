"""The readiness report: the services' master data for a horizon, read at once, checked by
``rules.readiness_holes``."""

import asyncio
import datetime as dt
from collections import Counter

from gateway.clients import Upstreams
from shared.errors import DomainError
from shared.periods import add_months, check_horizon_start, horizon

from .models import Dataset, ReadinessReport
from .rules import HISTORY_LOOKBACK_MONTHS, MasterData, readiness_holes


async def readiness_report(
    upstreams: Upstreams,
    *,
    horizon_start: str,
    horizon_months: int,
    field: str = "query.horizon_start",
) -> ReadinessReport:
    """Every hole in the three services' data for the horizon (one report, all services);
    422 on ``field`` for a horizon outside the plans' window (shared.periods)."""
    check_horizon_start(start=horizon_start, today=dt.date.today(), field=field)
    periods = horizon(horizon_start, horizon_months)
    first, last = periods[0], periods[-1]
    try:
        data = await _master_data(upstreams, first=first, last=last)
    except* DomainError as failed:  # the first upstream's problem, not a group of them
        raise failed.exceptions[0] from None
    holes = readiness_holes(data, periods=periods)
    counts = Counter(item.dataset for item in holes)
    return ReadinessReport(
        horizon_start=first,
        horizon_end=last,
        ready=not holes,
        holes=holes,
        counts={dataset: counts[dataset] for dataset in Dataset},
    )


async def _master_data(upstreams: Upstreams, *, first: str, last: str) -> MasterData:
    """The three services' master data of ``first``..``last``, read at once."""
    demand, supply, finance = upstreams.demand, upstreams.supply, upstreams.finance
    async with asyncio.TaskGroup() as group:
        history = group.create_task(
            demand.history(
                period_from=add_months(first, -HISTORY_LOOKBACK_MONTHS),
                period_to=add_months(first, -1),
            )
        )
        prices = group.create_task(finance.prices(period_from=first, period_to=last))
        unit_costs = group.create_task(finance.unit_costs())
        lever_costs = group.create_task(finance.lever_costs())
        aop = group.create_task(finance.aop(period_from=first, period_to=last))
        resources = group.create_task(supply.resources())
        routings = group.create_task(supply.routings())
        capacity = group.create_task(supply.capacity(period_from=first, period_to=last))
    return MasterData(
        history=history.result(),
        prices=prices.result(),
        unit_costs=unit_costs.result(),
        lever_costs=lever_costs.result(),
        aop=aop.result(),
        resources=resources.result(),
        routings=routings.result(),
        capacity=capacity.result(),
    )
