"""A service's expected duration and a dealership's address: the core's bounds, and the optional
CSV columns ``duration_minutes`` and ``address`` (read, kept when absent, exported, refused by
line)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from core_helpers import ADMIN, Demo

from sm2_adapters.seed import demo_csv
from sm2_core.domain.enums import ReferenceKind
from sm2_core.errors import InvalidInput
from sm2_core.services.imports import COLUMNS, missing_columns

ADDRESS = "5300 boulevard Guillaume-Couture, Lévis, QC G6V 4Z7"


def service(code: str = "WAX", **extra: str) -> dict[str, str]:
    return {"code": code, "name": code.title(), "name_fr": "", "base_price": "89.95", **extra}


#: A service's fields as the admin service takes them (typed, not CSV text).
WAX: dict[str, Any] = {"code": "WAX", "name": "Wax", "name_fr": "Cire", "base_price": Decimal(10)}
KIA = {"name": "Kia Lévis", "phone": "+14185550187", "email": "ap@kia.example"}


async def wax_minutes(demo: Demo) -> int:
    services = await demo.svc.admin.all("services")
    return next(s.duration_minutes for s in services if s.code == "WAX")


async def kia_address(demo: Demo) -> str:
    dealers = await demo.svc.admin.all("dealerships")
    return next(d.address for d in dealers if d.name == "Kia Lévis")


class TestTheCoreBounds:
    @pytest.mark.parametrize("minutes", [4, 721, 0, -60])
    async def test_a_duration_out_of_range_is_refused_naming_it(
        self, demo: Demo, minutes: int
    ) -> None:
        oil = demo.services["OIL_CHANGE"]
        with pytest.raises(InvalidInput) as refused:
            await demo.svc.admin.update(
                "services", oil.id, {"duration_minutes": minutes}, actor=ADMIN
            )
        assert ["duration_minutes"] == list(refused.value.fields)
        assert 30 == (await demo.svc.admin.get("services", oil.id)).duration_minutes

    @pytest.mark.parametrize("minutes", ["60", 60.0, True, None])
    async def test_a_duration_not_a_whole_number_is_refused_naming_it(
        self, demo: Demo, minutes: Any
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            await demo.svc.admin.create(
                "services", WAX | {"duration_minutes": minutes}, actor=ADMIN
            )
        assert ["duration_minutes"] == list(refused.value.fields)

    async def test_a_new_service_takes_an_hour_and_the_bounds_are_taken(self, demo: Demo) -> None:
        created = await demo.svc.admin.create("services", WAX, actor=ADMIN)
        assert 60 == created.duration_minutes
        for bound in (5, 720):
            changed = await demo.svc.admin.update(
                "services", created.id, {"duration_minutes": bound}, actor=ADMIN
            )
            assert bound == changed.duration_minutes

    @pytest.mark.parametrize("address", ["x" * 301, "1 rue\x00Principale", None])
    async def test_an_address_too_long_with_a_nul_or_not_text_is_refused_naming_it(
        self, demo: Demo, address: Any
    ) -> None:
        ford = demo.dealers["Ford Lévis"]
        with pytest.raises(InvalidInput) as refused:
            await demo.svc.admin.update("dealerships", ford.id, {"address": address}, actor=ADMIN)
        assert ["address"] == list(refused.value.fields)
        assert ADDRESS == (await demo.svc.admin.get("dealerships", ford.id)).address

    async def test_an_address_is_trimmed_and_taken_up_to_300_characters(self, demo: Demo) -> None:
        ford = demo.dealers["Ford Lévis"]
        changed = await demo.svc.admin.update(
            "dealerships", ford.id, {"address": f"  {'x' * 300}\n"}, actor=ADMIN
        )
        assert "x" * 300 == changed.address


class TestDemoData:
    def test_the_demo_files_carry_both_columns(self) -> None:
        """The seed files carry both columns, in the export's column order (optional columns
        added after them may be left out)."""
        for kind, column in (
            (ReferenceKind.SERVICES, "duration_minutes"),
            (ReferenceKind.DEALERSHIPS, "address"),
        ):
            header = next(csv.reader(io.StringIO(demo_csv(kind))))
            assert column in header
            assert list(COLUMNS[kind][: len(header)]) == header

    async def test_the_demo_services_have_realistic_durations(self, demo: Demo) -> None:
        minutes = {code: s.duration_minutes for code, s in demo.services.items()}
        assert (30, 60, 90, 480) == (
            minutes["OIL_CHANGE"],
            minutes["KEY_PROGRAMMING"],
            minutes["PDI"],
            minutes["ENGINE_REPAIR"],
        )
        assert all(5 <= m <= 720 for m in minutes.values())

    async def test_every_demo_dealership_has_an_address(self, demo: Demo) -> None:
        assert ADDRESS == demo.dealers["Ford Lévis"].address
        assert all(", QC G" in d.address for d in demo.dealers.values())


class TestServiceDurationColumn:
    def test_the_column_is_optional(self) -> None:
        header = ["code", "name", "name_fr", "base_price", "requires_approval"]
        assert [] == missing_columns(ReferenceKind.SERVICES, header)

    async def test_read_kept_without_the_column_and_an_hour_for_an_empty_cell(
        self, demo: Demo
    ) -> None:
        imports = demo.svc.imports
        await imports.import_rows("services", [service()], actor=ADMIN)
        assert 60 == await wax_minutes(demo), "a new service without the column: an hour"
        await imports.import_rows("services", [service(duration_minutes=" 45 ")], actor=ADMIN)
        assert 45 == await wax_minutes(demo)
        await imports.import_rows("services", [service(base_price="99")], actor=ADMIN)
        assert 45 == await wax_minutes(demo), "a file without the column keeps it"
        await imports.import_rows("services", [service(duration_minutes="")], actor=ADMIN)
        assert 60 == await wax_minutes(demo)

    @pytest.mark.parametrize(
        ("cell", "error"),
        [
            ("an hour", "duration_minutes must be a whole number of minutes"),
            ("1.5", "duration_minutes must be a whole number of minutes"),
            ("721", "duration_minutes must be 5 to 720, not 721"),
            ("0", "duration_minutes must be 5 to 720, not 0"),
        ],
    )
    async def test_a_bad_cell_is_refused_by_line_and_nothing_is_written(
        self, demo: Demo, cell: str, error: str
    ) -> None:
        before = await demo.svc.admin.all("services", include_inactive=True)
        rows = [service("GOOD"), service("OIL_CHANGE", duration_minutes="90"), service()]
        rows[2]["duration_minutes"] = cell
        with pytest.raises(InvalidInput) as refused:
            await demo.svc.imports.import_rows("services", rows, actor=ADMIN)
        assert {"line 4": error} == refused.value.fields
        assert before == await demo.svc.admin.all("services", include_inactive=True)

    async def test_exported_and_read_back_unchanged(self, demo: Demo) -> None:
        oil = demo.services["OIL_CHANGE"]
        await demo.svc.admin.update("services", oil.id, {"duration_minutes": 40}, actor=ADMIN)
        rows = await demo.svc.imports.export_rows("services")
        cells = {row["code"]: row["duration_minutes"] for row in rows}
        assert ("40", "90") == (cells["OIL_CHANGE"], cells["PDI"])
        report = await demo.svc.imports.import_rows("services", rows, actor=ADMIN)
        assert (0, len(rows)) == (report.updated, report.unchanged)


class TestDealershipAddressColumn:
    def test_the_column_is_optional(self) -> None:
        header = ["name", "phone", "email", "zone", "is_audit_flagged"]
        assert [] == missing_columns(ReferenceKind.DEALERSHIPS, header)

    async def test_read_kept_without_the_column_and_cleared_by_an_empty_cell(
        self, demo: Demo
    ) -> None:
        imports = demo.svc.imports
        await imports.import_rows("dealerships", [KIA], actor=ADMIN)
        assert "" == await kia_address(demo), "a new dealership without the column: none"
        await imports.import_rows("dealerships", [KIA | {"address": f" {ADDRESS} "}], actor=ADMIN)
        assert ADDRESS == await kia_address(demo)
        await imports.import_rows("dealerships", [KIA | {"email": "b@kia.example"}], actor=ADMIN)
        assert ADDRESS == await kia_address(demo), "a file without the column keeps it"
        await imports.import_rows("dealerships", [KIA | {"address": ""}], actor=ADMIN)
        assert "" == await kia_address(demo)

    async def test_too_long_an_address_is_refused_by_line(self, demo: Demo) -> None:
        before = await demo.svc.admin.all("dealerships", include_inactive=True)
        good = {"name": "G", "phone": "+14185550188", "email": "g@h", "address": ADDRESS}
        rows = [good, KIA | {"address": "x" * 301}]
        with pytest.raises(InvalidInput) as refused:
            await demo.svc.imports.import_rows("dealerships", rows, actor=ADMIN)
        assert {"line 3": "address is longer than 300 characters"} == refused.value.fields
        assert before == await demo.svc.admin.all("dealerships", include_inactive=True)

    async def test_exported_and_read_back_unchanged(self, demo: Demo) -> None:
        honda = demo.dealers["Honda Charlesbourg"]
        await demo.svc.admin.update("dealerships", honda.id, {"address": ""}, actor=ADMIN)
        rows = await demo.svc.imports.export_rows("dealerships")
        cells = {row["name"]: row["address"] for row in rows}
        assert (ADDRESS, "") == (cells["Ford Lévis"], cells["Honda Charlesbourg"])
        report = await demo.svc.imports.import_rows("dealerships", rows, actor=ADMIN)
        assert (0, len(rows)) == (report.updated, report.unchanged)
