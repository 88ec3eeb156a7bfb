"""What users of the offline parser rely on, one behaviour per class (messages written here)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sm2_adapters.parsing import OfflineParser
from sm2_adapters.seed import demo_services
from sm2_core.domain.enums import Language, Urgency
from sm2_core.parsing import CatalogSnapshot, ParsedRequest

PARSER = OfflineParser()

HONDA_2024 = "2HGFE2F52RH501234"
TOYOTA_2019 = "2T1BURHE0KC234567"
CHEVROLET_2022 = "1GNSKBKD8NR123456"
KIA_2024 = "KNDJ23AU1R7123456"


def only(body: str) -> ParsedRequest:
    result = PARSER.parse_text(body)
    assert len(result.requests) == 1, result
    return result.requests[0]


class TestVins:
    def test_plain_vin_is_read(self) -> None:
        """A VIN typed as is comes back unchanged."""
        assert only(f"clé pour Civic 2024 {HONDA_2024}").vin == HONDA_2024

    @pytest.mark.parametrize(
        "typed",
        ["2t1burhe0kc234567", "2T1BURHE0KC 234567", "2T1BU-RHE0K-C234567", "2T1BURHEOKC234567"],
    )
    def test_vin_as_typed_by_people(self, typed: str) -> None:
        """Lower case, spaces, dashes and O for 0 all give the VIN as the manufacturer wrote it."""
        assert only(f"oil change vin {typed}").vin == TOYOTA_2019

    def test_year_and_make_decoded_when_text_lacks_them(self) -> None:
        """A valid VIN gives the make (WMI) and model year the dealer did not write."""
        request = only(f"diag svp {CHEVROLET_2022}")
        assert (2022, "Chevrolet", None) == (request.year, request.make, request.model)

    def test_bad_check_digit_kept_as_written_and_flagged(self) -> None:
        """A VIN whose check digit fails stays as typed, with a warning and lower confidence."""
        typo = "2HGFE2F53RH501234"
        good = PARSER.parse_text(f"key for Civic 2024 {HONDA_2024}")
        bad = PARSER.parse_text(f"key for Civic 2024 {typo.lower()}")
        assert bad.requests[0].vin == typo
        assert any("check digit" in w for w in bad.warnings)
        assert bad.confidence < good.confidence

    def test_brand_disagreeing_with_vin_is_flagged(self) -> None:
        """A Honda in the text with a Chevrolet VIN is a contradiction a human must see."""
        result = PARSER.parse_text(f"Honda Civic 2022 key {CHEVROLET_2022}")
        assert any("disagrees with VIN" in w for w in result.warnings)
        assert result.confidence < 0.6

    def test_incomplete_vin_after_keyword_is_kept_and_flagged(self) -> None:
        """A VIN missing characters after "VIN" is kept for a human, never trusted."""
        result = PARSER.parse_text("brakes on Camry 2020 VIN 4T1B11HK5LU12345")
        assert result.requests[0].vin == "4T1B11HK5LU12345"
        assert any("not 17 characters" in w for w in result.warnings)


class TestStockNumbers:
    @pytest.mark.parametrize(
        "written",
        [
            "stock T7781",
            "stk T7781",
            "stk# T7781",
            "#T7781",
            "#stock T7781",
            "stock #T7781",
            "no de stock T7781",
            "unité T7781",
            "Stock: t7781",
        ],
    )
    def test_keywords(self, written: str) -> None:
        """Every way dealers introduce a stock number is understood."""
        assert only(f"Corolla 2021 vidange {written}").stock_no == "T7781"

    def test_dashed_stock_number_keeps_its_dash(self) -> None:
        """Stock numbers are printed as the dealer's system writes them."""
        assert only("pneus Camry 2022 stk# T22-0457").stock_no == "T22-0457"

    def test_list_gives_one_request_each(self) -> None:
        """ "S3301, S3302 et S3305" are three cars sharing the model, year and service."""
        result = PARSER.parse_text("PDI sur 3 Crosstrek 2025: stock S3301, S3302 et S3305")
        assert [r.stock_no for r in result.requests] == ["S3301", "S3302", "S3305"]
        assert {(r.year, r.make, r.model, r.service_code) for r in result.requests} == {
            (2025, "Subaru", "Crosstrek", "PDI")
        }

    def test_stock_shape_without_keyword_is_guessed_and_flagged(self) -> None:
        """An uppercase code like K24-551 is read as a stock number, with a doubt noted."""
        result = PARSER.parse_text("PDI Telluride 2024 K24-551")
        assert result.requests[0].stock_no == "K24-551"
        assert any("without a keyword" in w for w in result.warnings)


