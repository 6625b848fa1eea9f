"""Batching over the services' list endpoints: a whole list read once, or grouped by code.

A ``Catalog`` reads a whole list endpoint once; a ``grouped`` loader answers "the items of
these N codes" with ONE list call per distinct scope (a period window, a plan), filtered by
the code when the batch asks for a single one and grouped here otherwise.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader

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
