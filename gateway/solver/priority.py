"""How short supply is allocated: priority tiers and the weight of unmet demand.

Segments fall into tiers ordered by (strategic first, then priority number, 1 first). Rank 0
is the lowest tier. Money objectives add to each segment a weight ``phi`` per unit-period
backlogged and per unit lost, on top of the segment's own backlog cost / lost-sale penalty:

    phi[0] = 0 (the lowest tier is served on economics alone)
    phi[k] = max(phi[k-1], max over j < k of (phi[j] + V[j]) - L[k]) + eps

V[j] bounds what one unit of capacity can earn in tier j: its highest price plus its highest
lost-sale penalty or backlog cost. L[k] bounds what tier k loses when one of its units waits
or goes: for a lost-sales segment its lowest price plus lowest penalty, for a backlogging
segment only its lowest backlog cost (the sale comes later). eps is 1% of the largest V (at
least 0.01). Moving one unit of capacity from a lower tier to a higher one then always raises
the objective, so allocation follows priority even when the strategic segment pays less or
can be served late; the weight is the smallest that guarantees it, so volume decisions stay
as close to money as the priorities allow (a higher-tier unit may be served at a loss of at
most its ``phi``). The weights are reported per segment (``SegmentService.unmet_weight``).

Service-first mode ranks plans by priority-weighted unmet demand with the weight
``4 ** min(rank, 8)``: one unit of a tier outweighs up to four of the tier below.
"""

import numpy as np

from gateway.solver.data import Floats, Ints, ProblemData


def priority_ranks(data: ProblemData) -> Ints:
    """Tier rank per segment: 0 for the lowest tier, higher is served first."""
    keys = sorted({(bool(s), -int(p)) for s, p in zip(data.strategic, data.priority, strict=True)})
    tier = {key: rank for rank, key in enumerate(keys)}
    return np.array(
        [tier[(bool(s), -int(p))] for s, p in zip(data.strategic, data.priority, strict=True)],
        dtype=np.int64,
    )


def unmet_weights(data: ProblemData, *, revenue: bool) -> Floats:
    """``phi`` per segment for a money objective (with or without revenue)."""
    ranks = priority_ranks(data)
    segments = len(data.segment_codes)
    weights = np.zeros(segments)
    if segments == 0 or ranks.max(initial=0) == 0 or len(data.line_family) == 0:
        return weights
    price = data.price if revenue else np.zeros_like(data.price)
    segment = data.line_segment
    backlogged = data.backlogged[segment]
    penalty = np.where(
        backlogged[:, None], data.backlog_cost[segment], data.lost_sale_penalty[segment]
    )
    line_value = price.max(axis=1) + penalty.max(axis=1)
    line_floor = np.where(backlogged, penalty.min(axis=1), price.min(axis=1) + penalty.min(axis=1))
    tiers = int(ranks.max()) + 1
    line_rank = ranks[segment]
    value = np.zeros(tiers)
    floor = np.zeros(tiers)
    np.maximum.at(value, line_rank, line_value)
    floor[:] = np.inf
    np.minimum.at(floor, line_rank, line_floor)
    floor[~np.isfinite(floor)] = 0.0
    eps = max(0.01, 0.01 * float(value.max()))
    phi = np.zeros(tiers)
    best_below = value[0]  # max over j < k of phi[j] + V[j]
    for rank in range(1, tiers):
        phi[rank] = max(phi[rank - 1], best_below - floor[rank]) + eps
        best_below = max(best_below, phi[rank] + value[rank])
    weights[:] = phi[ranks]
    return weights


def service_weights(data: ProblemData) -> Floats:
    """Weights of priority-weighted unmet demand for the service-first stage."""
    return np.power(4.0, np.minimum(priority_ranks(data), 8)).astype(float)
