"""The portal's small pure helpers, without a browser: formats, language, parts, redirects."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sm2_core.domain.enums import PolicyRule, ReferenceKind, Role
from sm2_core.domain.job import Part
from sm2_web.portal import (
    bubbles,
    day,
    errors,
    formats,
    i18n,
    inbox,
    jobs,
    messages,
    reference,
    reference_forms,
    reports,
    settings,
    users,
)
from sm2_web.portal.access import safe_next
from sm2_web.portal.catalog_fr import FRENCH
from sm2_web.portal.i18n import negotiate
from sm2_web.portal.tech import DONE as TECH_DONE
from sm2_web.portal.tech import parse_parts

NBSP = "\u00a0"
# 19:05 UTC on 25 Nov 2026 is 14:05 in Québec (EST).
MOMENT = datetime(2026, 11, 25, 19, 5, tzinfo=UTC)


class TestQuebecFormats:
    def test_french_date_and_time(self) -> None:
        """The OQLF's way: day, abbreviated month, year, hours "h" minutes."""
        assert "25 nov. 2026 14 h 05" == formats.format_datetime(MOMENT, "fr")

    def test_english_date_and_time(self) -> None:
        assert "Nov 25, 2026 2:05 PM" == formats.format_datetime(MOMENT, "en")

    def test_summer_time_is_applied(self) -> None:
        """July is EDT (UTC-4)."""
        assert "1 juill. 2026 8 h 30" == formats.format_datetime(
            datetime(2026, 7, 1, 12, 30, tzinfo=UTC), "fr"
        )

    @pytest.mark.parametrize(
        ("amount", "french", "english"),
        [
            (Decimal("249"), f"249,00{NBSP}$", "$249.00"),
            (Decimal("1249.5"), f"1{NBSP}249,50{NBSP}$", "$1,249.50"),
            (Decimal("-89.955"), f"-89,96{NBSP}$", "-$89.96"),
            (Decimal("1000000"), f"1{NBSP}000{NBSP}000,00{NBSP}$", "$1,000,000.00"),
        ],
    )
    def test_money(self, amount: Decimal, french: str, english: str) -> None:
        assert french == formats.format_money(amount, "fr")
        assert english == formats.format_money(amount, "en")

    def test_distances(self) -> None:
        assert f"12,3{NBSP}km" == formats.format_km(12.34, "fr")
        assert f"12.3{NBSP}km" == formats.format_km(12.34, "en")
        assert "—" == formats.format_km(None, "en")


class TestLanguageChoice:
    @pytest.mark.parametrize(
        ("header", "chosen", "expected"),
        [
            ("fr-CA,fr;q=0.9,en;q=0.8", None, "fr"),
            ("en-US,en;q=0.9", None, "en"),
            ("de-DE,en;q=0.5,fr;q=0.7", None, "fr"),
            ("es", None, "fr"),
            (None, None, "fr"),
            ("en-CA", "fr", "fr"),
            ("fr-CA", "xx", "fr"),
            ("fr;q=0, en", None, "en"),
        ],
    )
    def test_negotiate(self, header: str | None, chosen: str | None, expected: str) -> None:
        assert expected == negotiate(header, chosen)

    def test_every_message_has_a_french_translation(self) -> None:
        """Each English message the templates and handlers use is in the French catalog."""
        used = set(_template_messages())
        for done in (jobs.DONE, inbox.DONE, reference.DONE, settings.DONE, TECH_DONE, users.DONE):
            used.update(done.values())
        used.update(users.ROLES.values())
        used.update([*day.DONE.values(), day.SCHEDULED])
        used.update(reports.MESSAGES)
        used.update(words for words, _ in settings.STATES.values())
        used.update(reference.TITLES.values())
        used.update(errors.RULE_TITLES.values(), errors._TITLES.values())
        used.update(i18n.enum_labels().values())
        used.update(messages.DONE.values(), bubbles.OUT_STATUS.values(), bubbles.KINDS.values())
        for fields in reference_forms.FIELDS.values():
            used.update(f.label for f in fields)
            used.update(f.hint for f in fields if f.hint)
        assert [] == sorted(used - set(FRENCH))


