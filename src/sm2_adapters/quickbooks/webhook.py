"""Intuit's webhook notifications: size, signature, then the changes they announce.

Intuit signs the raw body: ``intuit-signature`` is the base64 of its HMAC-SHA256 keyed with the
app's verifier token. It is compared in constant time here (python-quickbooks'
``validate_webhook_signature`` compares with ``==`` and wants the body as text).

Two payload formats are read, since Intuit moved its webhooks to CloudEvents in 2026 and an app
may receive either while it switches:

- legacy: ``{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities": [{"name", "id",
  "operation", "lastUpdated"}]}}]}``;
- CloudEvents: ``[{"specversion", "type": "qbo.invoice.updated.v1", "intuitentityid",
  "intuitaccountid", "time", ...}]``.

Only invoices and payments matter to SM2; changes to other records are left out. Notifications
name what changed, never the amounts: the task that follows reads them from QuickBooks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

import attrs

from sm2_adapters.quickbooks.readings import intuit_time
from sm2_core.domain.payments import EntityChange, QbEntity, QbOperation
from sm2_core.domain.records import RefusalReason, WebhookRefusal
from sm2_core.ports import AccountingWebhook

#: Intuit batches a few hundred changes at most; anything this large is not a notification.
MAX_WEBHOOK_BYTES = 512 * 1024
UNCONFIGURED = (
    "SM2_QBO_WEBHOOK_VERIFIER is not set: QuickBooks notifications cannot be verified "
    "(the change poll still runs)"
)
#: CloudEvents' past-tense verbs, as the legacy format's operations.
_VERBS = {
    "created": QbOperation.CREATE,
    "updated": QbOperation.UPDATE,
    "deleted": QbOperation.DELETE,
    "voided": QbOperation.VOID,
    "merged": QbOperation.MERGE,
    "emailed": QbOperation.EMAILED,
}
_ENTITIES = {entity.value.lower(): entity for entity in QbEntity}


class _Malformed(ValueError):
    pass


def signature_of(body: bytes, verifier: str) -> str:
    """The ``intuit-signature`` Intuit sends with ``body``."""
    digest = hmac.new(verifier.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _signed(body: bytes, signature: str, verifier: str) -> bool:
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(verifier.encode("utf-8"), body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, given)


@attrs.frozen
class IntuitWebhook:
    """The ``AccountingWebhook`` port for Intuit's notifications."""

    verifier: str | None = attrs.field(repr=False)
    max_bytes: int = MAX_WEBHOOK_BYTES

    def read(self, body: bytes, *, signature: str) -> list[EntityChange] | WebhookRefusal:
        if not self.verifier:
            return WebhookRefusal(RefusalReason.NOT_CONFIGURED, UNCONFIGURED)
        if len(body) > self.max_bytes:
            return WebhookRefusal(
                RefusalReason.TOO_LARGE, f"a notification is at most {self.max_bytes} bytes"
            )
        if not signature or not _signed(body, signature, self.verifier):
            return WebhookRefusal(
                RefusalReason.BAD_SIGNATURE,
                "the intuit-signature header is missing or does not match the payload",
            )
        try:
            return changes(json.loads(body))
        except (_Malformed, ValueError, UnicodeDecodeError) as exc:
            return WebhookRefusal(RefusalReason.MALFORMED, f"not an Intuit notification: {exc}")


def changes(document: object) -> list[EntityChange]:
    """The invoice and payment changes of a notification, in either format."""
    if isinstance(document, dict) and "eventNotifications" in document:
        return _legacy(document["eventNotifications"])
    if isinstance(document, list):
        return [c for event in document if (c := _cloud_event(event)) is not None]
    if isinstance(document, dict) and "specversion" in document:
        found = _cloud_event(document)  # one event sent alone
        return [found] if found else []
    raise _Malformed("neither eventNotifications nor CloudEvents")


def _legacy(notifications: object) -> list[EntityChange]:
    found: list[EntityChange] = []
    for notification in _list(notifications, "eventNotifications"):
        realm = _text(notification, "realmId")
        data = notification.get("dataChangeEvent") or {}
        if not isinstance(data, dict):
            raise _Malformed("dataChangeEvent is not an object")
        for entity in _list(data.get("entities") or [], "entities"):
            kind = _ENTITIES.get(str(entity.get("name", "")).lower())
            operation = _operation(entity.get("operation"))
            if kind is None or operation is None:
                continue  # a customer, an item ...: not ours to follow
            found.append(
                EntityChange(
                    realm_id=realm,
                    entity=kind,
                    entity_id=_text(entity, "id"),
                    operation=operation,
                    last_updated=intuit_time(entity.get("lastUpdated")),
                )
            )
    return found


def _cloud_event(event: object) -> EntityChange | None:
    if not isinstance(event, dict):
        raise _Malformed("an event is not an object")
    # "qbo.invoice.updated.v1": the product, the entity, the verb, the version.
    parts = str(event.get("type", "")).split(".")
    if len(parts) != 4 or parts[0] != "qbo":
        return None
    kind, operation = _ENTITIES.get(parts[1]), _VERBS.get(parts[2])
    if kind is None or operation is None:
        return None
    return EntityChange(
        realm_id=_text(event, "intuitaccountid"),
        entity=kind,
        entity_id=_text(event, "intuitentityid"),
        operation=operation,
        last_updated=intuit_time(event.get("time")),
    )


def _operation(value: object) -> QbOperation | None:
    try:
        return QbOperation(str(value).capitalize())
    except ValueError:
        return None


def _list(value: object, name: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _Malformed(f"{name} is not a list of objects")
    return value


def _text(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str | int) or not str(value).strip() or len(str(value)) > 64:
        raise _Malformed(f"{name} is missing")
    return str(value).strip()


def _conforms(webhook: IntuitWebhook) -> AccountingWebhook:
    """Checked by mypy: the reader has the shape of the port."""
    return webhook
