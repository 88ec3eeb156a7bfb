"""The taxes an invoice preview estimates (``sm2_core.taxes``), and the rates as configured."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sm2_adapters.settings import Settings
from sm2_core.errors import InvalidInput
from sm2_core.taxes import QUEBEC, TaxRate, estimate, parse_rates


def amounts(subtotal: str, rates: tuple[TaxRate, ...] = QUEBEC) -> list[str]:
    return [str(t.amount) for t in estimate(Decimal(subtotal), rates)]


class TestEstimate:
    @pytest.mark.parametrize(
        ("subtotal", "gst", "qst"),
        [
            ("100.00", "5.00", "9.98"),  # 9.975 rounds half up
            ("344.50", "17.23", "34.36"),  # 17.225 rounds half up
            ("224.19", "11.21", "22.36"),  # as the QuickBooks fake charges it
            ("0.00", "0.00", "0.00"),
            ("0.10", "0.01", "0.01"),  # 0.005 and 0.009975: half a cent is a cent
        ],
    )
    def test_each_quebec_tax_on_the_subtotal_to_the_cent(
        self, subtotal: str, gst: str, qst: str
    ) -> None:
        """The QST is charged on the subtotal, not on the subtotal with the GST."""
        assert [gst, qst] == amounts(subtotal)

    def test_no_rates_no_taxes(self) -> None:
        assert [] == amounts("500.00", ())

    def test_a_credit_is_taxed_negative(self) -> None:
        """An adjustment that makes a credit note's subtotal negative gives negative taxes."""
        assert ["-5.00", "-9.98"] == amounts("-100.00")


class TestParseRates:
    @pytest.mark.parametrize(
        "text",
        ["GST=5;QST=9.975", "GST=5, QST=9.975", " GST = 5 % ; QST = 9.975% ;"],
    )
    def test_quebec_written_several_ways(self, text: str) -> None:
        assert QUEBEC == parse_rates(text)

    def test_empty_is_no_tax(self) -> None:
        assert () == parse_rates("")

    def test_a_company_s_own_rates(self) -> None:
        assert (TaxRate("HST", Decimal("13")),) == parse_rates("HST=13")

    @pytest.mark.parametrize(
        ("text", "why"),
        [
            ("GST", "'GST' is not NAME=PERCENT"),
            ("=5", "'=5' is not NAME=PERCENT"),
            ("GST=five", "'GST=five' is not NAME=PERCENT"),
            ("GST=-1", "from 0 to 100"),
            ("GST=101", "from 0 to 100"),
            ("GST=NaN", "from 0 to 100"),
            ("GST=5;gst=6", "'gst' is named twice"),
        ],
    )
    def test_a_malformed_entry_is_named(self, text: str, why: str) -> None:
        with pytest.raises(InvalidInput, match="SM2_TAX_RATES") as raised:
            parse_rates(text)
        assert why in str(raised.value)

    @pytest.mark.parametrize(("percent", "places"), [("5", 0), ("9.975", 3), ("8.50", 1)])
    def test_a_percent_is_written_with_its_own_decimals(self, percent: str, places: int) -> None:
        assert places == TaxRate("T", Decimal(percent)).places


class TestTheSetting:
    """``SM2_TAX_RATES``: Québec's by default, empty for none, a bad value refused at start."""

    def test_quebec_unless_set(self, tmp_path: Path) -> None:
        assert QUEBEC == Settings.from_env({}, dotenv=tmp_path / ".env").tax_rates

    def test_set_and_empty_is_no_tax(self, tmp_path: Path) -> None:
        env = {"SM2_TAX_RATES": ""}
        assert () == Settings.from_env(env, dotenv=tmp_path / ".env").tax_rates

    def test_a_bad_value_stops_the_start(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match="SM2_TAX_RATES: 'TPS' is not NAME=PERCENT"):
            Settings.from_env({"SM2_TAX_RATES": "TPS"}, dotenv=tmp_path / ".env")
