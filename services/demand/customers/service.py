"""Customers in the prioritisation matrix, and segment targets derived from them.

A customer is placed by profitability (gross margin) and strategic importance, each cut in
two (``MatrixParams``). A segment's targets follow the revenue of its customers:

- fill-rate target: revenue-weighted mean of the service level each quadrant deserves
  (``QUADRANT_FILL_RATE``: core first, review last);
- strategic: at least half of the revenue comes from strategic customers (core + develop);
- priority: segments ranked by that strategic share, then by revenue-weighted margin, 1 first.

Segments keep the targets that were set on them until derived ones are applied explicitly.
"""

from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import Session, col, select

from services.demand.segments.models import Segment
from services.demand.segments.service import SEGMENTS
from shared import crud
from shared.crud import EntitySpec, Reference
from shared.errors import FieldError, ValidationFailed

from .models import (
    Customer,
    CustomerPlacement,
    MatrixFilters,
    MatrixParams,
    Quadrant,
    SegmentTargetPublic,
    TargetsApply,
)

CUSTOMERS = EntitySpec(
    table=Customer,
    key=("code",),
    label="customer",
    references=(Reference("segment_code", Segment),),
)

QUADRANT_FILL_RATE = {
    Quadrant.core: 0.98,
    Quadrant.develop: 0.96,
    Quadrant.harvest: 0.95,
    Quadrant.review: 0.90,
}
STRATEGIC_QUADRANTS = (Quadrant.core, Quadrant.develop)


def quadrant(customer: Customer, *, cuts: MatrixParams) -> Quadrant:
    profitable = customer.gross_margin_pct >= cuts.margin_cut
    strategic = customer.strategic_importance >= cuts.importance_cut
    if strategic:
        return Quadrant.core if profitable else Quadrant.develop
    return Quadrant.harvest if profitable else Quadrant.review


def matrix(session: Session, *, filters: MatrixFilters) -> list[CustomerPlacement]:
    query = select(Customer).order_by(col(Customer.code))
    if filters.segment_code is not None:
        query = query.where(col(Customer.segment_code) == filters.segment_code)
    placements = [
        CustomerPlacement(
            **customer.model_dump(exclude={"id"}), quadrant=quadrant(customer, cuts=filters)
        )
        for customer in session.exec(query)
    ]
    if filters.quadrant is not None:
        placements = [p for p in placements if p.quadrant == filters.quadrant]
    return placements


def segment_targets(session: Session, *, cuts: MatrixParams) -> list[SegmentTargetPublic]:
    """Every segment's targets as set, beside those its customers imply."""
    segments = session.exec(select(Segment).order_by(col(Segment.code))).all()
    by_segment: dict[str, list[Customer]] = defaultdict(list)
    for customer in session.exec(select(Customer)):
        by_segment[customer.segment_code].append(customer)
    derived = {
        code: _derive(customers, cuts=cuts) for code, customers in by_segment.items() if customers
    }
    ranking = sorted(derived, key=lambda code: (-derived[code][1], -derived[code][2], code))
    rows = []
    for segment in segments:
        customers = by_segment.get(segment.code, [])
        revenue = sum(c.annual_revenue for c in customers)
        mix: dict[str, float] = dict.fromkeys((q.value for q in Quadrant), 0.0)
        for customer in customers:
            mix[quadrant(customer, cuts=cuts).value] += _weight(customer, customers)
        if segment.code in derived:
            fill_rate, strategic_share, _ = derived[segment.code]
            derived_fill = fill_rate
            derived_priority: int | None = ranking.index(segment.code) + 1
            derived_strategic: bool | None = strategic_share >= 0.5
        else:
            derived_fill, derived_priority, derived_strategic = None, None, None
        differs = derived_priority is not None and (
            abs(segment.fill_rate_target - (derived_fill or 0)) > 1e-9
            or segment.priority != derived_priority
            or segment.strategic != derived_strategic
        )
        rows.append(
            SegmentTargetPublic(
                segment_code=segment.code,
                fill_rate_target=segment.fill_rate_target,
                priority=segment.priority,
                strategic=segment.strategic,
                customers=len(customers),
                annual_revenue=revenue,
                quadrant_revenue_share={q: round(share, 6) for q, share in mix.items()},
                derived_fill_rate_target=derived_fill,
                derived_priority=derived_priority,
                derived_strategic=derived_strategic,
                differs=differs,
            )
        )
    return rows


def apply_targets(session: Session, *, request: TargetsApply) -> list[SegmentTargetPublic]:
    """Set the derived targets on the chosen segments (422 for a segment without customers)."""
    rows = {row.segment_code: row for row in segment_targets(session, cuts=request)}
    chosen: Sequence[str] = request.segment_codes or sorted(
        code for code, row in rows.items() if row.derived_priority is not None
    )
    errors = [
        FieldError(
            field=f"body.segment_codes.{index}",
            reason=f"unknown segment code '{code}'"
            if code not in rows
            else f"segment {code} has no customers to derive targets from",
        )
        for index, code in enumerate(chosen)
        if code not in rows or rows[code].derived_priority is None
    ]
    if errors:
        raise ValidationFailed(
            f"{len(errors)} segment(s) cannot take derived targets", errors=errors
        )
    for code in chosen:
        row = rows[code]
        assert row.derived_fill_rate_target is not None and row.derived_priority is not None
        segment = crud.get(session, spec=SEGMENTS, key=(code,))
        segment.fill_rate_target = row.derived_fill_rate_target
        segment.priority = row.derived_priority
        segment.strategic = bool(row.derived_strategic)
        session.add(segment)
    session.flush()
    return segment_targets(session, cuts=request)


def _weight(customer: Customer, customers: Sequence[Customer]) -> float:
    """The customer's share of its segment's revenue (equal shares when there is none)."""
    total = sum(c.annual_revenue for c in customers)
    return customer.annual_revenue / total if total > 0 else 1 / len(customers)


def _derive(customers: Sequence[Customer], *, cuts: MatrixParams) -> tuple[float, float, float]:
    """(fill-rate target, strategic revenue share, revenue-weighted margin) of a segment."""
    fill_rate = strategic_share = margin = 0.0
    for customer in customers:
        weight = _weight(customer, customers)
        placed = quadrant(customer, cuts=cuts)
        fill_rate += weight * QUADRANT_FILL_RATE[placed]
        strategic_share += weight * (placed in STRATEGIC_QUADRANTS)
        margin += weight * customer.gross_margin_pct
    return round(fill_rate, 3), strategic_share, margin
