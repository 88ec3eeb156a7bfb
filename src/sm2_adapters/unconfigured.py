"""Stand-ins for integrations that are not configured: they refuse, clearly, every time.

CONTRACT.md: without Twilio credentials outbound texts stay in the outbox unsent; without a
QuickBooks connection approval records the invoice as FAILED "QuickBooks not connected".
"""

from __future__ import annotations

from sm2_core.errors import NotConfigured
from sm2_core.ports import InvoiceReceipt, InvoiceRequest


class SmsNotConfigured:
    async def send(self, *, to: str, body: str) -> str:
        raise NotConfigured("Twilio is not configured: the text stays in the outbox, unsent")


class AccountingNotConfigured:
    async def create_invoice(self, request: InvoiceRequest) -> InvoiceReceipt:
        raise NotConfigured("QuickBooks not connected")