class TestYears:
    @pytest.mark.parametrize(
        ("written", "year"),
        [
            ("2023 Audi Q5", 2023),
            ("Q5 2023", 2023),
            ("Q5 MY23", 2023),
            ("Q5 '23", 2023),
            ("Q5 ’23", 2023),
            ("F150 24", 2024),
            ("my2019 Civic", 2019),
        ],
    )
    def test_year_forms(self, written: str, year: int) -> None:
        """Full, apostrophe, model-year and two-digit-after-model years are all read."""
        assert only(f"battery {written}").year == year

    def test_mileage_is_not_a_year(self) -> None:
        """ "2000 km" is a distance, not a model year."""
        assert only("oil change Civic 2019 at 2000 km").year == 2019


class TestMakesAndModels:
    @pytest.mark.parametrize(
        ("written", "make", "model"),
        [
            ("chevy silverado", "Chevrolet", "Silverado"),
            ("vw jetta", "Volkswagen", "Jetta"),
            ("F150", "Ford", "F-150"),
            ("f-150", "Ford", "F-150"),
            ("crv", "Honda", "CR-V"),
            ("cr v", "Honda", "CR-V"),
            ("grand cherokee", "Jeep", "Grand Cherokee"),
            ("santa fe", "Hyundai", "Santa Fe"),
            ("Bronco Sport", "Ford", "Bronco Sport"),
            ("sierra 1500", "GMC", "Sierra 1500"),
            ("tesla model y", "Tesla", "Model Y"),
            ("cx5", "Mazda", "CX-5"),
            ("ioniq 5", "Hyundai", "Ioniq 5"),
            ("rav 4", "Toyota", "RAV4"),
            ("mercedes glc 300", "Mercedes-Benz", "GLC"),
            ("rx350", "Lexus", "RX"),
            ("ram 1500", "Ram", "1500"),
            ("mazda 3", "Mazda", "Mazda3"),
            ("mini cooper", "MINI", "Cooper"),
            ("gmc yukon", "GMC", "Yukon"),
            ("bmw x5", "BMW", "X5"),
            ("330i", "BMW", "3 Series"),
        ],
    )
    def test_normalised_names(self, written: str, make: str, model: str) -> None:
        """Makes come out as NHTSA writes them, models as the brand writes them."""
        request = only(f"Key for {written} 2022")
        assert (make, model) == (request.make, request.model)

    def test_misspelled_model_is_read_and_flagged(self) -> None:
        """ "Silverdo" is a Silverado, read with a doubt that lowers confidence."""
        result = PARSER.parse_text("Silverdo 2020 brakes stock G20-11")
        assert result.requests[0].model == "Silverado"
        assert any("misspelling" in w for w in result.warnings)

    @pytest.mark.parametrize(
        "body", ["la batterie est à charger", "il faut ranger le camion", "encore merci"]
    )
    def test_everyday_words_are_not_models(self, body: str) -> None:
        """Models named like common words (Charger, Ranger, Encore) need more than the word."""
        for request in PARSER.parse_text(body).requests:
            assert request.model is None

    def test_common_word_model_with_year_is_a_model(self) -> None:
        """ "Charger 2019" is the Dodge."""
        assert only("Charger 2019 battery dead").model == "Charger"


