"""``sm2 import parts`` / ``sm2 export parts`` (the parts catalog: name, sku, price), dealerships'
prices by CSV, and ``sm2 parts`` from a terminal, on the memory fakes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from cli_support import Sm2, assert_ok, assert_refused, write_csv

from sm2_adapters.memory import MemorySystem

HEADER = ("name", "sku", "price")


def exported(sm2: Sm2, kind: str) -> list[dict[str, str]]:
    result = sm2("export", kind)
    assert_ok(result)
    return list(csv.DictReader(io.StringIO(result.stdout)))


class TestImportParts:
    def test_a_catalog_file_creates_then_updates_by_name(
        self, empty_system: MemorySystem, tmp_path: Path
    ) -> None:
        """Three parts created; the same file again changes nothing; a new price for one (its
        name in another case) updates it in place."""
        sm2 = Sm2(empty_system)
        path = write_csv(
            tmp_path / "parts.csv",
            HEADER,
            ("Oil filter", "OF-2231", "12.99"),
            ("Key blank", "KB-100", "35"),
            ("Shop rag", "", "0.50"),
        )
        result = sm2("import", "parts", str(path))
        assert_ok(result)
        assert "parts: 3 created, 0 updated, 0 unchanged" == result.stdout.strip()
        assert "parts: 0 created, 0 updated, 3 unchanged" == (
            sm2("import", "parts", str(path)).stdout.strip()
        )
        cheaper = write_csv(tmp_path / "cheaper.csv", HEADER, ("OIL FILTER", "OF-2231", "11.49"))
        assert "parts: 0 created, 1 updated, 0 unchanged" == (
            sm2("import", "parts", str(cheaper)).stdout.strip()
        )
        assert [
            {"name": "Key blank", "sku": "KB-100", "price": "35.00"},
            {"name": "OIL FILTER", "sku": "OF-2231", "price": "11.49"},
            {"name": "Shop rag", "sku": "", "price": "0.50"},
        ] == exported(sm2, "parts")

    def test_a_file_without_skus(self, sm2: Sm2, tmp_path: Path) -> None:
        """The sku column may be left out: the parts have none."""
        path = write_csv(tmp_path / "parts.csv", ("name", "price"), ("Zip tie", "0.25"))
        assert_ok(sm2("import", "parts", str(path)))
        assert {"name": "Zip tie", "sku": "", "price": "0.25"} in exported(sm2, "parts")

    def test_bad_rows_are_listed_and_nothing_is_written(self, sm2: Sm2, tmp_path: Path) -> None:
        """Every row is checked first: each bad one named by its line, exit 1, no part added."""
        path = write_csv(
            tmp_path / "parts.csv",
            HEADER,
            ("Good part", "GP-1", "5.00"),
            ("Cheap part", "CP-1", "cheap"),
            ("", "NN-1", "1.00"),
            ("Negative", "NG-1", "-2"),
            ("good PART", "GP-2", "6.00"),
        )
        before = sm2("export", "parts").stdout
        result = sm2("import", "parts", str(path))
        assert_refused(result, "4 of 5 rows are invalid; nothing was imported")
        assert "line 3: price must be a number, e.g. 95.00" in result.stderr
        assert "line 4: name is required" in result.stderr
        assert "line 5: -2 is not a price" in result.stderr
        assert "line 6: same name as line 2" in result.stderr
        assert before == sm2("export", "parts").stdout

    def test_a_sku_another_part_has_refuses_the_file(self, sm2: Sm2, tmp_path: Path) -> None:
        """A new part with the demo filter's SKU: refused, and the file's other row with it."""
        path = write_csv(
            tmp_path / "parts.csv",
            HEADER,
            ("Fine part", "FP-1", "1.00"),
            ("Copy filter", "of-2231", "1.00"),
        )
        before = sm2("export", "parts").stdout
        assert_refused(sm2("import", "parts", str(path)), "part")
        assert before == sm2("export", "parts").stdout

    def test_the_price_column_is_required(self, sm2: Sm2, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "parts.csv", ("name", "sku"), ("No price", "NP-1"))
        assert_refused(sm2("import", "parts", str(path)), "missing columns price")


class TestImportPrices:
    def test_prices_name_their_dealership_and_service(self, sm2: Sm2, tmp_path: Path) -> None:
        """A dealership by name and a service by code (any case); updated by that pair."""
        path = write_csv(
            tmp_path / "prices.csv",
            ("dealership", "service_code", "price"),
            ("Ford Lévis", "oil_change", "79.95"),
            ("Audi Québec", "KEY_PROGRAMMING", "289.00"),
        )
        result = sm2("import", "prices", str(path))
        assert_ok(result)
        assert "prices: 1 created, 1 updated, 0 unchanged" == result.stdout.strip()
        rows = {(r["dealership"], r["service_code"]): r["price"] for r in exported(sm2, "prices")}
        assert ("79.95", "289.00") == (
            rows[("Ford Lévis", "OIL_CHANGE")],
            rows[("Audi Québec", "KEY_PROGRAMMING")],
        )

    def test_unknown_names_are_listed(self, sm2: Sm2, tmp_path: Path) -> None:
        path = write_csv(
            tmp_path / "prices.csv",
            ("dealership", "service_code", "price"),
            ("Nobody Motors", "OIL_CHANGE", "1.00"),
            ("Ford Lévis", "TELEPORT", "1.00"),
            ("Ford Lévis", "OIL_CHANGE", "1.00"),
            ("ford lévis", "oil_change", "2.00"),
        )
        result = sm2("import", "prices", str(path))
        assert_refused(result, "3 of 4 rows are invalid")
        assert "line 2: unknown dealership 'Nobody Motors'" in result.stderr
        assert "line 3: unknown service code 'TELEPORT'" in result.stderr
        assert "line 5: same dealership and service_code as line 4" in result.stderr


class TestPartsCommands:
    def test_list_and_edit(self, sm2: Sm2) -> None:
        """``sm2 parts list --json`` in the CSV's columns with ids; ``edit --set price=``."""
        listed = json.loads(sm2("parts", "list", "--json").stdout)
        fob = next(p for p in listed if p["sku"] == "FOB-PROX")
        assert ("Smart key fob", "189.00") == (fob["name"], fob["price"])
        assert_ok(sm2("parts", "edit", fob["id"], "--set", "price=199.00"))
        after = json.loads(sm2("parts", "list", "--json").stdout)
        assert "199.00" == next(p for p in after if p["id"] == fob["id"])["price"]

    def test_a_bad_price_is_refused_with_the_reason(self, sm2: Sm2) -> None:
        fob = json.loads(sm2("parts", "list", "--json").stdout)[0]
        assert_refused(sm2("parts", "edit", fob["id"], "--set", "price=lots"), "price")