class TestEveryNameHasItsText:
    def test_every_rule_has_a_title(self) -> None:
        """A refusal names its rule on the page: no rule of the core goes untitled."""
        assert [] == [rule for rule in PolicyRule if rule not in errors.RULE_TITLES]

    def test_every_reference_kind_has_a_page(self) -> None:
        """Each kind of reference data has its title and its form's fields."""
        assert (set(ReferenceKind), set(ReferenceKind)) == (
            set(reference.TITLES),
            set(reference_forms.FIELDS),
        )


class TestPartsAsTyped:
    def test_quantities_before_or_after(self) -> None:
        """How technicians type parts on a phone."""
        typed = "2 brake pads\nKey fob x2\n- Battery\n\n3x Clips\nFilter ×1"
        assert (
            Part("brake pads", 2),
            Part("Key fob", 2),
            Part("Battery", 1),
            Part("Clips", 3),
            Part("Filter", 1),
        ) == parse_parts(typed)


class TestRedirectsAfterLogin:
    @pytest.mark.parametrize(
        ("target", "role", "expected"),
        [
            ("/settings", Role.ADMIN, "/settings"),
            ("/jobs/1?x=2", Role.ADMIN, "/jobs/1?x=2"),
            ("//evil.example", Role.ADMIN, "/"),
            ("https://evil.example/", Role.ADMIN, "/"),
            ("/\\evil.example", Role.ADMIN, "/"),
            ("/tech", Role.ADMIN, "/"),
            ("/", Role.TECH, "/tech"),
            ("/tech?done=accepted", Role.TECH, "/tech?done=accepted"),
            (None, Role.TECH, "/tech"),
        ],
    )
    def test_only_inside_the_same_portal(
        self, target: str | None, role: Role, expected: str
    ) -> None:
        assert expected == safe_next(target, role)


def _template_messages() -> list[str]:
    root = Path(formats.__file__).parent / "templates"
    pattern = re.compile(r"""\bt\(\s*(?:"([^"]+)"|'([^']+)')""")
    return [
        m.group(1) or m.group(2)
        for path in root.rglob("*.html")
        for m in pattern.finditer(path.read_text("utf-8"))
    ]


class TestSettingsIntegrations:
    def test_a_nested_report_is_read_not_taken_for_configured(self) -> None:
        """QuickBooks' health is an object even when it is not configured: it shows so."""
        reported = {
            "twilio": True,
            "twilio_signature_check": True,
            "openai": False,
            "quickbooks": False,
            "quickbooks_connection": {"configured": False, "status": "NOT_CONFIGURED"},
        }
        rows = settings.integration_rows(reported, reported["quickbooks_connection"])
        assert [
            ("Twilio", "Configured", "ok"),
            ("OpenAI", "Not configured", "off"),
            ("QuickBooks Online", "Not configured", "off"),
        ] == rows

    @pytest.mark.parametrize(
        ("quickbooks", "expected"),
        [
            ({"configured": True, "connected": True}, ("Connected", "ok")),
            ({"configured": True, "connected": False}, ("Not connected", "off")),
            ({"configured": True, "connected": True, "last_error": "401"}, ("Failing", "bad")),
            (
                {"configured": True, "status": "UNKNOWN", "error": "OperationalError"},
                ("Failing", "bad"),
            ),
        ],
    )
    def test_quickbooks_shows_its_real_state(
        self, quickbooks: dict[str, object], expected: tuple[str, str]
    ) -> None:
        """Connected, configured but not connected, or failing: each in its own words."""
        (*_, qbo) = settings.integration_rows({}, quickbooks)
        assert ("QuickBooks Online", *expected) == qbo

    def test_unverified_webhooks_are_flagged(self) -> None:
        """SM2_TWILIO_VERIFY=off is a danger, not a configuration."""
        (twilio, *_) = settings.integration_rows(
            {"twilio": True, "twilio_signature_check": False}, {}
        )
        assert ("Twilio", "Signatures not checked", "bad") == twilio
