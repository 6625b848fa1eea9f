"""The clients' NDJSON exports: a large answer is parsed off the event loop, to the same
items and the same refusal as a small one parsed on it."""

import json

import httpx
import pytest
from pydantic import BaseModel

from gateway.clients import base
from gateway.clients.base import ServiceClient
from shared.errors import DomainError

pytestmark = pytest.mark.anyio


class Row(BaseModel):
    code: str
    quantity: float


def client_answering(body: bytes) -> ServiceClient:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    return ServiceClient(httpx.AsyncClient(transport=transport, base_url="http://up"))


def ndjson(rows: list[dict[str, object]]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


@pytest.mark.parametrize("inline_bytes", [1 << 30, 0], ids=["on the loop", "in a thread"])
async def test_an_export_parses_the_same_on_the_loop_or_in_a_thread(
    inline_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "INLINE_PARSE_BYTES", inline_bytes)
    rows = [{"code": f"F{i}", "quantity": i / 2} for i in range(1000)]
    items = await client_answering(ndjson(rows)).export_of(Row, "/rows/export")
    assert [item.model_dump() for item in items] == rows


@pytest.mark.parametrize("inline_bytes", [1 << 30, 0], ids=["on the loop", "in a thread"])
async def test_an_export_that_breaks_the_contract_is_refused_either_way(
    inline_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "INLINE_PARSE_BYTES", inline_bytes)
    body = ndjson([{"code": "F1", "quantity": 1.0}, {"code": "F2", "quantity": "many"}])
    with pytest.raises(DomainError) as refused:
        await client_answering(body).export_of(Row, "/rows/export")
    assert refused.value.status == 502
