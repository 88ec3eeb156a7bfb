"""The application services: one use case per method, one unit of work per use case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import attrs

from sm2_core.errors import InvalidInput
from sm2_core.services.admin import AdminService
from sm2_core.services.billing import INVOICE_TASK, BillingService
from sm2_core.services.dispatch import DispatchService, JobDetail, Suggestion
from sm2_core.services.field import FieldService
from sm2_core.services.imports import COLUMNS, ImportReport, ImportService
from sm2_core.services.intake import PARSE_TASK, SMS_TASK, IntakeService, Receipt


@attrs.define(kw_only=True, frozen=True)
class Services:
    """Everything a driver (web app, CLI, task worker) calls."""

    intake: IntakeService
    dispatch: DispatchService
    field: FieldService
    billing: BillingService
    admin: AdminService
    imports: ImportService

    async def run_task(self, task: str, payload: Mapping[str, Any]) -> object:
        """Route a queued task to its use case; every one of them is safe to run twice."""
        try:
            if task == PARSE_TASK:
                return await self.intake.process_message(UUID(payload["message_id"]))
            if task == SMS_TASK:
                return await self.intake.send_sms(UUID(payload["outbox_id"]))
            if task == INVOICE_TASK:
                return await self.billing.sync_invoice(UUID(payload["job_id"]))
        except (KeyError, ValueError) as exc:
            raise InvalidInput(f"bad payload for task {task}: {payload!r}") from exc
        raise InvalidInput(f"unknown task {task!r}")


__all__ = [
    "COLUMNS",
    "INVOICE_TASK",
    "PARSE_TASK",
    "SMS_TASK",
    "AdminService",
    "BillingService",
    "DispatchService",
    "FieldService",
    "ImportReport",
    "ImportService",
    "IntakeService",
    "JobDetail",
    "Receipt",
    "Services",
    "Suggestion",
]
