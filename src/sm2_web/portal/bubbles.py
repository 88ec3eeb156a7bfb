"""How the texts of a conversation read on a page (the Messages pages and a job's page)."""

from __future__ import annotations

from typing import Any

#: How a text we send stands, in words (its status).
OUT_STATUS = {
    "QUEUED": "Queued",
    "SENDING": "Sending",
    "PUSHED": "Pushed, waiting for the phone",
    "SENT": "Sent",
    "DELIVERED": "Delivered",
    "UNDELIVERED": "Not delivered",
    "FAILED": "Failed",
    "NOT_CONFIGURED": "Not sent: Twilio is not configured",
    "OPTED_OUT": "Not sent: the number opted out",
}
#: What a text we send is for (its kind); a dispatcher's reply needs no label.
KINDS = {
    "CONFIRMATION": "Confirmation",
    "ALERT": "Technician alert",
    "STATUS": "Status update",
    "SUMMARY": "Morning summary",
}


def bubble_context() -> dict[str, Any]:
    """What ``admin/_bubble.html`` needs beside the text itself."""
    return {"out_status": OUT_STATUS, "kinds": KINDS}
