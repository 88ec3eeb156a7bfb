"""Parse tasks that take a batch, on PostgreSQL and procrastinate's real worker: a poisoned text
costs the others nothing, two workers share a burst without parsing any text twice, and the
cached reference data follows a change made by anyone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import attrs
import psycopg
import pytest

from pgtools import seeded_system
from sm2_adapters.postgres.reference_cache import PostgresReferenceCache
from sm2_adapters.settings import Settings
from sm2_adapters.system import System, build_system
from sm2_core.domain.enums import Language, Urgency
from sm2_core.domain.records import ReceivedSms
from sm2_core.parsing import ParsedRequest, ParseResult
from sm2_core.services.intake import BATCH_SIZE

FORD_LEVIS = "+14185550102"
F150 = ParsedRequest(year=2024, make="Ford", model="F-150", service_code="OIL_CHANGE")
#: A reading PostgreSQL cannot store (a NUL in the model): its text fails when written.
POISON = ParsedRequest(year=2020, make="Honda", model="Ci\x00vic", service_code="OIL_CHANGE")


def reading(*requests: ParsedRequest) -> ParseResult:
    return ParseResult(
        requests=requests,
        confidence=0.95,
        language=Language.EN,
        parser="scripted",
        urgency=Urgency.MEDIUM,
    )


@attrs.define
class CountingParser:
    """Reads every body as one F-150 oil change (``poison`` as POISON); records each body."""

    poison: str = "poison"
    calls: list[str] = attrs.Factory(list)
    started: asyncio.Event = attrs.Factory(asyncio.Event)
    """Set on this parser's first call."""
    wait_for: asyncio.Event | None = None
    """Another parser's ``started``: the first call waits for it (both workers are busy)."""

    async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult:
        self.calls.append(body)
        if not self.started.is_set():
            self.started.set()
            if self.wait_for is not None:
                # Only a guard against a hang: the other worker starts within milliseconds.
                await asyncio.wait_for(self.wait_for.wait(), timeout=60)
        return reading(POISON if body == self.poison else F150)


def with_parser(system: System, parser: CountingParser) -> None:
    """The system's task worker parses with ``parser``."""
    services = system.tasks_ref.get()
    intake = attrs.evolve(services.intake, parser=parser)
    system.tasks_ref.services = attrs.evolve(services, intake=intake)


def build(url: str, data_dir: Path) -> System:
    return build_system(Settings(database_url=url, data_dir=data_dir), pool_size=6)


@pytest.fixture
async def system(pg_url: str, tmp_path: Path) -> AsyncIterator[System]:
    settings = Settings(database_url=pg_url, data_dir=tmp_path / "a")
    async with seeded_system(settings, pool_size=6, empty_queue=True) as built:
        yield built


@pytest.fixture
async def second(system: System, pg_url: str, tmp_path: Path) -> AsyncIterator[System]:
    """Another process's system on the same database (its own pool, its own worker)."""
    built = build(pg_url, tmp_path / "b")
    await built.open()
    try:
        yield built
    finally:
        await built.close()


async def receive(system: System, body: str, sender: str = FORD_LEVIS) -> UUID:
    receipt = await system.services.receipt.receive_sms(
        ReceivedSms(sid=f"SM{uuid4().hex}", from_number=sender, to_number="+1418", body=body)
    )
    return receipt.message.id


def rows(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def execute(url: str, statement: str, *params: Any) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement, params)


def statuses(url: str, ids: list[UUID]) -> list[str]:
    found = dict(rows(url, "SELECT id, status FROM inbound_messages WHERE id = ANY(%s)", ids))
    return [found[i] for i in ids]


def parse_task(url: str, message_id: UUID) -> tuple[str, int, bool]:
    """The text's parse task: its status, attempts, and whether it waits for a later time."""
    ((status, attempts, later),) = rows(
        url,
        "SELECT status::text, attempts, scheduled_at > now() FROM procrastinate_jobs"
        " WHERE task_name = 'parse_message' AND args->>'message_id' = %s",
        str(message_id),
    )
    return status, attempts, later


class TestAPoisonedText:
    async def test_the_others_of_its_batch_become_jobs(self, system: System) -> None:
        """One task takes the three texts; the batch fails on the poisoned one and each goes
        alone: two texts end PROCESSED with their jobs, the third waits, its task leased."""
        with_parser(system, CountingParser())
        url = system.database_url
        ids = [await receive(system, body) for body in ("good 1", "poison", "good 2")]
        await system.run_tasks()
        assert ["PROCESSED", "RECEIVED", "PROCESSED"] == statuses(url, ids)
        assert [(1,), (1,)] == rows(
            url,
            "SELECT count(*) FROM jobs WHERE source_message_id = ANY(%s)"
            " GROUP BY source_message_id",
            [ids[0], ids[2]],
        )
        assert ("todo", 1, True) == parse_task(url, ids[1])
        assert [] == rows(
            url,
            "SELECT id FROM procrastinate_jobs WHERE task_name = 'parse_message'"
            " AND args->>'message_id' = ANY(%s)",
            [str(ids[0]), str(ids[2])],
        )

    async def test_once_its_lease_runs_out_it_fails_alone_and_is_retried(
        self, system: System
    ) -> None:
        """Due again, the poisoned text runs on its own task, which fails with its own error
        and is retried later by the queue, as any failed task; texts come meanwhile are
        parsed."""
        with_parser(system, CountingParser())
        url = system.database_url
        poisoned = [await receive(system, body) for body in ("good", "poison")][1]
        await system.run_tasks()
        execute(url, "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE attempts = 1")
        later = await receive(system, "good later")
        await system.run_tasks()
        assert ["RECEIVED", "PROCESSED"] == statuses(url, [poisoned, later])
        assert ("todo", 2, True) == parse_task(url, poisoned)


