"""Payments seen from QuickBooks: a payment (or a void, a deletion, a due date passing) recorded
on the QuickBooks side turns the job's invoice state, through Intuit's signed webhook and, with
the webhook missed, through the change poll — the real python-quickbooks client against the fake
Intuit, the real web app, and the real use cases."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fake_intuit import FakeIntuit
from litestar import Litestar
from litestar.testing import AsyncTestClient
from qbo_helpers import ADMIN, Billing, connect

from sm2_adapters.bootstrap import quickbooks_signature
from sm2_adapters.clock import SystemClock
from sm2_adapters.memory import MemoryEventBus, MemoryRateLimiter
from sm2_adapters.postgres.health import PostgresHealth
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_adapters.quickbooks import QuickBooksIntegration
from sm2_adapters.settings import Settings
from sm2_adapters.tasks import ServicesRef, build_task_app, install_schema
from sm2_core.domain.enums import InvoiceState, Role
from sm2_core.domain.job import Job
from sm2_core.domain.payments import ChangePoll
from sm2_core.ports import UnitOfWorkFactory
from sm2_web.app import create_app
from sm2_web.config import WebConfig

VERIFIER = "a1b2c3d4-intuit-verifier-token"
PASSWORD = "correct horse battery staple"
HOOK = "/webhooks/quickbooks"
#: When a notification says its change happened, unless a test says otherwise.
NOW = "2026-11-25T20:52:31.657Z"


class Healthy:
    async def check(self) -> dict[str, Any]:
        return {"database": {"ok": True}}


def web_app(billing: Billing, verifier: str | None = VERIFIER) -> Litestar:
    clock = SystemClock()
    return create_app(
        billing.services,
        config=WebConfig(jwt_secret="j" * 48, secure_cookies=False, qbo_webhook_verifier=verifier),
        clock=clock,
        limiter=MemoryRateLimiter(clock),
        events_feed=MemoryEventBus(),
        health_probe=Healthy(),
    )


@pytest.fixture
async def billing(
    qbo: QuickBooksIntegration, intuit: FakeIntuit, uow_factory: UnitOfWorkFactory, pg_url: str
) -> Billing:
    """The use cases on the memory fake, then on PostgreSQL (``uow_factory``), whose units of
    work queue their tasks (a dealership's notice) in the task queue's tables."""
    if isinstance(uow_factory, PostgresUnitOfWorkFactory):
        install_schema(pg_url)
    await connect(qbo, intuit)
    billing = await Billing.load(uow_factory, qbo.gateway, qbo.payments)
    await billing.services.admin.create_user(
        username="alice", role=Role.ADMIN, password=PASSWORD, actor=ADMIN
    )
    return billing


@pytest.fixture
async def client(billing: Billing) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=web_app(billing)) as client:
        yield client


async def invoiced(billing: Billing) -> Job:
    job = await billing.approve(await billing.completed_job())
    assert InvoiceState.SYNCED is job.invoice_state
    assert job.qb_invoice_id
    return job


def legacy(realm: str, *entities: tuple[str, str, str], when: str = NOW) -> bytes:
    """Intuit's notification as it was sent until 2026: (name, id, operation) per entity,
    changed ``when``."""
    return json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": realm,
                    "dataChangeEvent": {
                        "entities": [
                            {
                                "name": name,
                                "id": key,
                                "operation": operation,
                                "lastUpdated": when,
                            }
                            for name, key, operation in entities
                        ]
                    },
                }
            ]
        }
    ).encode()


def cloud_event(realm: str, entity: str, key: str, verb: str, when: str = NOW) -> bytes:
    """The same in CloudEvents, as Intuit sends it since."""
    return json.dumps(
        [
            {
                "specversion": "1.0",
                "id": f"88cd52aa-{entity}-{key}",
                "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
                "type": f"qbo.{entity}.{verb}.v1",
                "datacontenttype": "application/json",
                "time": when,
                "intuitentityid": key,
                "intuitaccountid": realm,
                "data": {},
            }
        ]
    ).encode()


async def notify(
    client: AsyncTestClient[Litestar], body: bytes, signature: str | None = None
) -> Any:
    headers = {"Content-Type": "application/json"}
    headers["intuit-signature"] = (
        quickbooks_signature(VERIFIER, body) if signature is None else signature
    )
    return await client.post(HOOK, content=body, headers=headers)


async def admin(client: AsyncTestClient[Litestar]) -> dict[str, str]:
    answer = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def changed_at(intuit: FakeIntuit, job: Job) -> str:
    """The invoice's ``MetaData.LastUpdatedTime``: what Intuit's notification of its change
    carries as ``lastUpdated``."""
    return str(intuit.ledger.invoice(job.qb_invoice_id or "")["MetaData"]["LastUpdatedTime"])


def total_of(intuit: FakeIntuit, job: Job) -> Decimal:
    return Decimal(str(intuit.ledger.invoice(job.qb_invoice_id or "")["TotalAmt"]))


class TestThroughTheWebhook:
    async def test_a_payment_recorded_in_quickbooks_makes_the_job_paid(
        self,
        client: AsyncTestClient[Litestar],
        billing: Billing,
        intuit: FakeIntuit,
    ) -> None:
        """The payment's notification is answered 200 at once; its task reads the payment and
        its invoice from QuickBooks; the job is PAID, and its timeline says so."""
        job = await invoiced(billing)
        payment = intuit.ledger.record_payment(job.qb_invoice_id or "", total_of(intuit, job))
        answer = await notify(client, legacy(intuit.realm_id, ("Payment", payment["Id"], "Create")))
        assert (200, {"changes": 1, "queued": 1}) == (answer.status_code, answer.json())
        assert InvoiceState.SYNCED is (await billing.job(job.id)).invoice_state  # not yet read
        await billing.run_tasks()
        assert InvoiceState.PAID is (await billing.job(job.id)).invoice_state
        assert intuit.calls(f"/payment/{payment['Id']}", "GET")
        detail = (await client.get(f"/api/jobs/{job.id}", headers=await admin(client))).json()
        last = detail["audit_timeline"][-1]
        assert ("PAID", "invoice_payment", "PAID", "0.00") == (
            detail["invoice_state"],
            last["action"],
            last["new_values"]["invoice_state"],
            last["new_values"]["balance"],
        )

    async def test_the_month_s_report_counts_it_paid(
        self,
        client: AsyncTestClient[Litestar],
        billing: Billing,
        intuit: FakeIntuit,
    ) -> None:
        """Once paid, the dealership's row of the report for the job's month has the invoice's
        total (taxes included) invoiced and paid, nothing overdue."""
        job = await invoiced(billing)
        total = total_of(intuit, job)
        payment = intuit.ledger.record_payment(job.qb_invoice_id or "", total)
        await notify(client, legacy(intuit.realm_id, ("Payment", payment["Id"], "Create")))
        await billing.run_tasks()
        day = job.created_at.astimezone(ZoneInfo("America/Toronto")).date().isoformat()
        answer = await client.get(
            "/api/reports/dealerships",
            params={"from": day, "to": day},
            headers=await admin(client),
        )
        assert 200 == answer.status_code, answer.text
        [row] = [r for r in answer.json()["items"] if r["dealership_id"] == str(job.dealership_id)]
        assert (1, 1, f"{total:.2f}", f"{total:.2f}", "0.00") == (
            row["jobs_created"],
            row["completed"],
            row["invoiced"],
            row["paid"],
            row["overdue"],
        )

    async def test_an_invoice_update_in_cloudevents(
        self, client: AsyncTestClient[Litestar], billing: Billing, intuit: FakeIntuit
    ) -> None:
        """Part paid, announced as Intuit's CloudEvents: PARTIALLY_PAID."""
        job = await invoiced(billing)
        intuit.ledger.record_payment(job.qb_invoice_id or "", "40.00")
        body = cloud_event(
            intuit.realm_id, "invoice", job.qb_invoice_id or "", "updated", changed_at(intuit, job)
        )
        assert 200 == (await notify(client, body)).status_code
        await billing.run_tasks()
        assert InvoiceState.PARTIALLY_PAID is (await billing.job(job.id)).invoice_state

    async def test_a_voided_invoice(
        self, client: AsyncTestClient[Litestar], billing: Billing, intuit: FakeIntuit
    ) -> None:
        job = await invoiced(billing)
        intuit.ledger.void_invoice(job.qb_invoice_id or "")
        voided = ("Invoice", job.qb_invoice_id or "", "Void")
        await notify(client, legacy(intuit.realm_id, voided, when=changed_at(intuit, job)))
        await billing.run_tasks()
        assert InvoiceState.VOIDED is (await billing.job(job.id)).invoice_state

    async def test_a_deleted_invoice_is_voided(
        self, client: AsyncTestClient[Litestar], billing: Billing, intuit: FakeIntuit
    ) -> None:
        """Intuit answers fault 610 for it; SM2 takes it as voided."""
        job = await invoiced(billing)
        intuit.ledger.delete_invoice(job.qb_invoice_id or "")
        deleted = intuit.ledger.deleted[("Invoice", job.qb_invoice_id or "")]
        body = legacy(
            intuit.realm_id,
            ("Invoice", job.qb_invoice_id or "", "Delete"),
            when=deleted.isoformat(),
        )
        await notify(client, body)
        await billing.run_tasks()
        assert InvoiceState.VOIDED is (await billing.job(job.id)).invoice_state
        assert intuit.calls(f"/invoice/{job.qb_invoice_id}", "GET")

    async def test_the_same_notification_twice_changes_the_job_once(
        self, client: AsyncTestClient[Litestar], billing: Billing, intuit: FakeIntuit
    ) -> None:
        """Intuit retries: the second delivery finds nothing new."""
        job = await invoiced(billing)
        intuit.ledger.record_payment(job.qb_invoice_id or "", total_of(intuit, job))
        updated = ("Invoice", job.qb_invoice_id or "", "Update")
        body = legacy(intuit.realm_id, updated, when=changed_at(intuit, job))
        for _ in range(2):
            assert 200 == (await notify(client, body)).status_code
            await billing.run_tasks()
        timeline = (await billing.services.dispatch.detail(job.id)).timeline
        assert 1 == [e.action for e in timeline].count("invoice_payment")

    async def test_another_company_is_answered_and_ignored(
        self, client: AsyncTestClient[Litestar], billing: Billing, intuit: FakeIntuit
    ) -> None:
        job = await invoiced(billing)
        reads = len(intuit.calls("/v3/", "GET"))
        answer = await notify(
            client, legacy("1111222233", ("Invoice", job.qb_invoice_id or "", "Update"))
        )
        await billing.run_tasks()
        assert (200, 0, reads) == (
            answer.status_code,
            answer.json()["queued"],
            len(intuit.calls("/v3/", "GET")),
        )


class TestRefusedNotifications:
    async def test_a_bad_signature_is_forbidden(
        self, client: AsyncTestClient[Litestar], intuit: FakeIntuit
    ) -> None:
        body = legacy(intuit.realm_id, ("Invoice", "130", "Update"))
        forged = quickbooks_signature("another verifier", body)
        answers = [
            await notify(client, body, signature=forged),
            await notify(client, body, signature=""),
            await notify(client, body, signature="not base64!"),
            await notify(client, body + b" ", signature=quickbooks_signature(VERIFIER, body)),
        ]
        assert [403] * 4 == [a.status_code for a in answers]
        assert "application/problem+json" == answers[0].headers["content-type"]

    async def test_no_verifier_is_503(self, billing: Billing, intuit: FakeIntuit) -> None:
        """CONTRACT: without SM2_QBO_WEBHOOK_VERIFIER the webhook answers 503."""
        async with AsyncTestClient(app=web_app(billing, verifier=None)) as client:
            answer = await notify(client, legacy(intuit.realm_id, ("Invoice", "130", "Update")))
        assert 503 == answer.status_code
        assert "SM2_QBO_WEBHOOK_VERIFIER" in answer.json()["detail"]

    async def test_a_signed_payload_that_is_no_notification_is_422(
        self, client: AsyncTestClient[Litestar]
    ) -> None:
        answers = [
            await notify(client, b"not json"),
            await notify(client, json.dumps({"hello": "world"}).encode()),
            await notify(
                client,
                json.dumps({"eventNotifications": [{"dataChangeEvent": {}}]}).encode(),
            ),
        ]
        assert [422, 422, 422] == [a.status_code for a in answers]


class TestThroughTheChangePoll:
    async def test_a_missed_webhook_is_caught_by_the_poll(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """No notification: the next poll asks Intuit's change data capture since its cursor
        and finds the payment."""
        job = await invoiced(billing)
        first = await billing.services.payments.poll_when_due()
        assert first is not None
        assert first.caught_up  # the first poll reads open invoices
        intuit.ledger.record_payment(job.qb_invoice_id or "", total_of(intuit, job))
        assert await billing.services.payments.poll_when_due() is None  # not due yet
        billing.clock.advance(minutes=15)
        report = await billing.services.payments.poll_when_due()
        assert report is not None
        assert not report.caught_up
        assert InvoiceState.PAID is (await billing.job(job.id)).invoice_state
        (cdc,) = intuit.calls("/cdc", "GET")
        assert "Invoice,Payment" == cdc.query["entities"]

    async def test_voids_and_deletions_through_the_poll(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        voided, deleted, paid_in_part = (
            await invoiced(billing),
            await invoiced(billing),
            await invoiced(billing),
        )
        await billing.services.payments.poll()
        intuit.ledger.void_invoice(voided.qb_invoice_id or "")
        intuit.ledger.delete_invoice(deleted.qb_invoice_id or "")
        intuit.ledger.record_payment(paid_in_part.qb_invoice_id or "", "10.00")
        report = await billing.services.payments.poll()
        assert report is not None
        assert (InvoiceState.VOIDED, InvoiceState.VOIDED, InvoiceState.PARTIALLY_PAID) == (
            (await billing.job(voided.id)).invoice_state,
            (await billing.job(deleted.id)).invoice_state,
            (await billing.job(paid_in_part.id)).invoice_state,
        )

    async def test_a_deleted_payment_takes_the_invoice_back(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        job = await invoiced(billing)
        await billing.services.payments.poll()
        payment = intuit.ledger.record_payment(job.qb_invoice_id or "", total_of(intuit, job))
        await billing.services.payments.poll()
        assert InvoiceState.PAID is (await billing.job(job.id)).invoice_state
        intuit.ledger.delete_payment(payment["Id"])
        await billing.services.payments.poll()
        assert InvoiceState.SYNCED is (await billing.job(job.id)).invoice_state

    async def test_a_capped_answer_reads_the_open_invoices(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """1,000 changes in the period: Intuit's answer may lack some, so every open invoice
        is read by id as well."""
        job = await invoiced(billing)
        await billing.services.payments.poll()
        intuit.ledger.record_payment(job.qb_invoice_id or "", total_of(intuit, job))
        intuit.ledger.other_payments(1000)
        report = await billing.services.payments.poll()
        assert report is not None
        assert report.caught_up
        assert InvoiceState.PAID is (await billing.job(job.id)).invoice_state

    async def test_overdue_once_the_due_date_passed(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """QuickBooks' due date, read back; the day after it, in Toronto, the invoice is
        overdue (by the refresh that reads it, or by the overdue pass)."""
        job, other = await invoiced(billing), await invoiced(billing)
        today = billing.services.payments.today()
        intuit.ledger.set_due_date(job.qb_invoice_id or "", today - timedelta(days=1))
        intuit.ledger.set_due_date(other.qb_invoice_id or "", today)
        await billing.services.payments.refresh(
            [job.qb_invoice_id or "", other.qb_invoice_id or ""]
        )
        assert (InvoiceState.OVERDUE, InvoiceState.SYNCED) == (
            (await billing.job(job.id)).invoice_state,
            (await billing.job(other.id)).invoice_state,
        )
        billing.clock.advance(days=1)
        assert [other.id] == [j.id for j in await billing.services.payments.mark_overdue()]

    async def test_a_refused_access_token_is_refreshed_once(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        job = await invoiced(billing)
        intuit.ledger.record_payment(job.qb_invoice_id or "", total_of(intuit, job))
        intuit.expire_access_tokens()
        await billing.services.payments.refresh_job(job.id)
        assert InvoiceState.PAID is (await billing.job(job.id)).invoice_state


FAILED_POLL = ChangePoll(
    realm_id="9341",
    last_attempt_at=datetime(2026, 11, 25, 13, 15, tzinfo=UTC),
    changed_since=datetime(2026, 11, 25, 12, 55, tzinfo=UTC),
    last_success_at=datetime(2026, 11, 25, 13, 0, tzinfo=UTC),
    last_error="quickbooks: Intuit is unreachable (ConnectionError)",
)


class TestHealth:
    async def test_the_change_poll_in_health(
        self,
        pg_uow: PostgresUnitOfWorkFactory,
        pg_url: str,
        qbo: QuickBooksIntegration,
        settings: Settings,
    ) -> None:
        """Health shows the poll's last run: nothing before the first; its error while it
        fails (``ok`` false), with the cursor where it stood."""
        install_schema(pg_url)
        app = build_task_app(pg_url, ServicesRef())
        await app.open_async(pool=pg_uow.pool)
        try:
            probe = PostgresHealth(pg_uow.pool, app, settings, qbo)
            before = (await probe.check())["integrations"]["quickbooks_changes"]
            async with pg_uow() as uow:
                await uow.change_polls.save(FAILED_POLL)
            after = (await probe.check())["integrations"]["quickbooks_changes"]
        finally:
            await app.close_async()
        assert (True, None) == (before["ok"], before["last_attempt_at"])
        assert (False, "2026-11-25T12:55:00+00:00", FAILED_POLL.last_error) == (
            after["ok"],
            after["changed_since"],
            after["last_error"],
        )
