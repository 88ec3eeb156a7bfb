"""A text is recorded SENDING, committed, before the carrier is asked to send it: a worker that
dies in between leaves a row the next try looks up at the carrier instead of sending twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from uuid import UUID, uuid4

import attrs
import psycopg
import pytest

from pgtools import seeded_system, summary_out_of_reach
from sm2_adapters.settings import Settings
from sm2_adapters.system import System
from sm2_core.domain.records import OutboundSms, ReceivedSms
from sm2_core.services.outbox import OutboxService

FORD_LEVIS = "+14185550102"


@attrs.define
class WatchingCarrier:
    """Accepts every text; before answering, reads from its own connection how the outbox
    records the text it is asked to send."""

    url: str
    seen: list[tuple[str, str]] = attrs.Factory(list)

    async def send(self, *, to: str, body: str) -> str:
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT status, channel FROM outbound_sms WHERE to_number = %s AND body = %s",
                (to, body),
            ).fetchone()
        assert row is not None
        self.seen.append((row[0], row[1]))
        return f"SM{uuid4().hex}"

    async def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        return None


@attrs.define(kw_only=True, frozen=True)
class CountingOutbox(OutboxService):
    """Counts the send tasks that ran."""

    ran: list[UUID] = attrs.Factory(list)

    async def send(self, outbox_id: UUID) -> OutboundSms:
        self.ran.append(outbox_id)
        return await super().send(outbox_id)


@pytest.fixture
async def system(pg_url: str, tmp_path: Path) -> AsyncIterator[System]:
    # No morning summary during the test: its texts would reach the carrier too.
    settings = Settings(database_url=pg_url, data_dir=tmp_path, summary_at=summary_out_of_reach())
    async with seeded_system(settings, pool_size=4, empty_queue=True) as built:
        yield built


async def test_a_confirmation_is_recorded_sending_before_the_carrier_has_it(
    system: System,
) -> None:
    carrier = WatchingCarrier(system.database_url)
    services = system.tasks_ref.get()
    system.tasks_ref.services = attrs.evolve(
        services, outbox=attrs.evolve(services.outbox, sms=carrier)
    )
    await system.services.receipt.receive_sms(
        ReceivedSms(
            sid=f"SM{uuid4().hex}",
            from_number=FORD_LEVIS,
            to_number="+14185550000",
            body="Oil change on a 2024 Ford F-150 stock F2024",
        )
    )
    await system.run_tasks()
    assert [("SENDING", "SMS")] == carrier.seen
    with psycopg.connect(system.database_url, autocommit=True) as conn:
        statuses = conn.execute(
            "SELECT status FROM outbound_sms WHERE to_number = %s", (FORD_LEVIS,)
        ).fetchall()
    assert [("SENT",)] == statuses


async def test_one_send_task_sends_a_batch_each_text_once(system: System) -> None:
    """Twelve confirmations queued together: fewer send tasks ran than texts went, every text
    reached the carrier once and SENDING, and no send task is left in the queue."""
    carrier = WatchingCarrier(system.database_url)
    services = system.tasks_ref.get()
    fields = attrs.asdict(services.outbox, recurse=False) | {"sms": carrier, "batch_size": 5}
    outbox = CountingOutbox(**fields)
    system.tasks_ref.services = attrs.evolve(services, outbox=outbox)
    for n in range(12):
        await system.services.receipt.receive_sms(
            ReceivedSms(
                sid=f"SM{uuid4().hex}",
                from_number=FORD_LEVIS,
                to_number="+14185550000",
                body=f"Oil change on a 2024 Ford F-150 stock F{n:04d}",
            )
        )
    await system.run_tasks()
    assert [("SENDING", "SMS")] * 12 == carrier.seen
    with psycopg.connect(system.database_url, autocommit=True) as conn:
        statuses = conn.execute(
            "SELECT status, count(*), count(DISTINCT body) FROM outbound_sms"
            " WHERE to_number = %s GROUP BY status",
            (FORD_LEVIS,),
        ).fetchall()
        waiting = conn.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'send_sms'"
            " AND status IN ('todo', 'doing')"
        ).fetchone()
    assert ([("SENT", 12, 12)], (0,)) == (statuses, waiting)
    assert 3 <= len(outbox.ran) < 12
