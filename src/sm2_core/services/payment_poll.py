"""The change poll: QuickBooks' change data capture, the safety net for missed notifications.

Intuit retries a webhook it could not deliver for a while, then gives up; SM2 may be down, or a
notification lost. Every ``poll_every`` the poll asks QuickBooks what changed since its cursor
(stored per company, so every worker shares it) and applies it like a notification's reading.

QuickBooks keeps changes for 30 days and returns at most 1,000 records: with no cursor (the
first poll), a cursor older than that (the poll was off for a month), or a capped answer, the
poll reads every open invoice by id instead ("catching up"). A failed run keeps the cursor:
the next one asks for the same period again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sm2_core.domain.payments import ChangePoll, PollReport, RefreshReport
from sm2_core.errors import InvalidInput, Sm2Error
from sm2_core.payments import OPEN
from sm2_core.ports import JobFilter

if TYPE_CHECKING:
    from sm2_core.services.payments import PaymentService

#: How far back QuickBooks' change data capture reaches (30 days), with a margin.
LOOKBACK = timedelta(days=30) - timedelta(hours=1)
#: Each period starts this much before the last one ended: QuickBooks' clock, which dates the
#: changes, and ours may disagree a little, and reading a change twice costs nothing.
OVERLAP = timedelta(minutes=5)
_PAGE = 200


async def poll_when_due(service: PaymentService) -> PollReport | None:
    """The periodic task's call (every minute): a poll when the company's last attempt is
    ``poll_every`` old; None when none was due or no company is connected."""
    return await _poll(service, due_only=True)


async def poll_now(service: PaymentService, *, since: datetime | None = None) -> PollReport | None:
    """A poll at once, from ``since`` (at most 30 days back) or from the cursor; None when no
    company is connected."""
    if since is not None and service.clock.now() - since > LOOKBACK:
        raise InvalidInput(
            "QuickBooks keeps its changes for 30 days: give a later time, or read every open "
            "invoice instead",
            fields={"since": "more than 30 days ago"},
        )
    return await _poll(service, due_only=False, since=since)


async def _poll(
    service: PaymentService, *, due_only: bool, since: datetime | None = None
) -> PollReport | None:
    realm = await service.source.realm()
    if realm is None:
        return None
    now = service.clock.now()
    async with service.uow() as uow:
        last = await uow.change_polls.get(realm)
    if due_only and last is not None and now - last.last_attempt_at < service.poll_every:
        return None
    start = since if since is not None else (last.changed_since if last else None)
    try:
        if start is None or now - start > LOOKBACK:
            report = PollReport(realm, None, await catch_up(service), caught_up=True)
            cursor = now - OVERLAP
        else:
            report, cursor = await _changes(service, realm, start)
    except Sm2Error as exc:
        await _record(service, realm, now, error=exc.message)
        raise
    await _record(service, realm, now, cursor=cursor, changed=len(report.refreshed.changed))
    return report


async def _changes(
    service: PaymentService, realm: str, start: datetime
) -> tuple[PollReport, datetime]:
    changes = await service.source.changed_since(start)
    seen = {facts.qb_invoice_id for facts in changes.invoices}
    report = await service.apply(changes.invoices)
    report += await service.refresh([i for i in changes.paid_invoice_ids if i not in seen])
    if not changes.complete:
        # QuickBooks capped its answer: what it left out is read invoice by invoice.
        report += await catch_up(service)
    return (
        PollReport(realm, start, report, caught_up=not changes.complete),
        changes.as_of - OVERLAP,
    )


async def catch_up(service: PaymentService) -> RefreshReport:
    """Every open invoice (SYNCED, PARTIALLY_PAID, OVERDUE) read from QuickBooks by id."""
    ids: list[str] = []
    for state in OPEN:
        cursor: str | None = None
        while True:
            async with service.uow() as uow:
                page = await uow.jobs.search(
                    JobFilter(invoice_state=state), limit=_PAGE, cursor=cursor
                )
            ids += [job.qb_invoice_id for job in page.items if job.qb_invoice_id]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    return await service.refresh(ids)


async def _record(
    service: PaymentService,
    realm: str,
    now: datetime,
    *,
    cursor: datetime | None = None,
    changed: int = 0,
    error: str | None = None,
) -> None:
    """The attempt, under the poll's lock: a success moves the cursor forward only (a poll
    from an earlier ``since`` never takes it back), a failure keeps it."""
    async with service.uow() as uow:
        last = await uow.change_polls.get(realm, for_update=True)
        kept = last.changed_since if last else None
        if error is not None:
            poll = ChangePoll(
                realm_id=realm,
                last_attempt_at=now,
                changed_since=kept,
                last_success_at=last.last_success_at if last else None,
                last_error=error[:500],
                last_changed=last.last_changed if last else 0,
            )
        else:
            assert cursor is not None
            poll = ChangePoll(
                realm_id=realm,
                last_attempt_at=now,
                changed_since=max(cursor, kept) if kept else cursor,
                last_success_at=now,
                last_changed=changed,
            )
        await uow.change_polls.save(poll)
