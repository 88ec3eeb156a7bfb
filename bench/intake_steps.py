"""Where the time of a webhook goes: each step of intake alone, 32 concurrent callers, in-process;
then the parse worker draining what was received.

    python bench/intake_steps.py [--count 1500] [--callers 32] [--worker-messages 1000]
        [--drain-only] [--without-report-days]

Runs on the benchmark database (embedded unless SM2_DATABASE_URL is set), seeded with the demo
data. Steps: a unit of work with the dealership lookup; a procrastinate defer; the whole
``ReceiptService.receive_sms``; the same through the Litestar app with the signature check
(an in-process httpx client, no sockets). Last, ``--worker-messages`` realistic texts are
received and the procrastinate worker (concurrency 4) drains them. Printed twice: until every
text is parsed (its jobs committed, its confirmation queued), then until the confirmations
are sent too (Twilio not configured: each ends NOT_CONFIGURED, as in ``bench/ingest.py``).
Each line gives texts per second, this process's CPU per text, and the round trips to
PostgreSQL per text: one per statement or transaction command that waits for its answer, one
per pipeline sync, the pool's check of each connection it hands out included.
``--without-report-days`` disables, for the run, the triggers with which the texts and jobs
record changes to past days for the reports' folds (migration 0020): what they cost intake.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import psycopg
import uvloop
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).parent))
from common import BENCH_DATA_DIR, database_url

from sm2_adapters.seed import seed_demo
from sm2_adapters.settings import Settings
from sm2_adapters.system import System, build_system
from sm2_core.domain.records import ReceivedSms
from sm2_core.services import Services
from sm2_core.tasks import TASKS, TaskPayload
from sm2_web import create_app
from sm2_web.serve import web_config

TOKEN = "bench-token"
PUBLIC = "http://bench.local"
SENDER = "+14185550103"


async def rate(count: int, callers: int, step: Callable[[int], Awaitable[object]]) -> float:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def caller() -> None:
        while not queue.empty():
            await step(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return count / (time.perf_counter() - started)


def http_step(system: System, run: str) -> Callable[[int], Awaitable[object]]:
    app = create_app(
        system.services,
        config=web_config(system.settings),
        clock=system.clock,
        limiter=system.limiter,
        events_feed=system.events,
        health_probe=system.health,
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC)
    validator = RequestValidator(TOKEN)

    async def post(n: int) -> object:
        params = {"From": SENDER, "To": "+1418", "Body": "pneus RAV4", "MessageSid": f"SMh{run}{n}"}
        signature = validator.compute_signature(f"{PUBLIC}/webhooks/twilio/sms", params)
        response = await client.post(
            "/webhooks/twilio/sms",
            content=urlencode(params),
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
        )
        response.raise_for_status()
        return response

    return post


#: What the round trips counted now are for: the task running, else the queue's own work.
_DOING: ContextVar[str] = ContextVar("doing", default="queue (fetch, ack, polls)")
ROUND_TRIPS: Counter[str] = Counter()
#: Inside a pipeline, statements go without waiting: only its syncs wait for the server.
_PIPELINE_WAITS = ("_fetch_gen", "_sync_gen", "_exit_gen")


def count_round_trips() -> None:
    """Count, by what runs, each time this process waits for PostgreSQL's answer."""
    wait = psycopg.AsyncConnection.wait

    async def counted(self: psycopg.AsyncConnection[Any], gen: Any, *args: Any, **kw: Any) -> Any:
        name = getattr(gen, "__qualname__", "")
        if self._pipeline is None or name.endswith(_PIPELINE_WAITS):
            ROUND_TRIPS[_DOING.get()] += 1
        return await wait(self, gen, *args, **kw)

    psycopg.AsyncConnection.wait = counted  # type: ignore[method-assign]
    run_task = Services.run_task

    async def labelled(self: Services, task: TaskPayload) -> object:
        token = _DOING.set(f"{TASKS.kind_of(task).name} tasks")
        try:
            return await run_task(self, task)
        finally:
            _DOING.reset(token)

    Services.run_task = labelled  # type: ignore[method-assign]


# Migration 0020's triggers on the tables intake writes.
REPORT_DAY_TRIGGERS = {
    "jobs": ("jobs_report_inserted", "jobs_report_updated", "jobs_report_deleted"),
    "inbound_messages": ("texts_report_inserted", "texts_report_updated", "texts_report_deleted"),
}


