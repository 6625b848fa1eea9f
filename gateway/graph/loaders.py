"""DataLoaders: every read a GraphQL request makes, batched.

Built fresh for each request (``Loaders.build``), so batching and caching never leak from
one request, or one caller, to another. Upstream reads are list calls: a ``Catalog`` reads a
whole list endpoint once; a ``grouped`` loader answers "the items of these N codes" with ONE
list call per distinct scope (a period window, a plan), filtered by the code when the batch
asks for a single one and grouped here otherwise. So the number of upstream calls of a query
does not grow with the number of rows it returns. Reads of the gateway's own database are
batched the same way, one query per loader and tick, in a worker thread.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import asdict, dataclass
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session
from strawberry.dataloader import DataLoader

from gateway.consensus import service as consensus
from gateway.consensus.models import (
    ConsensusFamilyLinePublic,
    ConsensusLineFilters,
    ConsensusLinePublic,
    ConsensusPlanSummary,
    ConsensusResourceLinePublic,
    EscalationPublic,
)
from gateway.db import run_in_session
from gateway.planning.planner import Planner
from gateway.reconciliation.solution import Explanation
from gateway.state import GatewayState
from shared.contracts.demand import (
    DemandPlanLinePublic,
    DemandPlanPublic,
    FamilyPublic,
    SegmentPublic,
)
from shared.contracts.finance import PricePublic, UnitCostPublic
from shared.contracts.supply import (
    CapacityPublic,
    InventoryPolicyPublic,
    ResourcePublic,
    RoutingPublic,
    SupplyPlanPublic,
)

KeyT = TypeVar("KeyT", bound=Hashable)
ItemT = TypeVar("ItemT")
ScopeT = TypeVar("ScopeT", bound=Hashable)


class Catalog(Generic[KeyT, ItemT]):
    """A whole list endpoint, read at most once per request, its items looked up by key."""

    def __init__(
        self, *, fetch: Callable[[], Awaitable[list[ItemT]]], key_of: Callable[[ItemT], KeyT]
    ) -> None:
        self._fetch = fetch
        self._key_of = key_of
        self._everything: DataLoader[None, list[ItemT]] = DataLoader(load_fn=self._load_all)
        self._by_key: DataLoader[KeyT, ItemT | None] = DataLoader(load_fn=self._load_keys)

    async def all(self) -> list[ItemT]:
        return await self._everything.load(None)

    async def get(self, key: KeyT) -> ItemT | None:
        return await self._by_key.load(key)

    async def get_many(self, keys: Sequence[KeyT]) -> list[ItemT | None]:
        return await self._by_key.load_many(keys)

    async def _load_all(self, keys: list[None]) -> list[list[ItemT]]:
        items = await self._fetch()
        return [items for _ in keys]

    async def _load_keys(self, keys: list[KeyT]) -> list[ItemT | None]:
        index = {self._key_of(item): item for item in await self.all()}
        return [index.get(key) for key in keys]


@dataclass(frozen=True)
class GroupKey(Generic[ScopeT]):
    """The items of one code (``None``: of every code) within a scope shared by a list call."""

    code: str | None
    scope: ScopeT


@dataclass(frozen=True)
class Window:
    """A period range that bounds a list call (``None``: open)."""

    period_from: str | None = None
    period_to: str | None = None


def grouped(
    *,
    fetch: Callable[[str | None, ScopeT], Awaitable[list[ItemT]]],
    code_of: Callable[[ItemT], str],
) -> DataLoader[GroupKey[ScopeT], list[ItemT]]:
    """A loader of items by code, one ``fetch(code or None, scope)`` per distinct scope."""

    async def load(keys: list[GroupKey[ScopeT]]) -> list[list[ItemT]]:
        codes_of_scope: dict[ScopeT, set[str | None]] = defaultdict(set)
        for key in keys:
            codes_of_scope[key.scope].add(key.code)
        scopes = list(codes_of_scope)

        def only_code(scope: ScopeT) -> str | None:
            codes = codes_of_scope[scope]
            return next(iter(codes)) if len(codes) == 1 else None

        answers = await asyncio.gather(*(fetch(only_code(scope), scope) for scope in scopes))
        items_of: dict[tuple[ScopeT, str | None], list[ItemT]] = defaultdict(list)
        for scope, items in zip(scopes, answers, strict=True):
            items_of[(scope, None)] = items
            for item in items:
                items_of[(scope, code_of(item))].append(item)
        return [items_of.get((key.scope, key.code), []) for key in keys]

    return DataLoader(load_fn=load)


@dataclass(frozen=True)
class LineFilter:
    family_code: str | None = None
    segment_code: str | None = None
    period_from: str | None = None
    period_to: str | None = None


PlanCode = tuple[int, str | None]  # (plan id, family or resource code; None: every code)


@dataclass
class Loaders:
    # upstream services
    families: Catalog[str, FamilyPublic]
    segments: Catalog[str, SegmentPublic]
    resources: Catalog[str, ResourcePublic]
    demand_plans: Catalog[int, DemandPlanPublic]
    latest_demand_plan: DataLoader[None, DemandPlanPublic | None]
    demand_lines: DataLoader[GroupKey[int], list[DemandPlanLinePublic]]  # family, plan id
    prices: DataLoader[GroupKey[Window], list[PricePublic]]  # family
    unit_costs: DataLoader[GroupKey[None], list[UnitCostPublic]]  # family
    inventory_policies: DataLoader[GroupKey[None], list[InventoryPolicyPublic]]  # family
    routings_of_family: DataLoader[GroupKey[None], list[RoutingPublic]]
    routings_of_resource: DataLoader[GroupKey[None], list[RoutingPublic]]
    capacity: DataLoader[GroupKey[Window], list[CapacityPublic]]  # resource
    # the gateway's database
    consensus_plans: DataLoader[int, ConsensusPlanSummary | None]
    latest_consensus_plan: DataLoader[None, ConsensusPlanSummary | None]
    consensus_lines: DataLoader[tuple[int, LineFilter], list[ConsensusLinePublic]]
    consensus_family_lines: DataLoader[PlanCode, list[ConsensusFamilyLinePublic]]
    consensus_resource_lines: DataLoader[PlanCode, list[ConsensusResourceLinePublic]]
    escalations: DataLoader[int, list[EscalationPublic]]
    explanations: DataLoader[int, Explanation | None]
    # supply review and finance: supply plans, and every plan's figures computed once
    supply_plans: Catalog[int, SupplyPlanPublic]
    planner: Planner

    @classmethod
    def build(cls, state: GatewayState) -> "Loaders":
        demand, supply, finance = (
            state.upstreams.demand,
            state.upstreams.supply,
            state.upstreams.finance,
        )

        # Whole-list reads go through the planner, so the planning fields share them.
        planner = Planner(upstreams=state.upstreams, engine=state.engine)

        async def latest_demand_plan(keys: list[None]) -> list[DemandPlanPublic | None]:
            plan = await planner.latest_demand_plan()
            return [plan for _ in keys]

        async def demand_lines(family: str | None, plan_id: int) -> list[DemandPlanLinePublic]:
            if family is None:
                return await planner.demand_lines(plan_id)
            return await demand.demand_plan_lines(plan_id=plan_id, family_code=family)

        database = _DatabaseLoaders(state.engine)
        return cls(
            families=Catalog(fetch=demand.families, key_of=lambda family: family.code),
            segments=Catalog(fetch=planner.segments, key_of=lambda segment: segment.code),
            resources=Catalog(fetch=supply.resources, key_of=lambda resource: resource.code),
            demand_plans=Catalog(fetch=demand.demand_plans, key_of=lambda plan: plan.id),
            latest_demand_plan=DataLoader(load_fn=latest_demand_plan),
            demand_lines=grouped(fetch=demand_lines, code_of=lambda line: line.family_code),
            prices=grouped(
                fetch=lambda family, window: finance.prices(
                    family_code=family, period_from=window.period_from, period_to=window.period_to
                ),
                code_of=lambda price: price.family_code,
            ),
            unit_costs=grouped(
                fetch=lambda family, _: finance.unit_costs(family_code=family),
                code_of=lambda cost: cost.family_code,
            ),
            inventory_policies=grouped(
                fetch=lambda family, _: (
                    planner.inventory_policies()
                    if family is None
                    else supply.inventory_policies(family_code=family)
                ),
                code_of=lambda policy: policy.family_code,
            ),
            routings_of_family=grouped(
                fetch=lambda family, _: (
                    planner.routings() if family is None else supply.routings(family_code=family)
                ),
                code_of=lambda routing: routing.family_code,
            ),
            routings_of_resource=grouped(
                fetch=lambda resource, _: (
                    planner.routings()
                    if resource is None
                    else supply.routings(resource_code=resource)
                ),
                code_of=lambda routing: routing.resource_code,
            ),
            capacity=grouped(
                fetch=lambda resource, window: supply.capacity(
                    resource_code=resource,
                    period_from=window.period_from,
                    period_to=window.period_to,
                ),
                code_of=lambda row: row.resource_code,
            ),
            consensus_plans=DataLoader(load_fn=database.plans),
            latest_consensus_plan=DataLoader(load_fn=database.latest_plan),
            consensus_lines=DataLoader(load_fn=database.lines),
            consensus_family_lines=DataLoader(load_fn=database.family_lines),
            consensus_resource_lines=DataLoader(load_fn=database.resource_lines),
            escalations=DataLoader(load_fn=database.escalations),
            explanations=DataLoader(load_fn=database.explanations),
            supply_plans=Catalog(fetch=supply.supply_plans, key_of=lambda plan: plan.id),
            planner=planner,
        )


class _DatabaseLoaders:
    """Batch functions over the gateway's database: one query per batch, in a thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def plans(self, plan_ids: list[int]) -> list[ConsensusPlanSummary | None]:
        def read(session: Session) -> dict[int, ConsensusPlanSummary]:
            rows = consensus.plans_by_id(session, plan_ids=plan_ids)
            return {summary.id: summary for summary in map(consensus.summary_of, rows)}

        found = await run_in_session(self.engine, read)
        return [found.get(plan_id) for plan_id in plan_ids]

    async def latest_plan(self, keys: list[None]) -> list[ConsensusPlanSummary | None]:
        def read(session: Session) -> ConsensusPlanSummary | None:
            plan = consensus.latest_plan(session)
            return consensus.summary_of(plan) if plan is not None else None

        latest = await run_in_session(self.engine, read)
        return [latest for _ in keys]

    async def lines(self, keys: list[tuple[int, LineFilter]]) -> list[list[ConsensusLinePublic]]:
        plans_of_filter: dict[LineFilter, set[int]] = defaultdict(set)
        for plan_id, line_filter in keys:
            plans_of_filter[line_filter].add(plan_id)

        def read(session: Session) -> dict[tuple[int, LineFilter], list[ConsensusLinePublic]]:
            found: dict[tuple[int, LineFilter], list[ConsensusLinePublic]] = defaultdict(list)
            for line_filter, plan_ids in plans_of_filter.items():
                filters = ConsensusLineFilters.model_validate(asdict(line_filter))
                for row in consensus.sales_lines(
                    session, plan_ids=sorted(plan_ids), filters=filters
                ):
                    found[(row.plan_id, line_filter)].append(
                        ConsensusLinePublic.model_validate(row)
                    )
            return found

        found = await run_in_session(self.engine, read)
        return [found.get(key, []) for key in keys]

    async def family_lines(self, keys: list[PlanCode]) -> list[list[ConsensusFamilyLinePublic]]:
        def read(session: Session) -> list[tuple[int, ConsensusFamilyLinePublic]]:
            rows = consensus.family_lines(
                session, plan_ids=_plans_of(keys), family_codes=_codes_of(keys)
            )
            return [(row.plan_id, ConsensusFamilyLinePublic.model_validate(row)) for row in rows]

        rows = await run_in_session(self.engine, read)
        return _by_plan_and_code(keys, rows, code_of=lambda line: line.family_code)

    async def resource_lines(self, keys: list[PlanCode]) -> list[list[ConsensusResourceLinePublic]]:
        def read(session: Session) -> list[tuple[int, ConsensusResourceLinePublic]]:
            rows = consensus.resource_lines(
                session, plan_ids=_plans_of(keys), resource_codes=_codes_of(keys)
            )
            return [(row.plan_id, ConsensusResourceLinePublic.model_validate(row)) for row in rows]

        rows = await run_in_session(self.engine, read)
        return _by_plan_and_code(keys, rows, code_of=lambda line: line.resource_code)

    async def escalations(self, plan_ids: list[int]) -> list[list[EscalationPublic]]:
        def read(session: Session) -> dict[int, list[EscalationPublic]]:
            found: dict[int, list[EscalationPublic]] = defaultdict(list)
            for row in consensus.escalations(session, plan_ids=sorted(set(plan_ids))):
                found[row.plan_id].append(EscalationPublic.model_validate(row))
            return found

        found = await run_in_session(self.engine, read)
        return [found.get(plan_id, []) for plan_id in plan_ids]

    async def explanations(self, plan_ids: list[int]) -> list[Explanation | None]:
        found = await run_in_session(
            self.engine, lambda session: consensus.explanations(session, plan_ids=plan_ids)
        )
        return [found.get(plan_id) for plan_id in plan_ids]


def _plans_of(keys: list[PlanCode]) -> list[int]:
    return sorted({plan_id for plan_id, _ in keys})


def _codes_of(keys: list[PlanCode]) -> list[str] | None:
    """The codes asked for, or ``None`` when one key asks for every code."""
    codes = {code for _, code in keys}
    return None if None in codes else sorted(code for code in codes if code is not None)


def _by_plan_and_code(
    keys: list[PlanCode], rows: list[tuple[int, ItemT]], *, code_of: Callable[[ItemT], str]
) -> list[list[ItemT]]:
    found: dict[PlanCode, list[ItemT]] = defaultdict(list)
    for plan_id, item in rows:
        found[(plan_id, None)].append(item)
        found[(plan_id, code_of(item))].append(item)
    return [found.get(key, []) for key in keys]
