"""KPIs of a plan: the finance service's money, service and AOP figures with the plan's own
capacity utilisation and, for a consensus plan, its on-time fill rates."""

from collections.abc import Sequence

from gateway.figures.figures import overall_utilisation
from gateway.figures.models import PlanKpis, PlanRef, ResourceUtilisation, SegmentFill
from shared.contracts.demand import SegmentPublic
from shared.contracts.finance import PlanKpis as FinanceKpis

# Fill rates are rounded by their sources; a target met to this precision is met.
TARGET_SLACK = 1e-6


def kpi_report(
    *,
    plan: PlanRef,
    finance: FinanceKpis,
    resources: list[ResourceUtilisation],
    segments: Sequence[SegmentPublic],
    on_time: dict[str, float] | None,
    notes: list[str],
) -> PlanKpis:
    """``on_time``: the plan's own on-time fill rate per segment, which is then the measure
    held against the segment's target (a consensus plan's); else sales / demand."""
    targets = {segment.code: segment.fill_rate_target for segment in segments}
    fill_rates = []
    for rate in finance.fill_rates:
        target = targets.get(rate.segment_code)
        own = on_time.get(rate.segment_code) if on_time is not None else None
        measure = own if own is not None else rate.fill_rate
        fill_rates.append(
            SegmentFill(
                segment_code=rate.segment_code,
                demand=rate.demand,
                sales=rate.sales,
                fill_rate=rate.fill_rate,
                on_time_fill_rate=own,
                target=target,
                meets_target=(
                    measure >= target - TARGET_SLACK
                    if measure is not None and target is not None
                    else None
                ),
            )
        )
    return PlanKpis(
        plan=plan,
        revenue=finance.revenue,
        margin=finance.margin,
        margin_pct=finance.margin_pct,
        cost_of_goods_sold=finance.cost_of_goods_sold,
        average_inventory_value=finance.average_inventory_value,
        inventory_turns=finance.inventory_turns,
        annualised_inventory_turns=finance.annualised_inventory_turns,
        capacity_utilisation=overall_utilisation(resources),
        resources=resources,
        fill_rates=fill_rates,
        gap_to_aop=finance.gap_to_aop,
        flagged_gaps=finance.flagged_gaps,
        notes=notes,
    )
