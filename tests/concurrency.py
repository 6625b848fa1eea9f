"""Concurrent requests against a real app (its database: a file or a server, never in-memory
SQLite, whose single connection would be shared by the concurrent transactions)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def serving(app: FastAPI, headers: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """An async client of ``app`` within its lifespan: requests sent together run together
    (each sync endpoint in a worker thread, with its own session and connection)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://service", headers=headers
        ) as client:
            yield client
