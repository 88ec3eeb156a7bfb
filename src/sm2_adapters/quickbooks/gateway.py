"""The AccountingGateway port on QuickBooks Online."""

from __future__ import annotations

import asyncio
import logging

from sm2_adapters.quickbooks.api import AccessRefused, QboApi
from sm2_adapters.quickbooks.config import QboConfig
from sm2_adapters.quickbooks.invoicing import sync_invoice
from sm2_adapters.quickbooks.limits import RealmLimits
from sm2_adapters.quickbooks.oauth import SYSTEM
from sm2_adapters.quickbooks.refresh import Grant, TokenManager
from sm2_core.errors import IntegrationError
from sm2_core.ports import InvoiceReceipt, InvoiceRequest

log = logging.getLogger(__name__)


class QuickBooksGateway:
    def __init__(self, config: QboConfig, tokens: TokenManager, limits: RealmLimits) -> None:
        self._config = config
        self._tokens = tokens
        self._limits = limits

    async def create_invoice(self, request: InvoiceRequest) -> InvoiceReceipt:
        """Idempotent on the job id; raises NotConfigured or IntegrationError."""
        grant = await self._tokens.access()
        try:
            receipt = await self._attempt(grant, request)
        except AccessRefused:
            # Revoked early (or the clocks disagree): one refresh, one more try, no loop.
            await self._tokens.expire(grant)
            try:
                receipt = await self._attempt(await self._tokens.access(), request)
            except AccessRefused as exc:
                raise IntegrationError(
                    SYSTEM,
                    "Intuit refused a freshly refreshed access token; reconnect QuickBooks",
                    transient=False,
                    code="401",
                ) from exc
        log.info("QuickBooks invoice %s for job %s", receipt.invoice_id, request.job_code)
        return receipt

    async def _attempt(self, grant: Grant, request: InvoiceRequest) -> InvoiceReceipt:
        async with self._limits.slots(grant.realm_id):
            return await asyncio.to_thread(self._sync, grant, request)

    def _sync(self, grant: Grant, request: InvoiceRequest) -> InvoiceReceipt:
        api = QboApi(self._config, grant, self._limits.budget(grant.realm_id))
        try:
            return sync_invoice(api, request, tax_code=self._config.tax_code)
        finally:
            api.close()
