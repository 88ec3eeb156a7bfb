"""Tokens: refreshed before use, rotated and saved in one step, one refresh at a time, encrypted
at rest, and a rejected refresh token breaks the connection once instead of looping."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import psycopg
import pytest
from fake_intuit import FakeIntuit
from fake_qbo_books import Reply
from qbo_helpers import SECRET_KEY, Billing, connect
from test_qbo_gateway import invoice_request

from sm2_adapters.memory import ManualClock
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_adapters.quickbooks import (
    Connection,
    MemoryTokenStore,
    PostgresTokenStore,
    QboConfig,
    QuickBooksIntegration,
    TokenCipher,
    build_integration,
    quickbooks_from_settings,
)
from sm2_adapters.quickbooks.tokens import ConnectionStatus, TokenSet, TokenStore
from sm2_adapters.settings import Settings
from sm2_core.domain.enums import InvoiceState
from sm2_core.errors import IntegrationError


@pytest.fixture
def pg_store(pg_uow: PostgresUnitOfWorkFactory) -> PostgresTokenStore:
    return PostgresTokenStore(pg_uow.pool, TokenCipher(SECRET_KEY))


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest) -> TokenStore:
    if request.param == "memory":
        return MemoryTokenStore()
    return request.getfixturevalue("pg_store")  # type: ignore[no-any-return]


def stale(intuit: FakeIntuit, clock: ManualClock, *, refresh: str | None = None) -> Connection:
    """A connection whose access token has run out, with a live (or the given) refresh token."""
    access, live = intuit.issue_tokens()
    tokens = TokenSet(
        access_token=access,
        refresh_token=refresh or live,
        expires_at=clock.now() - timedelta(minutes=1),
    )
    return Connection.connected(intuit.realm_id, tokens)


class TestRefresh:
    async def test_refreshed_before_use_and_rotation_saved(
        self, store: TokenStore, config: QboConfig, clock: ManualClock, intuit: FakeIntuit
    ) -> None:
        """An expired access token is refreshed first; the rotated refresh token is kept."""
        old = stale(intuit, clock)
        await store.replace(old)
        qbo = build_integration(config, store, clock=clock)
        await qbo.gateway.create_invoice(invoice_request())
        saved = await store.load()
        assert saved is not None
        assert saved.refresh_token != old.refresh_token
        assert (1, False, True) == (
            len(intuit.refreshes),
            old.refresh_token in intuit.live_refresh,
            saved.refresh_token in intuit.live_refresh,
        )
        assert saved.expires_at == clock.now() + timedelta(hours=1)

    async def test_a_valid_token_is_not_refreshed(
        self, qbo: QuickBooksIntegration, clock: ManualClock, intuit: FakeIntuit
    ) -> None:
        """Within the hour, invoices use the token they have; after it, one refresh."""
        await connect(qbo, intuit)
        await qbo.gateway.create_invoice(invoice_request(1))
        clock.advance(minutes=50)
        await qbo.gateway.create_invoice(invoice_request(2))
        assert 1 == len(intuit.refreshes)
        clock.advance(minutes=6)  # within five minutes of expiry: refresh first
        await qbo.gateway.create_invoice(invoice_request(3))
        await qbo.gateway.create_invoice(invoice_request(4))
        assert 2 == len(intuit.refreshes)

    async def test_two_workers_refresh_once(
        self, store: TokenStore, config: QboConfig, clock: ManualClock, intuit: FakeIntuit
    ) -> None:
        """Two workers (each its own Intuit client) find the token stale at once: one refresh."""
        await store.replace(stale(intuit, clock))
        intuit.refresh_delay = 0.3
        workers = [build_integration(config, store, clock=clock) for _ in range(2)]
        receipts = await asyncio.gather(
            *(w.gateway.create_invoice(invoice_request(n)) for n, w in enumerate(workers, 1))
        )
        assert (1, 2) == (len(intuit.refreshes), len({r.invoice_id for r in receipts}))

    async def test_discovery_is_lazy_and_fetched_once(
        self, settings: Settings, clock: ManualClock, intuit: FakeIntuit
    ) -> None:
        """Building the integration asks Intuit nothing; later calls share one discovery."""
        qbo = quickbooks_from_settings(settings, None, clock=clock)
        assert [] == intuit.seen
        await connect(qbo, intuit)
        clock.advance(hours=2)
        await qbo.gateway.create_invoice(invoice_request())
        assert (1, 2) == (len(intuit.calls("/.well-known/", "GET")), len(intuit.refreshes))

    async def test_discovery_outage_is_transient_and_not_cached(
        self, qbo: QuickBooksIntegration, intuit: FakeIntuit
    ) -> None:
        """Intuit's discovery document down: retry later, and a later call fetches it again."""
        intuit.script("/.well-known/", Reply(503, None))
        with pytest.raises(IntegrationError) as caught:
            await connect(qbo, intuit)
        assert (True, "discovery") == (caught.value.transient, caught.value.code)
        await connect(qbo, intuit)
        assert "CONNECTED" == (await qbo.status())["status"]


