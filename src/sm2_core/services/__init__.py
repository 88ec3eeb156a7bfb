"""The application services: one use case per method, one unit of work per use case."""

from __future__ import annotations

import attrs

from sm2_core.domain.records import ReceivedSms
from sm2_core.services.admin import AdminService
from sm2_core.services.billing import BillingService
from sm2_core.services.conversations import ConversationService
from sm2_core.services.corrections import CorrectionService
from sm2_core.services.dispatch import DispatchService, JobDetail, Suggestion
from sm2_core.services.field import FieldService
from sm2_core.services.imports import COLUMNS, ImportReport, ImportService, missing_columns
from sm2_core.services.intake import IntakeService
from sm2_core.services.media import MediaService
from sm2_core.services.notifications import NotificationService
from sm2_core.services.outbox import OutboxService
from sm2_core.services.payments import PaymentService
from sm2_core.services.photos import PhotoService
from sm2_core.services.receipt import (
    Receipt,
    ReceiptService,
    ReconcileReport,
    RefusedText,
    StoreAndQueue,
)
from sm2_core.services.reports import Reports, ReportService
from sm2_core.services.schedule import ScheduleService
from sm2_core.tasks import TASKS, TaskPayload


@attrs.define(kw_only=True, frozen=True)
class Services:
    """Everything a driver (web app, CLI, task worker) calls."""

    receipt: ReceiptService
    intake: IntakeService
    outbox: OutboxService
    dispatch: DispatchService
    field: FieldService
    billing: BillingService
    admin: AdminService
    imports: ImportService
    corrections: CorrectionService
    media: MediaService
    photos: PhotoService
    conversations: ConversationService
    notifications: NotificationService
    schedule: ScheduleService
    payments: PaymentService
    reports: ReportService

    async def run_task(self, task: TaskPayload) -> object:
        """Run one queued task (see ``sm2_core.tasks``); each is safe to run twice."""
        return await TASKS.run(self, task)


__all__ = [
    "COLUMNS",
    "AdminService",
    "BillingService",
    "ConversationService",
    "CorrectionService",
    "DispatchService",
    "FieldService",
    "ImportReport",
    "ImportService",
    "IntakeService",
    "JobDetail",
    "MediaService",
    "NotificationService",
    "OutboxService",
    "PaymentService",
    "PhotoService",
    "Receipt",
    "ReceiptService",
    "ReceivedSms",
    "ReconcileReport",
    "RefusedText",
    "ReportService",
    "Reports",
    "ScheduleService",
    "Services",
    "StoreAndQueue",
    "Suggestion",
    "missing_columns",
]