class TestServices:
    @pytest.mark.parametrize(
        ("words", "code"),
        [
            ("oil change", "OIL_CHANGE"),
            ("vidange", "OIL_CHANGE"),
            ("changement d'huile", "OIL_CHANGE"),
            ("changment dhuile", "OIL_CHANGE"),
            ("need a spare key", "KEY_PROGRAMMING"),
            ("clé perdue", "KEY_PROGRAMMING"),
            ("cle", "KEY_PROGRAMMING"),
            ("key fob", "KEY_PROGRAMMING"),
            ("winter tires", "TIRE_CHANGE"),
            ("pneu d'hiver", "TIRE_CHANGE"),
            ("pose de pneus", "TIRE_CHANGE"),
            ("brake pads", "BRAKE_SERVICE"),
            ("freins arrière", "BRAKE_SERVICE"),
            ("battery dead", "BATTERY_REPLACEMENT"),
            ("batteri à changer", "BATTERY_REPLACEMENT"),
            ("diag svp", "DIAGNOSTIC"),
            ("voyant moteur allumé", "DIAGNOSTIC"),
            ("check engine light", "DIAGNOSTIC"),
            ("joint de culasse", "ENGINE_REPAIR"),
            ("engine rebuild", "ENGINE_REPAIR"),
            ("PDI", "PDI"),
            ("inspection pré-livraison", "PDI"),
            ("esthétique", "DETAILING"),
            ("full detail", "DETAILING"),
            ("pare-brise fissuré", "WINDSHIELD_REPAIR"),
            ("rock chip", "WINDSHIELD_REPAIR"),
            ("débosselage", "PAINTLESS_DENT_REPAIR"),
            ("hail damage", "PAINTLESS_DENT_REPAIR"),
            ("A/C blowing warm", "AC_SERVICE"),
            ("clim", "AC_SERVICE"),
            ("démarreur à distance", "REMOTE_STARTER"),
            ("remote start", "REMOTE_STARTER"),
            ("reprogrammation ECU", "SOFTWARE_UPDATE"),
            ("mise a jour logiciel", "SOFTWARE_UPDATE"),
        ],
    )
    def test_words_to_catalog_codes(self, words: str, code: str) -> None:
        """English and French words, with or without accents, map to catalog codes."""
        assert only(f"Elantra 2021 {words}").service_code == code

    def test_specific_service_beats_diagnostic(self) -> None:
        """ "freins + diag ABS" is a brake job; the diag is part of it."""
        assert only("Kona 2022 freins avant + diag ABS").service_code == "BRAKE_SERVICE"

    def test_key_programming_is_not_a_software_update(self) -> None:
        """ "programmer une clé" is key work, not a module flash."""
        assert only("Civic 2020 il faut programmer une clé").service_code == "KEY_PROGRAMMING"

    def test_known_codes_limit_the_answer(self) -> None:
        """A parser told the catalog returns only codes of that catalog."""
        oil = [s for s in demo_services() if s.code == "OIL_CHANGE"]
        parser = OfflineParser(CatalogSnapshot.of(oil))
        assert parser.parse_text("clé Civic 2022 stock H1234").requests[0].service_code is None


class TestUrgency:
    @pytest.mark.parametrize(
        ("words", "urgency"),
        [
            ("asap", Urgency.HIGH),
            ("URGENT", Urgency.HIGH),
            ("client attend", Urgency.HIGH),
            ("au plus vite svp", Urgency.HIGH),
            ("rush", Urgency.HIGH),
            ("customer waiting", Urgency.HIGH),
            ("pas pressé", Urgency.LOW),
            ("when you can", Urgency.LOW),
            ("no rush", Urgency.LOW),
            ("pas urgent", Urgency.LOW),
            ("", Urgency.MEDIUM),
        ],
    )
    def test_urgency_words(self, words: str, urgency: Urgency) -> None:
        """Urgency words raise or lower it; "no rush" is not read as "rush"."""
        assert PARSER.parse_text(f"vidange Camry 2021 stock T1 {words}").urgency == urgency


class TestLanguage:
    @pytest.mark.parametrize(
        ("body", "language"),
        [
            ("Need brakes on the Camry 2021", Language.EN),
            ("Besoin de freins sur la Camry 2021", Language.FR),
            ("pneus d'hiver à poser, Camry 2021", Language.FR),
            ("Thanks!", Language.EN),
            ("Merci!", Language.FR),
        ],
    )
    def test_language(self, body: str, language: Language) -> None:
        """The language a confirmation should be written in."""
        assert PARSER.parse_text(body).language == language


