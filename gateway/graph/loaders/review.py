"""Per-request loaders of the demand review: baseline, inputs, waterfall, consensus, customers."""

import asyncio
from dataclasses import dataclass

from strawberry.dataloader import DataLoader

from gateway.clients import DemandClient
from gateway.graph.arguments import checked
from gateway.graph.loaders.batching import GroupKey, grouped
from shared.contracts.demand import (
    BaselineSeriesPublic,
    ConsensusSummaryPublic,
    CustomerPublic,
    DemandInputPublic,
    InputStream,
    WaterfallRowPublic,
)


@dataclass(frozen=True)
class BaselineScope:
    plan_id: int
    segment_code: str | None = None
    method: str | None = None
    fallback: bool | None = None


@dataclass(frozen=True)
class InputScope:
    plan_id: int
    stream: InputStream | None = None
    segment_code: str | None = None
    author: str | None = None
    reason_code: str | None = None


@dataclass(frozen=True)
class WaterfallScope:
    plan_id: int
    segment_code: str | None = None
    period_from: str | None = None
    period_to: str | None = None


@dataclass(frozen=True)
class ReviewLoaders:
    """Per-request loaders of the demand review, keyed by family (or segment) and scope."""

    baseline: DataLoader[GroupKey[BaselineScope], list[BaselineSeriesPublic]]
    inputs: DataLoader[GroupKey[InputScope], list[DemandInputPublic]]
    waterfall: DataLoader[GroupKey[WaterfallScope], list[WaterfallRowPublic]]
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
                    demand.baseline_series(
                        plan_id=scope.plan_id,
                        family_code=family,
                        segment_code=scope.segment_code,
                        method=scope.method,
                        fallback=scope.fallback,
                    )
                ),
                code_of=lambda series: series.family_code,
            ),
            inputs=grouped(
                fetch=lambda family, scope: checked(
                    demand.demand_inputs(
                        plan_id=scope.plan_id,
                        family_code=family,
                        stream=scope.stream,
                        segment_code=scope.segment_code,
                        author=scope.author,
                        reason_code=scope.reason_code,
                    )
                ),
                code_of=lambda row: row.family_code,
            ),
            waterfall=grouped(
                fetch=lambda family, scope: checked(
                    demand.waterfall(
                        plan_id=scope.plan_id,
                        family_code=family,
                        segment_code=scope.segment_code,
                        period_from=scope.period_from,
                        period_to=scope.period_to,
                    )
                ),
                code_of=lambda row: row.family_code,
            ),
            consensus=DataLoader(load_fn=consensus),
            customers=grouped(
                fetch=lambda segment, _: demand.customers(segment_code=segment),
                code_of=lambda customer: customer.segment_code,
            ),
        )
