"""The InvoiceStatusSource port on QuickBooks Online: invoices read back after they were made,
payments' invoices, and the change data capture, on python-quickbooks.

Every call runs in a worker thread under the company's rate limits, with an access token that
is refreshed first when needed; a token Intuit refuses early is refreshed once, and the call
tried once more (as invoicing does).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from sm2_adapters.quickbooks import readings
from sm2_adapters.quickbooks.api import AccessRefused, QboApi
from sm2_adapters.quickbooks.config import QboConfig
from sm2_adapters.quickbooks.limits import RealmLimits
from sm2_adapters.quickbooks.oauth import SYSTEM
from sm2_adapters.quickbooks.refresh import Grant, TokenManager
from sm2_adapters.quickbooks.tokens import ConnectionStatus, TokenStore
from sm2_core.domain.payments import InvoiceFacts, QuickBooksChanges
from sm2_core.errors import IntegrationError
from sm2_core.ports import Clock, InvoiceStatusSource

T = TypeVar("T")


class QuickBooksPayments:
    def __init__(
        self,
        config: QboConfig,
        store: TokenStore,
        tokens: TokenManager,
        limits: RealmLimits,
        *,
        clock: Clock,
    ) -> None:
        self._config = config
        self._store = store
        self._tokens = tokens
        self._limits = limits
        self._clock = clock

    async def realm(self) -> str | None:
        connection = await self._store.load()
        if connection is None or connection.status is not ConnectionStatus.CONNECTED:
            return None
        return connection.realm_id

    async def invoices(self, qb_invoice_ids: Sequence[str]) -> list[InvoiceFacts]:
        ids = list(qb_invoice_ids)
        return await self._call(lambda api: readings.read_invoices(api, ids)) if ids else []

    async def payment_invoices(self, payment_id: str) -> list[str] | None:
        return await self._call(lambda api: readings.payment_invoices(api, payment_id))

    async def changed_since(self, since: datetime) -> QuickBooksChanges:
        now = self._clock.now()
        return await self._call(lambda api: readings.changed_since(api, since, now=now))

    async def _call(self, work: Callable[[QboApi], T]) -> T:
        grant = await self._tokens.access()
        try:
            return await self._attempt(grant, work)
        except AccessRefused:
            # Revoked early (or the clocks disagree): one refresh, one more try, no loop.
            await self._tokens.expire(grant)
            try:
                return await self._attempt(await self._tokens.access(), work)
            except AccessRefused as exc:
                raise IntegrationError(
                    SYSTEM,
                    "Intuit refused a freshly refreshed access token; reconnect QuickBooks",
                    transient=False,
                    code="401",
                ) from exc

    async def _attempt(self, grant: Grant, work: Callable[[QboApi], T]) -> T:
        async with self._limits.slots(grant.realm_id):
            return await asyncio.to_thread(self._run, grant, work)

    def _run(self, grant: Grant, work: Callable[[QboApi], T]) -> T:
        api = QboApi(self._config, grant, self._limits.budget(grant.realm_id))
        try:
            return work(api)
        finally:
            api.close()


def _conforms(source: QuickBooksPayments) -> InvoiceStatusSource:
    """Checked by mypy: the adapter has the shape of the port."""
    return source