class TestSeveralVehicles:
    def test_each_vehicle_its_own_service(self) -> None:
        """ "oil change on the RAV4 and brakes on the Highlander" are two different jobs."""
        result = PARSER.parse_text("oil change on RAV4 2021 and brakes on Highlander 2020")
        assert [(r.model, r.service_code) for r in result.requests] == [
            ("RAV4", "OIL_CHANGE"),
            ("Highlander", "BRAKE_SERVICE"),
        ]

    def test_service_written_once_is_shared(self) -> None:
        """One service for two VINs gives it to both."""
        result = PARSER.parse_text(f"vidange sur {TOYOTA_2019} et {HONDA_2024}")
        assert [(r.make, r.year, r.service_code) for r in result.requests] == [
            ("Toyota", 2019, "OIL_CHANGE"),
            ("Honda", 2024, "OIL_CHANGE"),
        ]

    def test_stock_numbers_listed_after_the_vehicles(self) -> None:
        """Vehicles named first and their stock numbers listed after are paired in order."""
        result = PARSER.parse_text(
            "vidange sur la Corolla et pneus sur la Camry, stock T101 et T102"
        )
        assert [(r.model, r.stock_no, r.service_code) for r in result.requests] == [
            ("Corolla", "T101", "OIL_CHANGE"),
            ("Camry", "T102", "TIRE_CHANGE"),
        ]


class TestNonWork:
    @pytest.mark.parametrize(
        "body",
        [
            "ok merci",
            "c'est beau merci",
            "Merci!",
            "Thanks, great job",
            "STOP",
            "HELP",
            "Unsubscribe",
            "who is this?",
            "Le tech arrive à quelle heure?",
            "Is the RAV4 ready?",
            "Thanks for the oil change on the Corolla!",
            "Cancel the PDI on stock K2391 please",
            "Facture pour le PDI stock K2391 svp",
            "Parfait 👍",
            "Arrêt",
            "",
        ],
    )
    def test_no_request(self, body: str) -> None:
        """Thanks, questions, opt-outs, cancellations and billing ask for no work."""
        assert PARSER.parse_text(body).requests == ()


class TestConfidence:
    def test_complete_beats_missing_service(self) -> None:
        """A message naming the service scores higher than the same one without it."""
        full = PARSER.parse_text(f"key for Civic 2024 {HONDA_2024}")
        no_service = PARSER.parse_text(f"Civic 2024 {HONDA_2024}")
        assert full.confidence > no_service.confidence
        assert no_service.confidence < 0.6

    def test_contradiction_scores_lower(self) -> None:
        """A brand disagreeing with the VIN scores lower than an agreeing one."""
        agree = PARSER.parse_text(f"Kia Sorento 2024 battery {KIA_2024}")
        disagree = PARSER.parse_text(f"Ford Escape 2024 battery {KIA_2024}")
        assert agree.confidence > disagree.confidence

    def test_no_vehicle_is_not_confident(self) -> None:
        """A service without any vehicle needs a human."""
        assert PARSER.parse_text("Need an oil change asap").confidence < 0.6

    def test_confidence_is_a_probability(self) -> None:
        """Always between 0 and 1."""
        for body in ("", "clim", f"key {HONDA_2024}", "Honda Civic 2022 key " + CHEVROLET_2022):
            assert 0.0 <= PARSER.parse_text(body).confidence <= 1.0


class TestInterface:
    def test_async_parse_matches_parse_text(self) -> None:
        """parse() is the async face of parse_text()."""
        body = "pneus d'hiver Civic 2020 stock H20-1"
        result = asyncio.run(PARSER.parse(body, dealership_id=7))
        assert result == PARSER.parse_text(body)
        assert result.parser == "offline"


class TestRobustness:
    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(
            st.sampled_from(
                list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                + list(" ,.-#'’:/?!éèàç\n\x00")
                + ["stock ", "vin ", "clé ", "Civic ", "2023 ", "oil change ", "F-150 "]
            ),
            max_size=80,
        ).map("".join)
    )
    def test_any_text_gives_a_well_formed_result(self, body: str) -> None:
        """Whatever arrives by SMS, the parser answers with a sane result and never raises."""
        result = PARSER.parse_text(body)
        assert 0.0 <= result.confidence <= 1.0
        for request in result.requests:
            assert request.vin is None or request.vin == request.vin.upper()
            assert request.year is None or 1981 <= request.year <= 2030
