"""Intuit's webhook: QuickBooks says an invoice or a payment changed.

Reading and verifying belong to the adapter (the ``AccountingWebhook`` port); the route queues a
task per change (``PaymentService.notified``) and answers 200 at once: Intuit retries a
notification that is not answered 200 within a few seconds, and reading the invoices from
QuickBooks takes longer than that. A notification about another company than the one connected
is answered 200 too, and ignored: retrying it would change nothing.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from litestar import Request, Response, post
from msgspec import Struct

from sm2_core.domain.records import RefusalReason, WebhookRefusal
from sm2_core.services import Services
from sm2_web.dependencies import AccountingHook
from sm2_web.problems import problem, problem_responses

log = logging.getLogger("sm2.web")

#: Each refusal's status and title: the Twilio webhook's choices (403 for a bad signature).
_REFUSALS = {
    RefusalReason.NOT_CONFIGURED: (503, "Not configured"),
    RefusalReason.TOO_LARGE: (413, "Payload too large"),
    RefusalReason.MALFORMED: (422, "Invalid input"),
    RefusalReason.BAD_SIGNATURE: (403, "Forbidden"),
}


class NotificationReceipt(Struct, kw_only=True):
    changes: int
    """Changes to invoices and payments the notification announced (other records left out)."""
    queued: int
    """Of them, those queued to be read from QuickBooks: not those of another company, nor
    those already waiting."""


def _refused(refusal: WebhookRefusal) -> Response[Any]:
    status, title = _REFUSALS[refusal.reason]
    return problem(status, title, refusal.detail)


@post(
    "/webhooks/quickbooks",
    operation_id="quickbooksWebhook",
    tags=["webhooks"],
    status_code=200,
    summary="Invoice and payment change notifications from Intuit (intuit-signature)",
    description="Intuit's notifications, in its legacy (eventNotifications) or CloudEvents "
    "format, signed with the app's verifier token (HMAC-SHA256 of the body, base64). Answers "
    "how many changes it read and how many were queued to be read from QuickBooks.",
    responses=problem_responses(403, 413, 422, 503),
)
async def quickbooks_webhook(
    request: Request[Any, Any, Any], services: Services, accounting_webhook: AccountingHook
) -> Response[NotificationReceipt]:
    changes = accounting_webhook.read(
        await request.body(), signature=request.headers.get("intuit-signature", "")
    )
    if isinstance(changes, WebhookRefusal):
        # A problem document in place of the receipt: its own status, its own body.
        return cast("Response[NotificationReceipt]", _refused(changes))
    queued = await services.payments.notified(changes)
    if changes and not queued:
        log.info("quickbooks webhook: %d change(s), none new for this company", len(changes))
    return Response(NotificationReceipt(changes=len(changes), queued=queued), status_code=200)