def analyzed_tuples(url: str) -> float:
    """How many rows PostgreSQL's statistics say procrastinate's table holds."""
    ((tuples,),) = rows(url, "SELECT reltuples FROM pg_class WHERE relname = 'procrastinate_jobs'")
    return float(tuples)


class TestABacklog:
    async def test_a_full_batch_brings_the_queues_statistics_up_to_date(
        self, system: System
    ) -> None:
        """Statistics taken on the empty queue would have every fetch of a task read the whole
        backlog: the worker's first full batch analyzes the table again."""
        with_parser(system, CountingParser())
        url = system.database_url
        execute(url, "ANALYZE procrastinate_jobs")
        assert analyzed_tuples(url) < 10
        ids = [await receive(system, f"car {n}") for n in range(BATCH_SIZE + 20)]
        await system.run_tasks()
        assert {"PROCESSED"} == set(statuses(url, ids))
        assert analyzed_tuples(url) >= BATCH_SIZE

    async def test_a_batch_that_is_not_full_leaves_them(self, system: System) -> None:
        with_parser(system, CountingParser())
        url = system.database_url
        execute(url, "ANALYZE procrastinate_jobs")
        before = analyzed_tuples(url)
        ids = [await receive(system, f"car {n}") for n in range(5)]
        await system.run_tasks()
        assert {"PROCESSED"} == set(statuses(url, ids))
        assert before == analyzed_tuples(url)


class TestTwoWorkers:
    async def test_they_share_a_burst_and_parse_no_text_twice(
        self, system: System, second: System
    ) -> None:
        """300 texts, two workers in two systems (pools) draining at once: each text is
        parsed by one of them only, and has one job; both did part of the work."""
        first_parser, second_parser = CountingParser(), CountingParser()
        first_parser.wait_for, second_parser.wait_for = second_parser.started, first_parser.started
        with_parser(system, first_parser)
        with_parser(second, second_parser)
        bodies = [f"car {n}" for n in range(300)]
        ids = [await receive(system, body) for body in bodies]
        await asyncio.gather(system.run_tasks(), second.run_tasks())
        assert set() == set(first_parser.calls) & set(second_parser.calls)
        assert sorted(bodies) == sorted(first_parser.calls + second_parser.calls)
        assert [] != first_parser.calls
        assert [] != second_parser.calls
        assert {"PROCESSED"} == set(statuses(system.database_url, ids))
        ((jobs, codes, texts),) = rows(
            system.database_url,
            "SELECT count(*), count(DISTINCT job_code), count(DISTINCT source_message_id)"
            " FROM jobs",
        )
        assert (300, 300, 300) == (jobs, codes, texts)


class TestReferenceCache:
    async def test_a_change_made_elsewhere_is_seen_by_the_next_batch(self, system: System) -> None:
        """The cache reads the tables once, then again only after a change, whoever made it:
        here a dealership deactivated by hand, in SQL; its next text waits in the inbox."""
        with_parser(system, CountingParser())
        cache = system.services.intake.reference
        assert isinstance(cache, PostgresReferenceCache)
        url = system.database_url
        ids = [await receive(system, "car 1")]
        await system.run_tasks()
        ids.append(await receive(system, "car 2"))
        await system.run_tasks()
        assert 1 == cache.reads
        execute(url, "UPDATE dealerships SET is_active = false WHERE phone = %s", FORD_LEVIS)
        ids.append(await receive(system, "car 3"))
        await system.run_tasks()
        assert (["PROCESSED", "PROCESSED", "UNMATCHED"], 2) == (statuses(url, ids), cache.reads)

    async def test_the_version_moves_with_a_commit_only(self, system: System) -> None:
        """A change rolled back leaves the cache valid; one committed, or a TRUNCATE, moves it."""
        url = system.database_url

        def version() -> int:
            return int(rows(url, "SELECT version FROM reference_version")[0][0])

        before = version()
        with psycopg.connect(url) as conn:
            conn.execute("UPDATE services SET name = 'changed'")
            conn.rollback()
        unchanged = version()
        execute(url, "UPDATE ranking_rules SET is_active = is_active")
        updated = version()
        execute(url, "TRUNCATE ranking_rules")
        assert (before, True, True) == (unchanged, updated > before, version() > updated)
