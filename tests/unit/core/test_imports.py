"""Bulk import of reference data: all rows or none, errors by line, re-import changes nothing."""

from __future__ import annotations

import pytest
from core_helpers import ADMIN, Demo, tech_actor

from sm2_adapters.memory import MemorySystem
from sm2_adapters.seed import SEED_ORDER, demo_rows, seed_demo
from sm2_core.domain.enums import Language, TechnicianStatus, Urgency
from sm2_core.domain.notices import DEALER_UPDATES, NoticeKind
from sm2_core.errors import InvalidInput, PermissionDenied
from sm2_core.services import ImportReport

ZONES = [
    {"name": "Lévis", "description": "South shore", "latitude": "46.7382", "longitude": "-71.2465"},
    {"name": "Beauport", "description": "", "latitude": "46.8590", "longitude": "-71.1920"},
]


def service(code: str, price: str = "89.95", **extra: str) -> dict[str, str]:
    return {"code": code, "name": code.title(), "name_fr": "", "base_price": price, **extra}


GOOD = {
    "zones": ZONES[0] | {"name": "Good zone"},
    "services": service("GOOD"),
    "dealerships": {"name": "G", "phone": "+14185550188", "email": "g@h", "zone": "Lévis"},
    "technicians": {"name": "G", "phone": "+14185550288", "skills": "PDI"},
    "rules": {"description": "good", "make": "Ford", "ranking_score": "1"},
}
ENTITY_REFUSED = [
    ("zones", {"name": "Pole", "latitude": "123", "longitude": "0"}),
    ("services", service("WAX", price="-5")),
    ("rules", {"description": "matches everything", "ranking_score": "3"}),
]


class TestImport:
    async def test_rows_are_created_and_counted(self, system: MemorySystem) -> None:
        """A fresh import creates every row and says so."""
        report = await system.services.imports.import_rows("zones", ZONES, actor=ADMIN)
        assert ImportReport("zones", created=2, updated=0, unchanged=0) == report
        assert ["Beauport", "Lévis"] == [z.name for z in await system.services.admin.all("zones")]

    async def test_typed_values(self, demo: Demo) -> None:
        """Text columns become typed values: references by name, skills, statuses, urgencies."""
        nathalie = demo.techs["Nathalie"]
        assert (TechnicianStatus.ON_LEAVE, demo.zones["Saint-Georges"].id) == (
            nathalie.status,
            nathalie.zone_id,
        )
        assert {"KEY_PROGRAMMING", "REMOTE_STARTER", "SOFTWARE_UPDATE", "PDI"} == nathalie.skills
        rules = {r.description: r for r in await demo.svc.admin.all("rules")}
        engine = rules["All engine repairs from Audi Québec are critical"]
        assert (demo.dealers["Audi Québec"].id, "ENGINE_REPAIR", Urgency.CRITICAL, 15) == (
            engine.dealership_id, engine.service_code, engine.target_urgency, engine.ranking_score,
        )  # fmt: skip

    async def test_every_created_row_is_audited(self, system: MemorySystem) -> None:
        """Imported rows have their create entry like hand-made ones."""
        await system.services.imports.import_rows("zones", ZONES, actor=ADMIN)
        for zone in await system.services.admin.all("zones"):
            history = await system.services.admin.history("zones", zone.id)
            assert [("create", "admin:alice")] == [(e.action, e.actor) for e in history]

    async def test_only_admins_import(self, demo: Demo) -> None:
        """A technician is refused permission to import, like any change to reference data."""
        with pytest.raises(PermissionDenied):
            await demo.svc.imports.import_rows(
                "zones", ZONES, actor=tech_actor(demo.techs["Julie"])
            )

    async def test_unknown_kind(self, system: MemorySystem) -> None:
        """Only the five kinds can be imported."""
        with pytest.raises(InvalidInput):
            await system.services.imports.import_rows("users", [], actor=ADMIN)


