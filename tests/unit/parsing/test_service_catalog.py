"""The offline parser's services are the catalog's data: names, terms and hints an admin gives
a service are what the parser recognises, and nothing about a service is in code."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import attrs

from sm2_adapters.memory import build_memory_system
from sm2_adapters.parsing import OfflineParser
from sm2_adapters.seed import demo_services, seed_demo
from sm2_core.domain.entities import Dealership, Service
from sm2_core.domain.enums import ReferenceKind, Role
from sm2_core.domain.records import Actor, ReceivedSms
from sm2_core.parsing import CatalogSnapshot

ADMIN = Actor(name="admin", role=Role.ADMIN)


def service(code: str, name: str, name_fr: str, **words: tuple[str, ...]) -> Service:
    return Service(
        id=uuid4(), code=code, name=name, name_fr=name_fr, base_price=Decimal(1), **words
    )


def read(parser: OfflineParser, body: str) -> list[str | None]:
    return [r.service_code for r in parser.parse_text(body).requests]


CUSTOM = CatalogSnapshot.of(
    [
        service(
            "CALIPER_PAINT",
            "Caliper painting",
            "Peinture d'étriers",
            terms_en=("caliper paint", "painted calipers"),
            terms_fr=("peinture étriers", "étriers peints"),
        ),
        service(
            "UNDERCOAT",
            "Rustproofing",
            "Antirouille",
            terms_en=("undercoating", "rust proofing"),
            terms_fr=("traitement antirouille", "krown"),
            hints_fr=("rouille",),
        ),
        service("GLASS_TINT", "Window tinting", "Teintage de vitres"),
    ]
)


class TestCatalogWords:
    def test_terms_in_both_languages_name_their_service(self) -> None:
        parser = OfflineParser(CUSTOM)
        assert ["UNDERCOAT"] == read(parser, "Krown sur RAV4 2022 stock T1001 svp")
        assert ["UNDERCOAT"] == read(parser, "Undercoating on the 2023 F-150 stock F2002")
        assert ["CALIPER_PAINT"] == read(parser, "peinture etriers rouge Civic 2022 stk H3003")

    def test_a_service_without_words_is_found_by_its_names(self) -> None:
        """Added with a name only, it is still recognised by that name, in either language."""
        parser = OfflineParser(CUSTOM)
        assert ["GLASS_TINT"] == read(parser, "window tinting Camry 2021 stock T4004")
        assert ["GLASS_TINT"] == read(parser, "Teintage de vitres sur Camry 2021 stock T4005")

    def test_a_hint_yields_to_a_named_service(self) -> None:
        parser = OfflineParser(CUSTOM)
        assert ["CALIPER_PAINT"] == read(
            parser, "un peu de rouille, peinture etriers sur Civic 2020 stock H5005"
        )
        hinted = parser.parse_text("rouille sur Civic 2020 stock H5006")
        assert ["UNDERCOAT"] == [r.service_code for r in hinted.requests]
        named = parser.parse_text("krown sur Civic 2020 stock H5007")
        assert hinted.confidence < named.confidence

    def test_demo_words_are_not_known_to_another_catalog(self) -> None:
        """A company with its own catalog gets its own words only: no demo service leaks in."""
        parser = OfflineParser(CUSTOM)
        assert [None] == read(parser, "oil change RAV4 2022 stock T1001")

    def test_a_deactivated_service_is_not_read(self) -> None:
        services = [attrs.evolve(s, is_active=s.code != "UNDERCOAT") for s in CUSTOM.services]
        parser = OfflineParser(CatalogSnapshot.of(services))
        assert [None] == read(parser, "Krown sur RAV4 2022 stock T1001")

    def test_a_typo_in_a_long_term_is_still_read(self) -> None:
        parser = OfflineParser(CUSTOM)
        result = parser.parse_text("undercoatting on the 2023 F-150 stock F2002")
        assert ["UNDERCOAT"] == [r.service_code for r in result.requests]
        assert any("misspelling" in w for w in result.warnings)

    def test_a_200_service_catalog_still_reads_the_demo_words(self) -> None:
        """Many services with their own words do not drown the ones a text names."""
        extra = [
            service(f"EXTRA_{n:03}", f"Extra work {n}", f"Travail extra {n}",
                    terms_en=(f"extra job {n}",), terms_fr=(f"travail special {n}",))
            for n in range(186)
        ]  # fmt: skip
        parser = OfflineParser(CatalogSnapshot.of([*demo_services(), *extra]))
        assert ["OIL_CHANGE"] == read(parser, "changement d'huile RAV4 2022 stock T1001")
        assert ["EXTRA_042"] == read(parser, "extra job 42 on the RAV4 2022 stock T1001")


class TestLiveInTheRuntime:
    async def test_a_service_created_by_an_admin_is_used_by_the_next_text(self) -> None:
        """Memory runtime, default parser: create the service, then a text names it."""
        system = build_memory_system()
        await seed_demo(system.services)
        dealer = (await system.services.admin.all(ReferenceKind.DEALERSHIPS))[0]

        async def text(sid: str, body: str) -> str | None:
            sms = ReceivedSms(sid=sid, from_number=dealer.phone, to_number="+1", body=body)
            await system.services.receipt.receive_sms(sms)
            await system.run_tasks()
            [job] = [j for j in system.store.tables.jobs.values() if j.request_text == body]
            return job.service_code

        assert await text("SM1", "Krown sur RAV4 2022 stock T1001") is None
        await system.services.admin.create(
            ReferenceKind.SERVICES,
            {
                "code": "UNDERCOAT",
                "name": "Rustproofing",
                "name_fr": "Antirouille",
                "base_price": Decimal("120.00"),
                "terms_fr": ("krown", "traitement antirouille"),
            },
            actor=ADMIN,
        )
        assert "UNDERCOAT" == await text("SM2", "Krown sur RAV4 2022 stock T1002")


class TestTheDealershipsBrand:
    async def test_a_model_two_brands_sell_goes_to_the_dealership_s_brand(self) -> None:
        """ "Sprinter" at a Mercedes-Benz store is a Mercedes-Benz; the sender decides only
        what the text leaves open."""
        mercedes = Dealership(
            id=uuid4(), name="Mercedes-Benz Québec", phone="+14185550199", email="m@example.com"
        )
        parser = OfflineParser(CatalogSnapshot.of(demo_services(), [mercedes]))
        body = "PDI sur Sprinter 2024 stock M2201"
        [hinted] = (await parser.parse(body, dealership_id=mercedes.id)).requests
        assert ("Mercedes-Benz", "Sprinter") == (hinted.make, hinted.model)
        [unknown] = (await parser.parse(body, dealership_id=uuid4())).requests
        assert "Sprinter" == unknown.model
