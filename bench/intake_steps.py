"""Where the time of a webhook goes: each step of intake alone, 32 concurrent callers, in-process;
then the parse worker draining what was received.

    python bench/intake_steps.py [--count 1500] [--callers 32] [--worker-messages 1000]

Runs on the benchmark database (embedded unless SM2_DATABASE_URL is set), seeded with the demo
data. Steps: a unit of work with the dealership lookup; a procrastinate defer; the whole
``ReceiptService.receive_sms``; the same through the Litestar app with the signature check
(an in-process httpx client, no sockets). Last, ``--worker-messages`` realistic texts are
received and the procrastinate worker (concurrency 4) drains them: messages per second and
this process's CPU per message (parse task and confirmation task together).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
import uvloop
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).parent))
from common import BENCH_DATA_DIR, database_url

from sm2_adapters.seed import seed_demo
from sm2_adapters.settings import Settings
from sm2_adapters.system import System, build_system
from sm2_core.domain.records import ReceivedSms
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


async def main(count: int, callers: int, worker_messages: int) -> None:
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
        for name, step in steps.items():
            print(f"{name:<46} {await rate(count, callers, step):7.0f}/s")
        await drain_rate(system, worker_messages, run)
    finally:
        await system.close()


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
    started, cpu = time.perf_counter(), time.process_time()
    await system.run_tasks(rounds=100)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{'parse worker draining ' + str(count) + ' texts':<46} {count / elapsed:7.0f}/s"
        f"   ({cpu / count * 1000:.1f} ms of CPU per text in this process)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1500)
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--worker-messages", type=int, default=1000)
    args = parser.parse_args()
    uvloop.run(main(args.count, args.callers, args.worker_messages))
