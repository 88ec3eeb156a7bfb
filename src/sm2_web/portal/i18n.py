"""French and English: the language comes from the switch (a cookie), else from Accept-Language.

Message ids are the English text, so a template reads naturally and English needs no catalog;
``catalog_fr`` holds the French. A test checks that every id the portal uses is translated.
"""

from __future__ import annotations

import enum

import attrs

from sm2_web.portal.catalog_fr import FRENCH

LANGUAGES = ("fr", "en")
#: Québec's official language, for browsers that ask for neither.
DEFAULT_LANGUAGE = "fr"
LANG_COOKIE = "sm2_lang"

# How enum values, audit actions and job fields read; translated like any other message.
_ENUM_LABELS = {
    "PENDING": "Pending",
    "SCHEDULED": "Scheduled",
    "IN_PROGRESS": "In progress",
    "COMPLETED": "Completed",
    "CANCELLED": "Cancelled",
    "LOW": "Low",
    "MEDIUM": "Medium",
    "HIGH": "High",
    "CRITICAL": "Critical",
    "NOT_STARTED": "Not started",
    "PENDING_APPROVAL": "Waiting for approval",
    "SYNCED": "Synced",
    "FAILED": "Failed",
    "PAID": "Paid",
    "PARTIALLY_PAID": "Partly paid",
    "OVERDUE": "Overdue",
    "VOIDED": "Voided",
    "AVAILABLE": "Available",
    "BUSY": "Busy",
    "OFFLINE": "Offline",
    "ON_LEAVE": "On leave",
    "RECEIVED": "Received",
    "UNMATCHED": "Unknown sender",
    "NO_WORK": "No work asked",
    "PROCESSED": "Processed",
    # A dealership's status texts (NoticeKind), as its form and list show them.
    "assigned": "Technician assigned",
    "started": "Work started",
    "completed": "Work completed",
    # Why a job needs a dispatcher (sm2_core.attention.Attention), on the board's filter.
    "awaiting_verification": "Awaiting verification",
    "no_service": "Service not recognised",
    "awaiting_approval": "Completed, awaiting approval",
    "invoice_failed": "Invoice failed",
    "alert_undelivered": "Alert to the technician not delivered",
    "action.create": "Created",
    "action.edit": "Edited",
    "action.assign": "Assigned",
    "action.unassign": "Put back on the board",
    "action.verify": "Verified",
    "action.accept": "Accepted",
    "action.complete": "Completed",
    "action.cancel": "Cancelled",
    "action.approve": "Approved",
    "action.invoice_synced": "Invoice synced",
    "action.invoice_failed": "Invoice failed",
    "action.schedule": "Window set",
    "action.notes": "Notes for the technician changed",
    "action.invoice_payment": "Invoice updated from QuickBooks",
    "action.invoice_overdue": "Invoice overdue",
    "action.invoice_adjust": "Invoice line adjusted",
    "action.photo": "Photo of the work added",
    "action.photo_removed": "Photo of the work removed",
    "field.status": "Status",
    "field.tech_id": "Technician",
    "field.urgency": "Urgency",
    "field.window_start": "Window start",
    "field.window_end": "Window end",
    "field.notes": "Notes",
    "field.service_code": "Service",
    "field.verified_by": "Verified by",
    "field.cancel_reason": "Reason",
    "field.invoice_state": "Invoice",
    "field.qb_invoice_id": "QuickBooks invoice",
    "field.invoice_error": "Invoice error",
    "field.approved_by": "Approved by",
    "field.total": "Total with taxes",
    "field.paid": "Amount paid",
    "field.balance": "Balance",
    "field.due_date": "Due date",
    "field.invoice_line": "Invoice line",
}


def _weighted(accept_language: str) -> list[tuple[float, int, str]]:
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    return sorted(ranked)


def negotiate(accept_language: str | None, chosen: str | None = None) -> str:
    """The switch wins; then the browser's preferences in order of weight; then French."""
    if chosen in LANGUAGES:
        return chosen
    for negative_quality, _, tag in _weighted(accept_language or ""):
        primary = tag.split("-")[0]
        if negative_quality < 0 and primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


@attrs.frozen
class Translator:
    lang: str

    def __call__(self, message: str, **values: object) -> str:
        text = FRENCH.get(message, message) if self.lang == "fr" else message
        return text.format(**values) if values else text

    def label(self, value: enum.Enum | str | None) -> str:
        """An enum value as words (``IN_PROGRESS`` → "In progress" / "En cours")."""
        if value is None:
            return ""
        raw = value.value if isinstance(value, enum.Enum) else value
        return self(_ENUM_LABELS.get(str(raw), str(raw)))

    @property
    def other(self) -> str:
        """The language the switch offers."""
        return "en" if self.lang == "fr" else "fr"


def enum_labels() -> dict[str, str]:
    return dict(_ENUM_LABELS)
