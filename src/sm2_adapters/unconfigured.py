"""Stand-ins for integrations that are not configured: they refuse, clearly, every time.

CONTRACT.md: without Twilio credentials outbound texts stay in the outbox unsent; without a
QuickBooks connection approval records the invoice as FAILED "QuickBooks not connected".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sm2_core.domain.payments import InvoiceFacts, QuickBooksChanges
from sm2_core.domain.push import PushSubscription
from sm2_core.domain.records import ReceivedSms
from sm2_core.errors import NotConfigured
from sm2_core.media import Download
from sm2_core.ports import InvoiceReceipt, InvoiceRequest, PushOutcome

#: What reconciliation says when there is no Twilio account to ask.
TWILIO_INBOX_NOT_CONFIGURED = (
    "Twilio is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER"
)


class SmsNotConfigured:
    async def send(self, *, to: str, body: str) -> str:
        raise NotConfigured("Twilio is not configured: the text stays in the outbox, unsent")

    async def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        raise NotConfigured("Twilio is not configured: there is no carrier record to look in")


class CarrierInboxNotConfigured:
    async def received(self, *, since: datetime) -> list[ReceivedSms]:
        raise NotConfigured(TWILIO_INBOX_NOT_CONFIGURED)


class AccountingNotConfigured:
    async def create_invoice(self, request: InvoiceRequest) -> InvoiceReceipt:
        raise NotConfigured("QuickBooks not connected")


class InvoiceStatusNotConfigured:
    """No QuickBooks app configured: no company is connected, so no invoice is read back (a
    webhook's notifications are not ours, the change poll has nothing to poll)."""

    async def realm(self) -> str | None:
        return None

    async def invoices(self, qb_invoice_ids: Sequence[str]) -> list[InvoiceFacts]:
        raise NotConfigured("QuickBooks not connected")

    async def payment_invoices(self, payment_id: str) -> list[str] | None:
        raise NotConfigured("QuickBooks not connected")

    async def changed_since(self, since: datetime) -> QuickBooksChanges:
        raise NotConfigured("QuickBooks not connected")


class MediaSourceNotConfigured:
    """No Twilio credentials: a text's media cannot be fetched (they are kept behind them)."""

    async def fetch(self, url: str, *, limit: int) -> Download:
        raise NotConfigured(
            "Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to fetch MMS"
        )


class BlobStoreNotConfigured:
    """No place to keep files was given (a system built without one)."""

    async def put(self, key: str, data: bytes) -> None:
        raise NotConfigured("no blob store: files cannot be kept")

    async def get(self, key: str) -> bytes:
        raise NotConfigured("no blob store: files cannot be read")

    async def delete(self, key: str) -> None:
        raise NotConfigured("no blob store: files cannot be deleted")


class PushNotConfigured:
    """No VAPID key: browsers cannot subscribe (no public key to give them) and alerts go by
    SMS."""

    @property
    def public_key(self) -> str | None:
        return None

    async def push(
        self, subscription: PushSubscription, payload: dict[str, Any], *, ttl_seconds: int
    ) -> PushOutcome:
        raise NotConfigured("Web Push is not configured: no VAPID key")