class TestRejectedRefreshToken:
    async def test_connection_breaks_and_invoices_fail_without_looping(
        self,
        pg_uow: PostgresUnitOfWorkFactory,
        pg_store: PostgresTokenStore,
        config: QboConfig,
        clock: ManualClock,
        intuit: FakeIntuit,
    ) -> None:
        """invalid_grant: BROKEN once, the invoice FAILED with the reason, no retry, no second
        refresh for the next invoice, and the status shows it."""
        await pg_store.replace(stale(intuit, clock, refresh="AB11-revoked-elsewhere"))
        qbo = build_integration(config, pg_store, clock=clock)
        billing = await Billing.load(pg_uow, qbo.gateway)
        first = await billing.approve(await billing.completed_job())
        second = await billing.approve(await billing.completed_job())
        for job in (first, second):
            assert InvoiceState.FAILED == job.invoice_state
            assert "invalid_grant" in (job.invoice_error or "")
            assert "reconnect QuickBooks" in (job.invoice_error or "")
        assert ([], 1, []) == (
            billing.tasks.failed,
            len(intuit.refreshes),
            intuit.records("Invoice"),
        )
        status = await qbo.health()
        assert ("BROKEN", False) == (status["status"], status["connected"])
        assert "invalid_grant" in status["last_error"]

    async def test_reconnecting_mends_it(
        self, qbo: QuickBooksIntegration, clock: ManualClock, intuit: FakeIntuit
    ) -> None:
        """After set-tokens (or the OAuth callback) a broken connection works again."""
        await qbo.store.replace(stale(intuit, clock, refresh="dead"))
        with pytest.raises(IntegrationError):
            await qbo.gateway.create_invoice(invoice_request(1))
        await connect(qbo, intuit)
        await qbo.gateway.create_invoice(invoice_request(2))
        assert "CONNECTED" == (await qbo.status())["status"]


class TestAtRest:
    async def test_tokens_are_encrypted(
        self,
        pg_url: str,
        pg_store: PostgresTokenStore,
        config: QboConfig,
        clock: ManualClock,
        intuit: FakeIntuit,
    ) -> None:
        """The columns hold Fernet tokens, never the tokens themselves."""
        qbo = build_integration(config, pg_store, clock=clock)
        await connect(qbo, intuit)
        connection = await pg_store.load()
        assert connection is not None
        assert connection.access_token
        assert connection.refresh_token
        with psycopg.connect(pg_url) as conn:
            row = conn.execute(
                "SELECT realm_id, access_token, refresh_token FROM integration_tokens"
                " WHERE provider = 'quickbooks'"
            ).fetchone()
        assert row is not None
        assert row[0] == intuit.realm_id
        assert connection.access_token not in row[1]
        assert connection.refresh_token not in row[2]
        cipher = TokenCipher(SECRET_KEY)
        assert (connection.access_token, connection.refresh_token) == (
            cipher.decrypt(row[1]),
            cipher.decrypt(row[2]),
        )

    async def test_another_key_cannot_read_them(
        self,
        pg_uow: PostgresUnitOfWorkFactory,
        pg_store: PostgresTokenStore,
        clock: ManualClock,
        intuit: FakeIntuit,
        config: QboConfig,
    ) -> None:
        """With SM2_SECRET_KEY changed the connection reads as broken, with the likely cause."""
        await pg_store.replace(stale(intuit, clock))
        other = PostgresTokenStore(pg_uow.pool, TokenCipher("another key"))
        connection = await other.load()
        assert connection is not None
        assert ConnectionStatus.BROKEN is connection.status
        assert "SM2_SECRET_KEY" in (connection.last_error or "")
        qbo = build_integration(config, other, clock=clock)
        with pytest.raises(IntegrationError, match="SM2_SECRET_KEY") as caught:
            await qbo.gateway.create_invoice(invoice_request())
        assert not caught.value.transient


class TestStates:
    async def test_a_state_works_once_and_not_after_expiry(
        self, store: TokenStore, clock: ManualClock
    ) -> None:
        """One use each; an expired one never."""
        now = clock.now()
        await store.put_state("s1", expires_at=now + timedelta(minutes=10), now=now)
        await store.put_state("s2", expires_at=now + timedelta(minutes=10), now=now)
        assert (True, False) == (
            await store.take_state("s1", now),
            await store.take_state("s1", now),
        )
        later = now + timedelta(minutes=11)
        assert (False, False) == (
            await store.take_state("s2", later),
            await store.take_state("never", now),
        )

    async def test_states_are_hashed(self, pg_url: str, pg_store: PostgresTokenStore) -> None:
        """A row of the table cannot be replayed as a callback state."""
        now = ManualClock().now()
        await pg_store.put_state("the-state", expires_at=now + timedelta(minutes=1), now=now)
        with psycopg.connect(pg_url) as conn:
            keys = [r[0] for r in conn.execute("SELECT provider FROM integration_tokens")]
        assert 1 == len(keys)
        assert "the-state" not in keys[0]


def test_connection_repr_hides_tokens() -> None:
    """Tokens never show in a repr (logs, tracebacks)."""
    tokens = TokenSet(
        access_token="eyJsecret", refresh_token="AB11secret", expires_at=ManualClock().now()
    )
    text = repr(Connection.connected("123", tokens)) + repr(tokens)
    assert "secret" not in text
