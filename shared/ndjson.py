"""NDJSON: one JSON object a line, for exports that answer a large list in one read.

Rows are plain tuples read from the database (no ORM objects, no response model), encoded
by ``pydantic_core`` a chunk of lines at a time while the answer is streamed; a client reads
the whole list in one request, without pages (``parse_ndjson``).
"""

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from pydantic import TypeAdapter
from pydantic_core import to_json

NDJSON = "application/x-ndjson"
LINES_PER_CHUNK = 2000

T = TypeVar("T")


def ndjson_chunks(
    fields: Sequence[str], rows: Sequence[Sequence[Any]], *, lines_per_chunk: int = LINES_PER_CHUNK
) -> Iterator[bytes]:
    """Rows of ``fields`` as NDJSON (one object a line, the fields in order), a chunk of
    lines at a time."""
    for start in range(0, len(rows), lines_per_chunk):
        chunk = rows[start : start + lines_per_chunk]
        yield b"".join(to_json(dict(zip(fields, row, strict=True))) + b"\n" for row in chunk)


def parse_ndjson(adapter: TypeAdapter[list[T]], body: bytes) -> list[T]:
    """An NDJSON answer as a list, validated by ``adapter`` in one pass (the lines joined
    into one JSON array)."""
    lines = [line for line in body.split(b"\n") if line.strip()]
    return adapter.validate_json(b"[" + b",".join(lines) + b"]")
