"""Suggested service terms: words that keep appearing in texts corrected to one service."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest
from core_helpers import ADMIN, Demo, parse_result

from sm2_core.domain.entities import Service
from sm2_core.domain.enums import Language, ReferenceKind
from sm2_core.domain.records import ReceivedSms
from sm2_core.errors import InvalidInput, NotFound, PermissionDenied
from sm2_core.parsing import ParsedRequest
from sm2_core.suggestions import CorrectedText, TermSuggestion, fold, suggest_terms, words

IGNORED = frozenset({"please", "need", "ford", "escape", "client"})


def service(
    code: str,
    *,
    terms_en: tuple[str, ...] = (),
    terms_fr: tuple[str, ...] = (),
    is_active: bool = True,
) -> Service:
    return Service(
        id=uuid4(),
        code=code,
        name=code.title(),
        name_fr=code.title(),
        base_price=Decimal("100"),
        terms_en=terms_en,
        terms_fr=terms_fr,
        is_active=is_active,
    )


ALIGN = service("ALIGNMENT")
OIL = service("OIL_CHANGE", terms_en=("oil change", "lube"), terms_fr=("Vidange",))
CATALOG = (ALIGN, OIL)


def texts(service_code: str, *bodies: str, language: Language = Language.FR) -> list[CorrectedText]:
    return [CorrectedText(uuid4(), body, language, service_code) for body in bodies]


def suggested(found: tuple[TermSuggestion, ...]) -> set[tuple[str, str]]:
    return {(s.service_code, s.word) for s in found}


class TestWords:
    def test_folding(self) -> None:
        """Lower case, accents gone, apostrophes and punctuation split words."""
        assert "reparation du parallelisme" == fold("Réparation du PARALLÉLISME")
        assert {"d", "huile", "f150", "svp"} == words("d'huile F150, SVP!")


class TestSuggestTerms:
    def test_three_texts_make_a_suggestion(self) -> None:
        """In three distinct texts corrected to the service: suggested, in their language."""
        found = suggest_terms(
            texts("ALIGNMENT", "parallélisme Escape", "Parallelisme svp", "besoin parallelisme"),
            CATALOG,
            IGNORED,
        )
        assert (TermSuggestion("ALIGNMENT", "parallelisme", Language.FR, 3, 0),) == tuple(
            s for s in found if s.word == "parallelisme"
        )

    def test_two_texts_are_not_enough(self) -> None:
        found = suggest_terms(texts("ALIGNMENT", "parallelisme", "parallelisme"), CATALOG, IGNORED)
        assert set() == suggested(found)

    def test_one_text_counts_once_whatever_its_jobs(self) -> None:
        """A text with two jobs corrected to the service is one text."""
        (one,) = texts("ALIGNMENT", "parallelisme x2")
        again = [one, one, *texts("ALIGNMENT", "parallelisme")]
        assert set() == suggested(suggest_terms(again, CATALOG, IGNORED))

    @pytest.mark.parametrize(("elsewhere", "expected"), [(1, True), (2, False)])
    def test_texts_corrected_to_another_service(self, elsewhere: int, expected: bool) -> None:
        """At most one text corrected to another service may hold the word."""
        found = suggest_terms(
            [
                *texts("ALIGNMENT", "geometrie", "geometrie", "geometrie"),
                *texts("OIL_CHANGE", *["geometrie"] * elsewhere),
            ],
            CATALOG,
            IGNORED,
        )
        assert expected == (("ALIGNMENT", "geometrie") in suggested(found))

    def test_words_that_are_no_suggestion(self) -> None:
        """Numbers, model codes, short words, ignored words and catalog terms (whatever their
        case or accents, of any service) are never suggested."""
        body = "2024 f150 pas ford please lube VIDANGE escape client"
        found = suggest_terms(texts("ALIGNMENT", body, body, body), CATALOG, IGNORED)
        assert set() == suggested(found)

    def test_an_inactive_or_unknown_service_gets_none(self) -> None:
        retired = service("RETIRED", is_active=False)
        found = suggest_terms(
            [*texts("RETIRED", *["cambrure"] * 3), *texts("GONE", *["cambrure"] * 3)],
            (*CATALOG, retired),
            IGNORED,
        )
        assert set() == suggested(found)

    @pytest.mark.parametrize(
        ("languages", "expected"),
        [
            ((Language.EN, Language.EN, Language.FR), Language.EN),
            ((Language.EN, Language.FR, Language.FR), Language.FR),
            ((Language.EN, Language.EN, Language.FR, Language.FR), Language.FR),
        ],
    )
    def test_the_language_of_most_texts_french_on_a_tie(
        self, languages: tuple[Language, ...], expected: Language
    ) -> None:
        found = suggest_terms(
            [CorrectedText(uuid4(), "alignment", lang, "ALIGNMENT") for lang in languages],
            CATALOG,
            IGNORED,
        )
        assert [expected] == [s.language for s in found]

    def test_most_texts_first(self) -> None:
        found = suggest_terms(
            texts("ALIGNMENT", "camber toe", "camber toe", "camber toes", "camber"),
            CATALOG,
            IGNORED,
        )
        assert ["camber"] == [s.word for s in found]


FORD_LEVIS = "+14185550102"


async def corrected_to(demo: Demo, code: str, *bodies: str) -> None:
    """Each body parsed as an oil change, then corrected to ``code`` by an admin."""
    for n, body in enumerate(bodies):
        request = ParsedRequest(year=2022, make="Ford", model="Escape", service_code="OIL_CHANGE")
        demo.parser.reads(body, parse_result(request, language=Language.FR))
        await demo.svc.receipt.receive_sms(
            ReceivedSms(
                sid=f"SM{code}{n}", from_number=FORD_LEVIS, to_number="+14185550000", body=body
            )
        )
        await demo.system.run_tasks()
    for job in list(demo.system.store.tables.jobs.values()):
        if job.request_text in bodies:
            await demo.svc.dispatch.update(
                job.id, actor=ADMIN, expected_version=job.version, service_code=code
            )


class TestThroughTheService:
    async def test_suggested_from_corrected_texts(self, demo: Demo) -> None:
        await corrected_to(
            demo,
            "TIRE_CHANGE",
            "Escape 2022 permutation svp",
            "permutation sur le Escape",
            "faire permutation merci",
        )
        found = await demo.svc.corrections.suggestions()
        assert [("TIRE_CHANGE", "permutation", Language.FR, 3)] == [
            (s.service_code, s.word, s.language, s.texts) for s in found
        ]

    async def test_older_corrections_are_forgotten(self, demo: Demo) -> None:
        await corrected_to(demo, "TIRE_CHANGE", *(f"permutation {n}" for n in range(3)))
        demo.system.clock.advance(days=91)
        assert () == await demo.svc.corrections.suggestions()

    async def test_adding_a_term_is_an_audited_service_change(self, demo: Demo) -> None:
        """The word joins the list of its language, through the admin's service update."""
        tires = demo.services["TIRE_CHANGE"]
        changed = await demo.svc.corrections.add_term(
            "TIRE_CHANGE", "Permutation", Language.FR, actor=ADMIN
        )
        assert ((*tires.terms_fr, "permutation"), tires.terms_en) == (
            changed.terms_fr,
            changed.terms_en,
        )
        history = await demo.svc.admin.history(ReferenceKind.SERVICES, tires.id)
        assert ("update", "admin:alice") == (history[-1].action, history[-1].actor)
        assert () == await demo.svc.corrections.suggestions()

    async def test_a_term_it_has_changes_nothing(self, demo: Demo) -> None:
        tires = demo.services["TIRE_CHANGE"]
        word = next(t for t in tires.terms_fr if t.isalpha())
        again = await demo.svc.corrections.add_term(
            "TIRE_CHANGE", word.upper(), Language.FR, actor=ADMIN
        )
        assert tires.terms_fr == again.terms_fr
        assert [] == [
            e
            for e in await demo.svc.admin.history(ReferenceKind.SERVICES, tires.id)
            if e.action == "update"
        ]

    async def test_refusals(self, demo: Demo) -> None:
        """Admins only; one word; a service that exists."""
        corrections = demo.svc.corrections
        with pytest.raises(PermissionDenied):
            await corrections.add_term(
                "TIRE_CHANGE", "permutation", Language.FR, actor=demo.as_tech("Julie")
            )
        with pytest.raises(InvalidInput):
            await corrections.add_term("TIRE_CHANGE", "two words", Language.FR, actor=ADMIN)
        with pytest.raises(NotFound):
            await corrections.add_term("NOPE", "permutation", Language.FR, actor=ADMIN)