class TestAllOrNothing:
    @pytest.mark.parametrize(
        ("kind", "bad_row"),
        [
            ("zones", {"name": "Nowhere", "latitude": "north", "longitude": "-71"}),
            ("zones", {"name": "", "latitude": "46", "longitude": "-71"}),
            ("services", service("WAX", price="cheap")),
            ("dealerships", {"name": "X", "phone": "not a phone", "email": "x@y", "zone": ""}),
            ("dealerships", {"name": "X", "phone": "+14185550177", "email": "x@y", "zone": "Mars"}),
            ("technicians", {"name": "X", "phone": "+14185550277", "skills": "TELEPORT"}),
            ("technicians", {"name": "X", "phone": "+14185550277", "status": "ASLEEP"}),
            ("rules", {"description": "r", "dealership": "Nobody Motors", "ranking_score": "1"}),
            ("rules", {"description": "r", "make": "Audi", "target_urgency": "URGENT"}),
            ("rules", {"description": "r", "make": "Audi", "ranking_score": "lots"}),
        ],
    )
    async def test_one_bad_row_writes_nothing_and_names_its_line(
        self, demo: Demo, kind: str, bad_row: dict[str, str]
    ) -> None:
        """Rows before a bad one are not written; the error names the bad row's file line."""
        good = GOOD[kind]
        before = await demo.svc.admin.all(kind, include_inactive=True)
        with pytest.raises(InvalidInput) as caught:
            await demo.svc.imports.import_rows(kind, [good, bad_row], actor=ADMIN)
        assert ["line 3"] == list(caught.value.fields)
        assert before == await demo.svc.admin.all(kind, include_inactive=True)

    async def test_the_same_record_twice_in_one_file_is_refused(self, demo: Demo) -> None:
        """Two rows with one natural key would silently overwrite each other: both named."""
        with pytest.raises(InvalidInput) as caught:
            await demo.svc.imports.import_rows("zones", [ZONES[0], ZONES[0]], actor=ADMIN)
        assert {"line 3": "same name as line 2"} == caught.value.fields

    async def test_rows_are_named_by_the_lines_the_reader_counted(self, demo: Demo) -> None:
        """With line numbers from the file (blank lines counted), errors use them."""
        bad = {"name": "B", "latitude": "x", "longitude": "1"}
        with pytest.raises(InvalidInput) as caught:
            await demo.svc.imports.import_rows(
                "zones", [ZONES[0], bad], actor=ADMIN, line_numbers=[2, 5]
            )
        assert ["line 5"] == list(caught.value.fields)

    @pytest.mark.parametrize(("kind", "bad_row"), ENTITY_REFUSED)
    async def test_rows_refused_by_the_entity_write_nothing(
        self, demo: Demo, kind: str, bad_row: dict[str, str]
    ) -> None:
        """Out-of-range coordinates, negative prices, criterion-less rules: nothing written."""
        before = await demo.svc.admin.all(kind, include_inactive=True)
        with pytest.raises(InvalidInput):
            await demo.svc.imports.import_rows(kind, [GOOD[kind], bad_row], actor=ADMIN)
        assert before == await demo.svc.admin.all(kind, include_inactive=True)

    @pytest.mark.parametrize(("kind", "bad_row"), ENTITY_REFUSED)
    async def test_rows_refused_by_the_entity_name_their_line(
        self, demo: Demo, kind: str, bad_row: dict[str, str]
    ) -> None:
        """The row the entity refuses is named by its line, like any other bad row."""
        with pytest.raises(InvalidInput) as caught:
            await demo.svc.imports.import_rows(kind, [GOOD[kind], bad_row], actor=ADMIN)
        assert ["line 3"] == list(caught.value.fields)

    async def test_every_bad_line_is_reported(self, system: MemorySystem) -> None:
        """All bad lines are listed at once, numbered from first_line."""
        rows = [ZONES[0], {"name": "A", "latitude": "x"}, ZONES[1], {"name": ""}]
        with pytest.raises(InvalidInput) as caught:
            await system.services.imports.import_rows("zones", rows, actor=ADMIN, first_line=10)
        assert ["line 11", "line 13"] == list(caught.value.fields)
        assert "2 of 4 rows are invalid; nothing was imported" == caught.value.message


class TestReimport:
    async def test_importing_the_demo_twice_changes_nothing(self, demo: Demo) -> None:
        """A second run of the same files reports every row unchanged and writes no audit."""
        audit = list(demo.system.store.tables.audit)
        reports = await seed_demo(demo.svc)
        assert [ImportReport(k, 0, 0, len(demo_rows(k))) for k in SEED_ORDER] == reports
        assert audit == demo.system.store.tables.audit

    async def test_changed_row_updates_the_existing_record(self, demo: Demo) -> None:
        """A row matching by its natural key updates the record in place, audited as import."""
        oil = demo.services["OIL_CHANGE"]
        report = await demo.svc.imports.import_rows(
            "services", [service("oil_change", price="99.95")], actor=ADMIN
        )
        updated = await demo.svc.admin.get("services", oil.id)
        assert (ImportReport("services", 0, 1, 0), "99.95") == (report, str(updated.base_price))
        entry = (await demo.svc.admin.history("services", oil.id))[-1]
        assert ("import", {"base_price": "99.95"}) == (
            entry.action,
            {k: v for k, v in entry.new_values.items() if k == "base_price"},
        )

    async def test_dealership_matched_by_phone_in_any_format(self, demo: Demo) -> None:
        """The natural key of a dealership is its phone, normalised before matching."""
        row = {"name": "Ford Lévis Inc.", "phone": "(418) 555-0102", "email": "new@ford.example"}
        report = await demo.svc.imports.import_rows("dealerships", [row], actor=ADMIN)
        assert ImportReport("dealerships", 0, 1, 0) == report
        assert (
            "Ford Lévis Inc."
            == (await demo.svc.admin.get("dealerships", demo.dealers["Ford Lévis"].id)).name
        )

    async def test_progress_is_reported_row_by_row(self, system: MemorySystem) -> None:
        """Long imports report progress after each row written."""
        seen: list[int] = []
        await system.services.imports.import_rows("zones", ZONES, actor=ADMIN, progress=seen.append)
        assert [1, 2] == seen


