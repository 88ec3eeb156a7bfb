"""Technician alerts and dealership status texts on PostgreSQL, through the real task queue,
the real twilio SDK (local Messages API) and the real pywebpush (local push service that checks
the VAPID signature and decrypts the payload)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from fake_twilio_api import FakeTwilio
from pg_system import seeded_system

from integration.push.fake_push_service import PushService
from sm2_adapters.system import System
from sm2_core.domain.enums import Role
from sm2_core.domain.job import Completion, Vehicle
from sm2_core.domain.records import Actor, OutboundStatus
from sm2_core.notices import STATUS_WINDOW

PUBLIC = "https://dispatch.example.com"
ADMIN = Actor(name="admin:test", role=Role.ADMIN)
FORD_LEVIS = "+14185550102"
JULIE = "+14185550202"
RAV4 = Vehicle(year=2022, make="Toyota", model="RAV4")


@pytest.fixture
async def system(pg_url: str, tmp_path: Path, fake_twilio: FakeTwilio) -> AsyncIterator[System]:
    async with seeded_system(
        pg_url, tmp_path, fake_twilio.url, public_url=PUBLIC, push_ack_seconds=1.0
    ) as built:
        yield built


async def _julie(system: System) -> Actor:
    tech = next(t for t in await system.services.admin.all("technicians") if t.phone == JULIE)
    return Actor(name="tech:julie", role=Role.TECH, technician_id=tech.id)


async def _assigned(system: System, julie: Actor) -> UUID:
    dealer = next(
        d for d in await system.services.admin.all("dealerships") if d.phone == FORD_LEVIS
    )
    job = await system.services.intake.create_job(
        dealership_id=dealer.id, service_code="OIL_CHANGE", vehicle=RAV4, actor=ADMIN
    )
    assert julie.technician_id is not None
    await system.services.dispatch.assign(job.id, julie.technician_id, actor=ADMIN)
    await system.run_tasks()
    return job.id


async def _subscribed(system: System, push_service: PushService, julie: Actor) -> str:
    """Julie's phone allows notifications: its subscription, registered; its token."""
    key = system.services.notifications.push_key
    assert julie.technician_id is not None
    assert key is not None
    browser, token = push_service.subscription(julie.technician_id, application_server_key=key)
    await system.services.notifications.subscribe(
        actor=julie,
        endpoint=browser.endpoint,
        p256dh=browser.p256dh,
        auth=browser.auth,
        user_agent=browser.user_agent,
    )
    return token


def _bodies(fake_twilio: FakeTwilio, to: str) -> list[str]:
    sent = [r for r in fake_twilio.requests if r.method == "POST"]
    return [r.field("Body") for r in sent if r.field("To") == to]


def _outbox(pg_url: str, job_id: UUID, kind: str) -> list[tuple[str, str]]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT status, channel FROM outbound_sms WHERE %s = ANY(job_ids) AND kind = %s"
            " ORDER BY created_at",
            (job_id, kind),
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


class TestTechnicianAlert:
    async def test_an_assignment_reaches_the_technicians_phone(
        self, system: System, fake_twilio: FakeTwilio, pg_url: str
    ) -> None:
        julie = await _julie(system)
        job_id = await _assigned(system, julie)
        [text] = _bodies(fake_twilio, JULIE)
        assert text.startswith("SM2 : Nouvelle job SM2-")
        assert text.endswith(f"{PUBLIC}/tech/jobs/{job_id}")
        assert [("SENT", "SMS")] == _outbox(pg_url, job_id, "ALERT")

    async def test_a_subscribed_phone_gets_the_push_and_acknowledges_it(
        self, system: System, fake_twilio: FakeTwilio, push_service: PushService, pg_url: str
    ) -> None:
        julie = await _julie(system)
        token = await _subscribed(system, push_service, julie)
        job_id = await _assigned(system, julie)
        [payload] = push_service.received(token)
        assert "Nouvelle job" in payload["body"]
        assert f"{PUBLIC}/tech/jobs/{job_id}" == payload["url"]
        [delivery] = push_service.deliveries(token)
        assert PUBLIC == delivery.claims["sub"] or delivery.claims["sub"].startswith("mailto:")
        await system.services.notifications.acknowledge(UUID(payload["id"]), actor=julie)
        await asyncio.sleep(1.2)
        await system.run_tasks()
        assert [] == _bodies(fake_twilio, JULIE)
        assert [("DELIVERED", "PUSH")] == _outbox(pg_url, job_id, "ALERT")

    async def test_an_unacknowledged_push_is_followed_by_the_sms(
        self, system: System, fake_twilio: FakeTwilio, push_service: PushService, pg_url: str
    ) -> None:
        julie = await _julie(system)
        token = await _subscribed(system, push_service, julie)
        job_id = await _assigned(system, julie)
        assert 1 == len(push_service.received(token))
        assert [] == _bodies(fake_twilio, JULIE)
        await asyncio.sleep(1.2)
        await system.run_tasks()
        assert 1 == len(_bodies(fake_twilio, JULIE))
        assert [("SENT", "SMS")] == _outbox(pg_url, job_id, "ALERT")

    async def test_an_expired_subscription_is_dropped_and_the_sms_goes(
        self, system: System, fake_twilio: FakeTwilio, push_service: PushService, pg_url: str
    ) -> None:
        julie = await _julie(system)
        token = await _subscribed(system, push_service, julie)
        push_service.answer(token, 410)
        await _assigned(system, julie)
        assert 1 == len(_bodies(fake_twilio, JULIE))
        with psycopg.connect(pg_url) as conn:
            assert (0,) == conn.execute("SELECT count(*) FROM push_subscriptions").fetchone()


class TestDealershipStatus:
    async def test_started_and_completed_go_as_one_text_ten_seconds_later(
        self, system: System, fake_twilio: FakeTwilio, pg_url: str
    ) -> None:
        """The flush is queued for the window's end; run then, it sends one combined text."""
        julie = await _julie(system)
        job_id = await _assigned(system, julie)
        await system.services.field.accept(job_id, actor=julie)
        await system.services.field.complete(
            job_id, Completion(notes="done", labour_minutes=20), actor=julie
        )
        await system.run_tasks()
        assert [] == [b for b in _bodies(fake_twilio, FORD_LEVIS) if "SM2" in b[:4]]
        dealer = next(
            d for d in await system.services.admin.all("dealerships") if d.phone == FORD_LEVIS
        )
        with psycopg.connect(pg_url) as conn:
            rows = conn.execute(
                "SELECT args->>'recipient', scheduled_at - now() FROM procrastinate_jobs"
                " WHERE task_name = 'flush_notices' AND args->>'recipient' = %s",
                (f"dealer:{dealer.id}",),
            ).fetchall()
        [(recipient, delay)] = rows
        assert timedelta(seconds=5) < delay <= STATUS_WINDOW
        # What the worker does when the window closes (not waited for here).
        await system.services.notifications.flush(recipient)
        await system.run_tasks()
        [status] = [b for b in _bodies(fake_twilio, FORD_LEVIS) if b.startswith("SM2")]
        assert "est terminée" in status
        assert [("SENT", "SMS")] == _outbox(pg_url, job_id, "STATUS")
        assert OutboundStatus.SENT.value == "SENT"
