"""Per-request loaders of the demand review: baseline, inputs, waterfall, consensus, customers.

A key is a family (the batching code) within a scope: a plan and the filter model of the
demand service's endpoint, so the batch asks that endpoint once per plan and filter.
"""

import asyncio
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel
from strawberry.dataloader import DataLoader

from gateway.clients import DemandClient
from gateway.graph.arguments import checked
from gateway.graph.loaders.batching import GroupKey, grouped
from shared.contracts.demand import (
    BaselineFilters,
    BaselineSeriesPublic,
    ConsensusSummaryPublic,
    CustomerPublic,
    DemandInputFilters,
    DemandInputPublic,
    PlanCellFilters,
    WaterfallRowPublic,
)

FiltersT = TypeVar("FiltersT", bound=BaseModel)


@dataclass(frozen=True)
class PlanScope(Generic[FiltersT]):
    """A plan's read with its filters (their ``family_code`` is the batching code's)."""

    plan_id: int
    filters: FiltersT

    def of_family(self, family: str | None) -> FiltersT:
        return self.filters.model_copy(update={"family_code": family})


@dataclass(frozen=True)
class ReviewLoaders:
    """Per-request loaders of the demand review, keyed by family (or segment) and scope."""

    baseline: DataLoader[GroupKey[PlanScope[BaselineFilters]], list[BaselineSeriesPublic]]
    inputs: DataLoader[GroupKey[PlanScope[DemandInputFilters]], list[DemandInputPublic]]
    waterfall: DataLoader[GroupKey[PlanScope[PlanCellFilters]], list[WaterfallRowPublic]]
    consensus: DataLoader[int, ConsensusSummaryPublic | None]
    customers: DataLoader[GroupKey[None], list[CustomerPublic]]  # by segment

    @classmethod
    def build(cls, demand: DemandClient) -> "ReviewLoaders":
        async def consensus(plan_ids: list[int]) -> list[ConsensusSummaryPublic | None]:
            return await asyncio.gather(
                *(demand.consensus_summary(plan_id=plan_id) for plan_id in plan_ids)
            )

        return cls(
            baseline=grouped(
                fetch=lambda family, scope: checked(
                    demand.baseline_series(plan_id=scope.plan_id, filters=scope.of_family(family))
                ),
                code_of=lambda series: series.family_code,
            ),
            inputs=grouped(
                fetch=lambda family, scope: checked(
                    demand.demand_inputs(plan_id=scope.plan_id, filters=scope.of_family(family))
                ),
                code_of=lambda row: row.family_code,
            ),
            waterfall=grouped(
                fetch=lambda family, scope: checked(
                    demand.waterfall(plan_id=scope.plan_id, filters=scope.of_family(family))
                ),
                code_of=lambda row: row.family_code,
            ),
            consensus=DataLoader(load_fn=consensus),
            customers=grouped(
                fetch=lambda segment, _: demand.customers(segment_code=segment),
                code_of=lambda customer: customer.segment_code,
            ),
        )
