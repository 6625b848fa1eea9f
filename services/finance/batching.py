"""Batched lookups: match many keys with a few IN (...) queries, never one query per key."""

from collections.abc import Iterable, Iterator

from shared.crud import IN_CHUNK


def in_chunks(values: Iterable[str]) -> Iterator[list[str]]:
    """The distinct values, sorted, in slices small enough for one IN (...) each."""
    wanted = sorted(set(values))
    for start in range(0, len(wanted), IN_CHUNK):
        yield wanted[start : start + IN_CHUNK]