def report_day_triggers(url: str, enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    with psycopg.connect(url, autocommit=True) as conn:
        for table, triggers in REPORT_DAY_TRIGGERS.items():
            for trigger in triggers:
                conn.execute(f"ALTER TABLE {table} {verb} TRIGGER {trigger}")


async def main(
    count: int, callers: int, worker_messages: int, drain_only: bool, report_days: bool
) -> None:
    settings = Settings(
        database_url=database_url(),
        data_dir=BENCH_DATA_DIR,
        jwt_secret="b" * 32,
        secret_key="bench",
        twilio_auth_token=TOKEN,
        public_url=PUBLIC,
    )
    system = await asyncio.to_thread(build_system, settings)
    await system.open()
    report_day_triggers(system.database_url, report_days)
    print(f"report days' triggers {'on' if report_days else 'off'}")
    try:
        await seed_demo(system.services)
        run = secrets.token_hex(3)

        async def lookup(_: int) -> object:
            async with system.uow() as uow:
                return await uow.dealerships.by_phone(SENDER)

        async def defer(n: int) -> object:
            # A task name no worker knows: the row is written and left for the next step's drain.
            return await system.task_app.configure_task(
                name="bench_noop", queue="bench"
            ).defer_async(n=n)

        async def receive(n: int) -> object:
            return await system.services.receipt.receive_sms(
                ReceivedSms(
                    sid=f"SMr{run}{n}", from_number=SENDER, to_number="+1418", body="pneus RAV4"
                )
            )

        steps = {
            "unit of work with the dealership lookup": lookup,
            "procrastinate defer": defer,
            "ReceiptService.receive_sms": receive,
            "webhook through Litestar (in-process client)": http_step(system, run),
        }
        for name, step in () if drain_only else steps.items():
            print(f"{name:<46} {await rate(count, callers, step):7.0f}/s")
        async with system.pool.connection() as conn:
            await conn.execute("DELETE FROM procrastinate_jobs WHERE queue_name = 'bench'")
            # What autovacuum would have done since the last run (a server may run without it,
            # as this project's development machine does): the queue's dead rows and stale
            # statistics would otherwise slow every fetch of a task.
            await conn.execute(
                "VACUUM ANALYZE procrastinate_jobs, procrastinate_events, inbound_messages"
            )
        await drain_rate(system, worker_messages, run)
    finally:
        await system.close()
        report_day_triggers(system.database_url, True)


async def drain_rate(system: System, count: int, run: str) -> None:
    from ingest import BODIES, SENDERS

    await system.run_tasks()  # whatever the steps above left queued
    for n in range(count):
        await system.services.receipt.receive_sms(
            ReceivedSms(
                sid=f"SMw{run}{n}",
                from_number=SENDERS[n % len(SENDERS)],
                to_number="+14185550000",
                body=BODIES[n % len(BODIES)].format(n=n),
            )
        )
    ROUND_TRIPS.clear()
    started, cpu = time.perf_counter(), time.process_time()
    worker = asyncio.create_task(system.run_tasks(rounds=100))
    await parsed(system, run)
    report(f"parse worker: {count} texts to jobs", count, started, cpu)
    await worker
    report("... and their confirmations sent", count, started, cpu)


async def parsed(system: System, run: str) -> None:
    """Return once no text of this run waits for its parse (checked every 10 ms)."""
    async with await psycopg.AsyncConnection.connect(system.database_url, autocommit=True) as c:
        while True:
            cur = await c.execute(
                "SELECT count(*) FROM inbound_messages WHERE sid LIKE %s AND status = 'RECEIVED'",
                (f"SMw{run}%",),
            )
            row = await cur.fetchone()
            if row is not None and row[0] == 0:
                return
            await asyncio.sleep(0.01)


def report(what: str, count: int, started: float, cpu: float) -> None:
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    trips = " + ".join(f"{n / count:.2f} {name}" for name, n in ROUND_TRIPS.most_common())
    print(
        f"{what:<46} {count / elapsed:7.0f}/s   {cpu / count * 1000:.2f} ms of CPU per text;"
        f" round trips per text: {sum(ROUND_TRIPS.values()) / count:.1f} ({trips})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1500)
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--worker-messages", type=int, default=1000)
    parser.add_argument("--drain-only", action="store_true", help="only the parse worker")
    parser.add_argument(
        "--without-report-days", action="store_true", help="disable migration 0020's triggers"
    )
    args = parser.parse_args()
    count_round_trips()
    uvloop.run(
        main(
            args.count,
            args.callers,
            args.worker_messages,
            args.drain_only,
            not args.without_report_days,
        )
    )
