"""GET /api/system/health: 200 while the database answers, 503 when it does not."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from api_apps import WEB, bare_app, serving
from api_harness import Api
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.postgres.health import PostgresHealth
from sm2_adapters.settings import Settings
from sm2_adapters.tasks import ServicesRef, build_task_app

#: Nothing listens on port 1.
DEAD_URL = "postgresql://postgres@127.0.0.1:1/sm2?connect_timeout=1"


class TestHealthy:
    async def test_ok_with_the_database_up(self, api: Api) -> None:
        """Anyone gets 200 with database ok; ok when a worker is alive (the memory system's
        runs inline), degraded when none is (no worker runs beside this PostgreSQL app)."""
        response = await api.client.get("/api/system/health")
        assert 200 == response.status_code, response.text
        body = response.json()
        expected = "ok" if api.kind == "memory" else "degraded"
        assert (expected, True) == (body["status"], body["database"]["ok"])
        assert {"migrations", "worker", "integrations"} <= set(body)

    @pytest.mark.postgres
    async def test_a_live_worker_makes_it_ok(self, pg_api: Api) -> None:
        """With a worker beating, and no text waiting too long, the status is ok."""
        worker = asyncio.create_task(pg_api.system.run_worker(listen=False, concurrency=1))
        try:
            for _ in range(50):  # the worker registers itself as it starts
                body = (await pg_api.client.get("/api/system/health")).json()
                if body["worker"]["alive"]:
                    break
                await asyncio.sleep(0.1)
            assert ("ok", True, None) == (
                body["status"],
                body["worker"]["ok"],
                body["worker"]["oldest_waiting_seconds"],
            )
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    @pytest.mark.postgres
    async def test_postgres_reports_migrations_and_the_queue(self, pg_api: Api) -> None:
        """On PostgreSQL the report has the migrations, the worker and the queue's depth."""
        body = (await pg_api.client.get("/api/system/health")).json()
        assert (True, []) == (body["migrations"]["current"], body["migrations"]["pending"])
        assert {"ok", "alive", "queue"} <= set(body["worker"])

    async def test_no_secret_in_the_report(self, api: Api) -> None:
        """The report says what is configured, never a key or a URL with a password."""
        text = (await api.client.get("/api/system/health")).text
        assert WEB.jwt_secret not in text
        assert "postgresql://" not in text


class TestUnhealthy:
    @pytest.mark.postgres
    async def test_closed_pool_is_503(self, pg_api: Api) -> None:
        """With the database out of reach the app answers 503, status unavailable."""
        await pg_api.system.pool.close()
        response = await pg_api.client.get("/api/system/health")
        assert 503 == response.status_code, response.text
        body = response.json()
        assert ("unavailable", False) == (body["status"], body["database"]["ok"])

    async def test_a_dead_server_is_503(self) -> None:
        """Health on a pool pointed at a server that is not there: 503 within a few seconds."""
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            DEAD_URL, min_size=1, open=False, timeout=1.0
        )
        await pool.open(wait=False)
        probe = PostgresHealth(pool, build_task_app(DEAD_URL, ServicesRef()), Settings())
        app = bare_app(health_probe=probe)
        errors: list[BaseException] = []
        try:
            async with serving(app, errors) as client:
                response = await client.get("/api/system/health")
        finally:
            await pool.close()
        assert 503 == response.status_code
        body = response.json()
        assert ("unavailable", False) == (body["status"], body["database"]["ok"])
        assert "error" in body["database"]
