"""Key performance indicators of a plan: margin, working capital, service and AOP gap.

- margin % = gross margin / revenue (valuation conventions);
- inventory turns = cost of goods sold / average inventory value, both over the plan's
  months (the month-end inventory value averaged over them); annualised = turns x 12 / months;
- fill rate of a segment = sales / demand summed over its lines, at most 1, for the segments
  whose every line gives its demand;
- gap to AOP: the totals of the months that have an AOP, and the months flagged.
"""

from collections import defaultdict

from sqlmodel import Session

from services.finance.aop_gaps.service import gap_of_valuation
from services.finance.valuations.service import value_plan
from shared.contracts.finance import AopGapRequest, PlanKpis, SegmentFillRate, ValuationLineIn


def plan_kpis(session: Session, *, request: AopGapRequest, tolerance: float) -> PlanKpis:
    valuation = value_plan(session, request=request)
    gap = gap_of_valuation(session, valuation=valuation, tolerance=tolerance)
    totals = valuation.totals
    average_inventory = totals.average_inventory_value
    turns = totals.cost / average_inventory if average_inventory else None
    months = len(valuation.periods)
    return PlanKpis(
        revenue=totals.revenue,
        margin=totals.margin,
        margin_pct=totals.margin_pct,
        cost_of_goods_sold=totals.cost,
        average_inventory_value=average_inventory,
        inventory_turns=turns,
        annualised_inventory_turns=turns * 12 / months if turns is not None else None,
        fill_rates=fill_rates(request.lines),
        gap_to_aop=gap.totals if gap.periods else None,
        flagged_gaps=gap.flagged,
    )


def fill_rates(lines: list[ValuationLineIn]) -> list[SegmentFillRate]:
    by_segment: dict[str, list[ValuationLineIn]] = defaultdict(list)
    for line in lines:
        by_segment[line.segment_code].append(line)
    rates = []
    for segment, segment_lines in sorted(by_segment.items()):
        demands = [line.demand for line in segment_lines]
        if any(demand is None for demand in demands):
            continue
        demand = sum(d for d in demands if d is not None)
        sales = sum(line.quantity for line in segment_lines)
        rates.append(
            SegmentFillRate(
                segment_code=segment,
                demand=demand,
                sales=sales,
                fill_rate=min(1.0, sales / demand) if demand else None,
            )
        )
    return rates
