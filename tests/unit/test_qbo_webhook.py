"""Intuit's webhook notifications read (``sm2_adapters.quickbooks.webhook``), Intuit's invoice
and change documents turned into facts (``sm2_adapters.quickbooks.readings``), and the payments'
settings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sm2_adapters.quickbooks.readings import intuit_time, invoice_facts, linked_invoices
from sm2_adapters.quickbooks.webhook import IntuitWebhook, signature_of
from sm2_adapters.settings import Settings
from sm2_core.domain.payments import EntityChange, QbEntity, QbOperation
from sm2_core.domain.records import RefusalReason, WebhookRefusal
from sm2_core.errors import InvalidInput

VERIFIER = "7d2c3b84-verifier"
HOOK = IntuitWebhook(verifier=VERIFIER)
LEGACY = {
    "eventNotifications": [
        {
            "realmId": "310687",
            "dataChangeEvent": {
                "entities": [
                    {"id": "1234", "operation": "Create", "name": "Account"},
                    {
                        "id": "130",
                        "operation": "Update",
                        "name": "Invoice",
                        "lastUpdated": "2026-11-25T20:52:31.657Z",
                    },
                    {"id": "77", "operation": "Delete", "name": "Payment"},
                ]
            },
        },
        {
            "realmId": "999",
            "dataChangeEvent": {"entities": [{"id": "5", "operation": "Void", "name": "Invoice"}]},
        },
    ]
}
CLOUD = [
    {
        "specversion": "1.0",
        "id": "88cd52aa-33b6-4351-9aa4-47572edbd068",
        "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
        "type": "qbo.payment.created.v1",
        "datacontenttype": "application/json",
        "time": "2026-11-25T21:31:25.179851517Z",
        "intuitentityid": "88",
        "intuitaccountid": "310687",
        "data": {},
    },
    {"specversion": "1.0", "type": "qbo.customer.merged.v1", "intuitentityid": "1"},
    {
        "specversion": "1.0",
        "type": "qbo.invoice.voided.v1",
        "intuitentityid": "130",
        "intuitaccountid": "310687",
    },
]


def read(document: object, *, signature: str | None = None) -> list[EntityChange] | WebhookRefusal:
    body = json.dumps(document).encode()
    return HOOK.read(
        body, signature=signature_of(body, VERIFIER) if signature is None else signature
    )


class TestSignature:
    def test_intuit_s_own_computation(self) -> None:
        """base64(HMAC-SHA256(verifier, raw body)), as Intuit documents it."""
        body = b'{"eventNotifications":[]}'
        expected = base64.b64encode(hmac.new(VERIFIER.encode(), body, hashlib.sha256).digest())
        assert expected.decode() == signature_of(body, VERIFIER)

    @pytest.mark.parametrize(
        "signature", ["", "not base64!", signature_of(b"another body", VERIFIER), "AAAA"]
    )
    def test_refused(self, signature: str) -> None:
        refusal = read(LEGACY, signature=signature)
        assert isinstance(refusal, WebhookRefusal)
        assert RefusalReason.BAD_SIGNATURE is refusal.reason

    def test_no_verifier_refuses_everything(self) -> None:
        body = json.dumps(LEGACY).encode()
        refusal = IntuitWebhook(verifier=None).read(body, signature=signature_of(body, "x"))
        assert isinstance(refusal, WebhookRefusal)
        assert RefusalReason.NOT_CONFIGURED is refusal.reason

    def test_too_large(self) -> None:
        body = b"[" + b" " * 600_000 + b"]"
        refusal = HOOK.read(body, signature=signature_of(body, VERIFIER))
        assert isinstance(refusal, WebhookRefusal)
        assert RefusalReason.TOO_LARGE is refusal.reason


class TestPayloads:
    def test_legacy_notifications(self) -> None:
        """Invoices and payments of every company named; accounts and the like left out."""
        assert [
            EntityChange(
                "310687",
                QbEntity.INVOICE,
                "130",
                QbOperation.UPDATE,
                datetime(2026, 11, 25, 20, 52, 31, 657000, tzinfo=UTC),
            ),
            EntityChange("310687", QbEntity.PAYMENT, "77", QbOperation.DELETE),
            EntityChange("999", QbEntity.INVOICE, "5", QbOperation.VOID),
        ] == read(LEGACY)

    def test_cloud_events(self) -> None:
        assert [
            EntityChange(
                "310687",
                QbEntity.PAYMENT,
                "88",
                QbOperation.CREATE,
                datetime(2026, 11, 25, 21, 31, 25, 179851, tzinfo=UTC),
            ),
            EntityChange("310687", QbEntity.INVOICE, "130", QbOperation.VOID),
        ] == read(CLOUD)

    @pytest.mark.parametrize(
        "document",
        [
            {"hello": "world"},
            {"eventNotifications": "nope"},
            {"eventNotifications": [{"dataChangeEvent": {"entities": [{"name": "Invoice"}]}}]},
            [{"type": "qbo.invoice.updated.v1", "intuitentityid": "1"}],
            [42],
        ],
    )
    def test_signed_but_not_a_notification(self, document: object) -> None:
        refusal = read(document)
        assert isinstance(refusal, WebhookRefusal)
        assert RefusalReason.MALFORMED is refusal.reason

    def test_not_json(self) -> None:
        body = b"\xff\xfe not json"
        refusal = HOOK.read(body, signature=signature_of(body, VERIFIER))
        assert isinstance(refusal, WebhookRefusal)
        assert RefusalReason.MALFORMED is refusal.reason


class TestReadings:
    def test_an_invoice_with_taxes_part_paid(self) -> None:
        facts = invoice_facts(
            {
                "Id": "130",
                "TotalAmt": 103.42,
                "Balance": 50.0,
                "TxnTaxDetail": {"TotalTax": 13.47},
                "DueDate": "2026-12-25",
                "PrivateNote": "SM2 job 1234",
                "MetaData": {"LastUpdatedTime": "2026-11-25T10:00:01-08:00"},
            }
        )
        assert (Decimal("103.42"), Decimal("50.0"), Decimal("13.47")) == (
            facts.total,
            facts.balance,
            facts.tax,
        )
        assert (date(2026, 12, 25), False) == (facts.due_date, facts.voided)
        assert datetime(2026, 11, 25, 18, 0, 1, tzinfo=UTC) == facts.updated_at

    def test_voided_is_zeroed_with_voided_in_its_note(self) -> None:
        voided = {"Id": "1", "TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided - SM2 job"}
        zero = {"Id": "2", "TotalAmt": 0, "Balance": 0, "PrivateNote": "SM2 job"}
        assert (True, False) == (invoice_facts(voided).voided, invoice_facts(zero).voided)

    def test_no_balance_is_unpaid(self) -> None:
        """An answer without Balance must never read as paid."""
        assert Decimal("89.95") == invoice_facts({"Id": "3", "TotalAmt": 89.95}).balance

    def test_a_payment_s_invoices(self) -> None:
        payment = {
            "Line": [
                {"LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]},
                {"LinkedTxn": [{"TxnId": "9", "TxnType": "CreditMemo"}]},
                {"LinkedTxn": [{"TxnId": "131", "TxnType": "Invoice"}]},
            ]
        }
        assert ["130", "131"] == linked_invoices(payment)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-11-25T10:00:00-08:00", datetime(2026, 11, 25, 18, tzinfo=UTC)),
            ("2026-11-25T18:00:00.123Z", datetime(2026, 11, 25, 18, 0, 0, 123000, tzinfo=UTC)),
            (
                "2026-11-25T18:00:00.123456789Z",
                datetime(2026, 11, 25, 18, 0, 0, 123456, tzinfo=UTC),
            ),
            ("garbage", None),
            (None, None),
        ],
    )
    def test_intuit_times(self, text: str | None, expected: datetime | None) -> None:
        assert expected == intuit_time(text)


class TestSettings:
    def test_read_from_the_environment(self, tmp_path: Path) -> None:
        env = {"SM2_QBO_WEBHOOK_VERIFIER": " v-123 ", "SM2_QBO_CDC_MINUTES": "5"}
        settings = Settings.from_env(env, dotenv=tmp_path / ".env")
        assert ("v-123", 5) == (settings.qbo_webhook_verifier, settings.qbo_cdc_minutes)
        assert "v-123" not in repr(settings)

    def test_defaults(self, tmp_path: Path) -> None:
        settings = Settings.from_env({}, dotenv=tmp_path / ".env")
        assert (None, 15) == (settings.qbo_webhook_verifier, settings.qbo_cdc_minutes)

    @pytest.mark.parametrize("minutes", ["0", "1441", "soon"])
    def test_poll_minutes_out_of_range(self, minutes: str, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match="SM2_QBO_CDC_MINUTES"):
            Settings.from_env({"SM2_QBO_CDC_MINUTES": minutes}, dotenv=tmp_path / ".env")