class TestOptionalColumns:
    async def test_a_technician_s_language_is_read_and_kept_when_absent(self, demo: Demo) -> None:
        """``language`` is fr or en; a file without the column leaves it as it was."""
        imports = demo.svc.imports
        row = {"name": "Jordan", "phone": "+14185550287", "skills": "PDI", "language": "EN"}
        await imports.import_rows("technicians", [row], actor=ADMIN)
        without = {k: v for k, v in row.items() if k != "language"} | {"skills": "PDI;DIAGNOSTIC"}
        await imports.import_rows("technicians", [without], actor=ADMIN)
        techs = {t.name: t for t in await demo.svc.admin.all("technicians")}
        assert (Language.EN, {"PDI", "DIAGNOSTIC"}) == (
            techs["Jordan"].language,
            techs["Jordan"].skills,
        )
        with pytest.raises(InvalidInput) as refused:
            await imports.import_rows("technicians", [row | {"language": "es"}], actor=ADMIN)
        assert {"line 2": "language must be fr or en"} == refused.value.fields

    async def test_services_keep_their_words_when_the_file_has_none(self, demo: Demo) -> None:
        imports = demo.svc.imports
        await imports.import_rows(
            "services", [service("WAX", terms_en="wax|waxing", terms_fr="cire")], actor=ADMIN
        )
        await imports.import_rows("services", [service("WAX", price="99")], actor=ADMIN)
        wax = next(s for s in await demo.svc.admin.all("services") if s.code == "WAX")
        assert (("wax", "waxing"), ("cire",)) == (wax.terms_en, wax.terms_fr)
        await imports.import_rows("services", [service("WAX", terms_en="")], actor=ADMIN)
        wax = next(s for s in await demo.svc.admin.all("services") if s.code == "WAX")
        assert ((), ("cire",)) == (wax.terms_en, wax.terms_fr)


class TestDealershipStatusTexts:
    """``notify_on``: which status texts a dealership receives, ``|``-separated in its CSV."""

    KIA = {"name": "Kia Lévis", "phone": "+14185550187", "email": "ap@kia.example"}

    async def kia(self, demo: Demo) -> frozenset[NoticeKind]:
        dealers = await demo.svc.admin.all("dealerships")
        return next(d for d in dealers if d.name == "Kia Lévis").notify_on

    async def test_read_kept_without_the_column_and_cleared_by_an_empty_cell(
        self, demo: Demo
    ) -> None:
        """All three for a new dealership; the file's choice (any case); kept by a file without
        the column; none for an empty cell."""
        imports = demo.svc.imports
        await imports.import_rows("dealerships", [self.KIA], actor=ADMIN)
        assert DEALER_UPDATES == await self.kia(demo)
        chosen = self.KIA | {"notify_on": "Completed|assigned"}
        await imports.import_rows("dealerships", [chosen], actor=ADMIN)
        without = self.KIA | {"email": "b@kia.example"}
        await imports.import_rows("dealerships", [without], actor=ADMIN)
        assert {NoticeKind.ASSIGNED, NoticeKind.COMPLETED} == await self.kia(demo)
        await imports.import_rows("dealerships", [self.KIA | {"notify_on": ""}], actor=ADMIN)
        assert frozenset() == await self.kia(demo)

    async def test_an_unknown_status_text_is_refused_by_line(self, demo: Demo) -> None:
        before = await demo.svc.admin.all("dealerships", include_inactive=True)
        rows = [GOOD["dealerships"], self.KIA | {"notify_on": "assigned|invoiced"}]
        with pytest.raises(InvalidInput) as refused:
            await demo.svc.imports.import_rows("dealerships", rows, actor=ADMIN)
        assert {"line 3": "notify_on: 'invoiced' is not one of assigned, completed, started"} == (
            refused.value.fields
        )
        assert before == await demo.svc.admin.all("dealerships", include_inactive=True)

    async def test_exported_in_lifecycle_order_and_read_back_unchanged(self, demo: Demo) -> None:
        """What ``sm2 export`` writes, ``sm2 import`` reads back to the same choices."""
        ford = demo.dealers["Ford Lévis"]
        some = frozenset({NoticeKind.COMPLETED, NoticeKind.STARTED})
        await demo.svc.admin.update("dealerships", ford.id, {"notify_on": some}, actor=ADMIN)
        honda = demo.dealers["Honda Charlesbourg"]
        await demo.svc.admin.update("dealerships", honda.id, {"notify_on": []}, actor=ADMIN)
        rows = await demo.svc.imports.export_rows("dealerships")
        cells = {row["name"]: row["notify_on"] for row in rows}
        assert ("started|completed", "", "assigned|started|completed") == (
            cells["Ford Lévis"],
            cells["Honda Charlesbourg"],
            cells["Audi Québec"],
        )
        report = await demo.svc.imports.import_rows("dealerships", rows, actor=ADMIN)
        assert (0, len(rows)) == (report.updated, report.unchanged)
