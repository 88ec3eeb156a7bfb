"""QuickBooks Online: the AccountingGateway port (python-quickbooks) and the OAuth connection
(intuit-oauth), with tokens Fernet-encrypted in PostgreSQL.

Build once per process with :func:`quickbooks_from_settings` and share it: the gateway, the web
routes and the CLI then use one Intuit client, one token lock and one set of rate limits.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.clock import SystemClock
from sm2_adapters.quickbooks.config import QboConfig
from sm2_adapters.quickbooks.crypto import TokenCipher
from sm2_adapters.quickbooks.gateway import QuickBooksGateway
from sm2_adapters.quickbooks.integration import QuickBooksIntegration
from sm2_adapters.quickbooks.limits import RealmLimits
from sm2_adapters.quickbooks.oauth import IntuitOAuth
from sm2_adapters.quickbooks.payments import QuickBooksPayments
from sm2_adapters.quickbooks.pgstore import PostgresTokenStore
from sm2_adapters.quickbooks.refresh import TokenManager
from sm2_adapters.quickbooks.tokens import Connection, MemoryTokenStore, TokenStore
from sm2_adapters.settings import Settings
from sm2_core.ports import AccountingGateway, Clock

Pool = AsyncConnectionPool[AsyncConnection[Any]]


def build_integration(
    config: QboConfig,
    store: TokenStore,
    *,
    clock: Clock,
    limits: RealmLimits | None = None,
) -> QuickBooksIntegration:
    oauth = IntuitOAuth(config, clock=clock)
    tokens = TokenManager(store, oauth, clock=clock)
    limits = limits or RealmLimits()
    return QuickBooksIntegration(
        config=config,
        store=store,
        clock=clock,
        oauth=oauth,
        gateway=QuickBooksGateway(config, tokens, limits),
        payments=QuickBooksPayments(config, store, tokens, limits, clock=clock),
    )


def quickbooks_from_settings(
    settings: Settings, pool: Pool | None, *, clock: Clock | None = None
) -> QuickBooksIntegration:
    """Tokens in PostgreSQL through ``pool`` (or in memory when None, for the demo and tests).

    Without QBO_CLIENT_ID/QBO_CLIENT_SECRET the integration refuses every action and its
    gateway records "QuickBooks not connected". Makes no request: Intuit is first contacted
    when a connection, refresh or invoice needs it.
    """
    clock = clock or SystemClock()
    config = QboConfig.from_settings(settings)
    if config is None:
        return QuickBooksIntegration(config=None, store=MemoryTokenStore(), clock=clock)
    store: TokenStore = MemoryTokenStore()
    if pool is not None:
        secret = settings.secret_key or settings.dev_secret("secret_key")
        store = PostgresTokenStore(pool, TokenCipher(secret))
    return build_integration(config, store, clock=clock)


def quickbooks_gateway_from_settings(settings: Settings, pool: Pool | None) -> AccountingGateway:
    """Just the gateway; prefer sharing one :func:`quickbooks_from_settings` with the routes."""
    return quickbooks_from_settings(settings, pool).gateway


__all__ = [
    "Connection",
    "MemoryTokenStore",
    "PostgresTokenStore",
    "QboConfig",
    "QuickBooksGateway",
    "QuickBooksIntegration",
    "QuickBooksPayments",
    "TokenCipher",
    "build_integration",
    "quickbooks_from_settings",
    "quickbooks_gateway_from_settings",
]
