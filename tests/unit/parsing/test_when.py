"""``read_when``: the time a dealer's text says the work is wanted, one behaviour per class."""

from __future__ import annotations

from datetime import time

import attrs
import pytest

from sm2_adapters.openai.combined import choose
from sm2_adapters.parsing import OfflineParser
from sm2_adapters.parsing.when import read_when
from sm2_core.domain.enums import Language
from sm2_core.domain.window import WhenSaid
from sm2_core.parsing import ParsedRequest, ParseResult

PARSER = OfflineParser()


def said(
    start: str, end: str | None = None, *, days: int = 0, weekday: int | None = None
) -> WhenSaid:
    """A ``WhenSaid`` from "HH:MM" strings."""
    return WhenSaid(
        time.fromisoformat(start),
        time.fromisoformat(end) if end is not None else None,
        days_ahead=days,
        weekday=weekday,
    )


MORNING = ("08:00", "12:00")
AFTERNOON = ("12:00", "17:00")
EVENING = ("17:00", "20:00")
WORKDAY = ("08:00", "17:00")


class TestDealerTexts:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                "changement d'huile sur RAV4 2022 stock T9001 demain matin",
                said(*MORNING, days=1),
            ),
            ("Need a key for a 2023 Audi Q5 tomorrow 2pm", said("14:00", days=1)),
            ("PDI Corolla avant midi", said(*MORNING)),
            ("vidange ce pm", said(*AFTERNOON)),
            ("lundi", said(*WORKDAY, weekday=0)),
            ("mardi 10h", said("10:00", weekday=1)),
            ("ce soir", said(*EVENING)),
            ("after lunch", said("13:00", "17:00")),
            ("this afternoon", said(*AFTERNOON)),
            ("cet après-midi", said(*AFTERNOON)),
            ("demain 13h30", said("13:30", days=1)),
            ("tomorrow between 9 and 11", said("09:00", "11:00", days=1)),
            ("entre 9h et 11h", said("09:00", "11:00")),
            # A range may end at noon said in words.
            ("de 8h à midi", said("08:00", "12:00")),
            ("demain de 10h à midi svp", said("10:00", "12:00", days=1)),
            ("from 8 to noon please", said("08:00", "12:00")),
            ("entre 9 et midi", said("09:00", "12:00")),
            ("fin de journée", said("15:00", "17:00")),
        ],
    )
    def test_the_briefs_examples(self, text: str, expected: WhenSaid) -> None:
        """The phrases dealers around Québec City write, read as the windows they mean."""
        assert expected == read_when(text)

    def test_asap_names_no_time(self) -> None:
        """ "asap" asks for urgency, not for a window."""
        assert None is read_when("Besoin d'une clé pour un Civic asap")


class TestDays:
    @pytest.mark.parametrize(
        ("text", "days"),
        [
            ("aujourd'hui", 0),
            ("aujourdhui", 0),
            ("AUJOURD'HUI", 0),
            ("auj", 0),
            ("today", 0),
            ("demain", 1),
            ("Demain", 1),
            ("tomorrow", 1),
            ("tmrw", 1),
            ("après-demain", 2),
            ("apres demain", 2),
            ("day after tomorrow", 2),
        ],
    )
    def test_a_day_alone_is_its_working_day(self, text: str, days: int) -> None:
        """A day without a time is that day from 08:00 to 17:00."""
        assert said(*WORKDAY, days=days) == read_when(text)

    @pytest.mark.parametrize(
        ("text", "weekday"),
        [
            ("lundi", 0),
            ("Monday", 0),
            ("mardi", 1),
            ("tues", 1),
            ("Tuesday", 1),
            ("mercredi", 2),
            ("wed", 2),
            ("jeudi", 3),
            ("thurs", 3),
            ("vendredi", 4),
            ("fri", 4),
            ("samedi", 5),
            ("dimanche", 6),
            ("lundi prochain", 0),
        ],
    )
    def test_weekday_names_fr_and_en(self, text: str, weekday: int) -> None:
        """Weekday names and their unambiguous abbreviations name the next such day."""
        assert said(*WORKDAY, weekday=weekday) == read_when(text)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("lun matin", said(*MORNING, weekday=0)),
            ("mon 2pm", said("14:00", weekday=0)),
            ("jeu pm", said(*AFTERNOON, weekday=3)),
            ("sam 10h", said("10:00", weekday=5)),
            ("dem matin", said(*MORNING, days=1)),
            ("ven. 9h", said("09:00", weekday=4)),
            ("Fri. 2pm", said("14:00", weekday=4)),
            ("mer.10h30", said("10:30", weekday=2)),
        ],
    )
    def test_abbreviation_that_is_a_word_is_a_day_before_a_time(
        self, text: str, expected: WhenSaid
    ) -> None:
        """ "lun", "mon", "jeu", "sam", "dem" name a day when a time follows them, with or
        without the abbreviation's dot."""
        assert expected == read_when(text)

    @pytest.mark.parametrize(
        "text", ["mon client attend", "un jeu de pneus", "sam a appelé", "Pneus pour Sam. 2 roues"]
    )
    def test_abbreviation_that_is_a_word_alone_is_no_day(self, text: str) -> None:
        """ "mon client", "jeu de pneus", "Sam" are not Monday, Thursday, Saturday."""
        assert None is read_when(text)

    def test_negated_day_is_skipped(self) -> None:
        """ "pas demain, jeudi" is Thursday."""
        assert said(*WORKDAY, weekday=3) == read_when("pas demain, jeudi")

    @pytest.mark.parametrize("text", ["last tuesday", "mardi dernier", "lundi passé"])
    def test_day_gone_by_is_no_day(self, text: str) -> None:
        """ "last tuesday", "mardi dernier" tell what happened, not when to come."""
        assert None is read_when(text)

    def test_first_day_wins(self) -> None:
        """Two days said: the first one is the one proposed."""
        assert said(*WORKDAY, days=1) == read_when("demain ou sinon lundi")


class TestPartsOfTheDay:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("matin", said(*MORNING)),
            ("en matinée", said(*MORNING)),
            ("this morning", said(*MORNING)),
            ("avant-midi", said(*MORNING)),
            ("before noon", said(*MORNING)),
            ("midi", said("12:00")),
            ("noon", said("12:00")),
            ("à l'heure du dîner", said("12:00", "13:00")),
            ("lunch", said("12:00", "13:00")),
            ("après-midi", said(*AFTERNOON)),
            ("apres midi", said(*AFTERNOON)),
            ("cet aprem", said(*AFTERNOON)),
            ("afternoon", said(*AFTERNOON)),
            ("fin de journee", said("15:00", "17:00")),
            ("end of day", said("15:00", "17:00")),
            ("soir", said(*EVENING)),
            ("en soirée", said(*EVENING)),
            ("tonight", said(*EVENING)),
            ("this evening", said(*EVENING)),
            ("dans la journée", said(*WORKDAY)),
            ("by end of day", said(*WORKDAY)),
            ("first thing", said("08:00", "09:00")),
        ],
    )
    def test_part_of_the_day_is_today_by_default(self, text: str, expected: WhenSaid) -> None:
        """A part of the day with no day said is today's."""
        assert expected == read_when(text)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("demain matin", said(*MORNING, days=1)),
            ("tomorrow morning", said(*MORNING, days=1)),
            ("demain am", said(*MORNING, days=1)),
            ("tomorrow AM", said(*MORNING, days=1)),
            ("demain soir", said(*EVENING, days=1)),
            ("lundi après-midi", said(*AFTERNOON, weekday=0)),
            ("ce pm", said(*AFTERNOON)),
            ("en am", said(*MORNING)),
            ("vendredi en pm", said(*AFTERNOON, weekday=4)),
        ],
    )
    def test_day_and_part(self, text: str, expected: WhenSaid) -> None:
        """A day and a part of it, "am"/"pm" alone included after a day or "ce"/"en"."""
        assert expected == read_when(text)

    @pytest.mark.parametrize(
        "text",
        [
            "Bon matin! changement d'huile sur le Civic",
            "Good morning, need an oil change on the Civic",
            "Morning, need an oil change on the Civic",
            "Merci, bonne fin de journée",
            "bonne soirée",
            "Good evening",
            "bon après-midi",
        ],
    )
    def test_greetings_are_no_time(self, text: str) -> None:
        """ "Bon matin", "good morning", "bonne fin de journée" greet; they propose nothing."""
        assert None is read_when(text)

    @pytest.mark.parametrize("text", ["PM service on the F-150", "I am waiting", "AM radio"])
    def test_am_pm_alone_is_no_time(self, text: str) -> None:
        """ "PM" alone is a preventive maintenance, "I am" a verb."""
        assert None is read_when(text)


class TestClockTimes:
    @pytest.mark.parametrize(
        ("text", "start"),
        [
            ("14h", "14:00"),
            ("14 h", "14:00"),
            ("14h30", "14:30"),
            ("14 h 30", "14:30"),
            ("2 pm", "14:00"),
            ("2pm", "14:00"),
            ("2PM", "14:00"),
            ("2:30pm", "14:30"),
            ("2:30 p.m.", "14:30"),
            ("10 a.m.", "10:00"),
            ("11am", "11:00"),
            ("12pm", "12:00"),
            ("à 14h", "14:00"),
            ("vers 10h", "10:00"),
            ("at 3", "15:00"),
            ("@ 9", "09:00"),
            ("around 10", "10:00"),
            ("vers 2 svp", "14:00"),
            ("vers 2 heures", "14:00"),
            ("13:45", "13:45"),
        ],
    )
    def test_a_time_is_a_one_hour_moment(self, text: str, start: str) -> None:
        """A time said alone is a moment: its window is the hour from it (``end`` None)."""
        assert said(start) == read_when(text)

    @pytest.mark.parametrize(("text", "start"), [("à 2h", "14:00"), ("at 6", "18:00")])
    def test_hours_one_to_six_are_afternoon(self, text: str, start: str) -> None:
        """Without am/pm, 1 to 6 are afternoon hours: nobody books a car at 2 at night."""
        assert said(start) == read_when(text)

    @pytest.mark.parametrize(
        ("text", "start"),
        [("ce soir 7h", "19:00"), ("tonight at 7", "19:00"), ("cet aprem 4h30", "16:30")],
    )
    def test_part_of_the_day_settles_the_hour(self, text: str, start: str) -> None:
        """ "ce soir 7h" is 19:00: the evening said moves the hour into it."""
        assert said(start) == read_when(text)

    def test_clock_wins_over_the_part(self) -> None:
        """ "demain matin vers 10h" proposes 10:00, not the whole morning."""
        assert said("10:00", days=1) == read_when("demain matin vers 10h")

    def test_first_time_wins(self) -> None:
        """ "à 14h au lieu de 13h": the first time said."""
        assert said("14:00") == read_when("Le tech peut-tu passer à 14h au lieu de 13h?")


class TestRanges:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("entre 9h et 11h", said("09:00", "11:00")),
            ("entre 9 et 11", said("09:00", "11:00")),
            ("de 9h à 11h", said("09:00", "11:00")),
            ("9h-11h", said("09:00", "11:00")),
            ("9h à 11h30", said("09:00", "11:30")),
            ("between 9 and 11am", said("09:00", "11:00")),
            ("between 1 and 3pm", said("13:00", "15:00")),
            ("from 9 to 11", said("09:00", "11:00")),
            ("9-11am", said("09:00", "11:00")),
            ("9am-5pm", said("09:00", "17:00")),
            ("11 to 1pm", said("11:00", "13:00")),
            ("demain 9-11", said("09:00", "11:00", days=1)),
            ("9-11 demain", said("09:00", "11:00", days=1)),
            ("demain 10-2", said("10:00", "14:00", days=1)),
            ("tomorrow between 9 and 11", said("09:00", "11:00", days=1)),
            ("entre 9 et 11 stock T9001", said("09:00", "11:00")),
            ("tomorrow 8-noon", said("08:00", "12:00", days=1)),
            ("demain 8h - midi", said("08:00", "12:00", days=1)),
        ],
    )
    def test_range(self, text: str, expected: WhenSaid) -> None:
        """A range is a window from its first time to its second."""
        assert expected == read_when(text)

    @pytest.mark.parametrize("text", ["9-11", "2-3 Tucson", "between 2 and 4 tires"])
    def test_bare_numbers_without_a_time_word_are_no_range(self, text: str) -> None:
        """Two bare numbers are a range only after "entre"/"between" or a day, never counting
        something."""
        assert None is read_when(text)


class TestBeforeAndAfter:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("avant 10h", said("08:00", "10:00")),
            ("before 3pm", said("08:00", "15:00")),
            ("by 3", said("08:00", "15:00")),
            ("avant le dîner", said("08:00", "12:00")),
            ("before lunch", said("08:00", "12:00")),
            ("14h au plus tard", said("08:00", "14:00")),
            ("d'ici 11h", said("08:00", "11:00")),
            ("avant 8h", said("07:00", "08:00")),
        ],
    )
    def test_before_runs_from_the_start_of_the_working_day(
        self, text: str, expected: WhenSaid
    ) -> None:
        """ "avant X" is from 08:00 until X (the hour before X when X is that early)."""
        assert expected == read_when(text)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("après 14h", said("14:00", "17:00")),
            ("after 1pm", said("13:00", "17:00")),
            ("dès 10h", said("10:00", "17:00")),
            ("à partir de 13h", said("13:00", "17:00")),
            ("after lunch", said("13:00", "17:00")),
            ("après le dîner", said("13:00", "17:00")),
            ("after noon", said("12:00", "17:00")),
            ("après 18h", said("18:00", "20:00")),
            ("after 8pm", said("20:00")),
        ],
    )
    def test_after_runs_to_the_end_of_the_working_day(self, text: str, expected: WhenSaid) -> None:
        """ "après X" is from X until 17:00, or 20:00 when X is later."""
        assert expected == read_when(text)


class TestNotTimes:
    @pytest.mark.parametrize(
        "text",
        [
            "F-150 2022",
            "F150 24 stk# T21-0456 pneus d'hiver à poser",
            "Need a key for a 2023 Audi Q5",
            "RAV4 '22 full detail",
            "CX-50 2024 #M24-071",
            "cx-5 2024",
            "BMW X5 xDrive40i",
        ],
    )
    def test_models_and_years(self, text: str) -> None:
        """Model names with digits and model years are not times."""
        assert None is read_when(text)

    @pytest.mark.parametrize(
        "text",
        [
            "stock T9001",
            "2020 civic stock 20H4471 needs winter tires mounted",
            "stk# H24-118 / H24-121",
            "stock 14h30",
            "#12",
        ],
    )
    def test_stock_numbers(self, text: str) -> None:
        """Stock numbers, "20H4471" and "stock 14h30" included, are not times."""
        assert None is read_when(text)

    @pytest.mark.parametrize(
        "text",
        ["WA1BNAFY4PP057830", "1HGCM82633A004352", "2T1BURHE0KC 234567", "VIN 4T1B11HK5LU12345"],
    )
    def test_vins(self, text: str) -> None:
        """VINs, whole or cut by a space, are not times."""
        assert None is read_when(text)

    @pytest.mark.parametrize(
        "text", ["120 000 km", "12 000 km", "at 12 000 km", "120000km", "45 000 miles"]
    )
    def test_mileage(self, text: str) -> None:
        """Mileages, with thousands apart or not, are not times."""
        assert None is read_when(text)

    @pytest.mark.parametrize(
        "text",
        [
            "2 clés",
            "2x pdi Tucson",
            "x 3",
            "qté: 3",
            "deux PDI",
            "après 2 jours",
            "after 2 tries",
            "des 2 côtés",
            "ça prend environ 2h",
            "takes about 2h",
            "dans 2h",
            "pneus 225/65R17",
            "$45",
            "12/05",
        ],
    )
    def test_quantities_durations_and_counts(self, text: str) -> None:
        """Counts, durations, sizes, prices and dates are not times."""
        assert None is read_when(text)

    @pytest.mark.parametrize(
        "text", ["asap", "urgent", "now", "semaine prochaine", "next week", "", "merci!"]
    )
    def test_no_day_or_time_said(self, text: str) -> None:
        """Urgency words and vague periods propose no window."""
        assert None is read_when(text)


class TestOfflineParser:
    def test_work_text_carries_when(self) -> None:
        """The offline reading of a work text has the time it names."""
        result = PARSER.parse_text("changement d'huile sur RAV4 2022 stock T9001 demain matin")
        assert said(*MORNING, days=1) == result.when
        assert ("RAV4", "T9001", "OIL_CHANGE") == (
            result.requests[0].model,
            result.requests[0].stock_no,
            result.requests[0].service_code,
        )

    def test_work_text_without_time_has_none(self) -> None:
        """A work text that names no time has ``when`` None."""
        assert None is PARSER.parse_text("Need a key for a 2023 Audi Q5").when

    @pytest.mark.parametrize(
        "text",
        [
            "Annule le PDI du Sportage stock K4471 svp, il a été vendu ce matin",
            "What time is the tech coming today?",
            "Merci, bonne fin de journée",
        ],
    )
    def test_non_work_text_has_none(self, text: str) -> None:
        """A text that asks for no work proposes no time for it."""
        result = PARSER.parse_text(text)
        assert () == result.requests
        assert None is result.when


class TestCombinedParser:
    OFFLINE = ParseResult(
        requests=(ParsedRequest(model="Civic"),),
        confidence=0.4,
        language=Language.FR,
        parser="offline",
        when=WhenSaid(time(8), time(12), days_ahead=1),
    )

    def test_llm_reading_keeps_the_offline_when(self) -> None:
        """The LLM's reading wins, with the time read offline."""
        llm = ParseResult(
            requests=(ParsedRequest(model="Civic", service_code="OIL_CHANGE"),),
            confidence=0.9,
            language=Language.FR,
            parser="openai",
        )
        chosen = choose(self.OFFLINE, llm)
        assert attrs.evolve(llm, when=self.OFFLINE.when) == chosen

    def test_llm_reading_of_no_work_has_no_when(self) -> None:
        """When the LLM reads no work, no time is proposed."""
        llm = ParseResult(requests=(), confidence=0.9, language=Language.FR, parser="openai")
        assert None is choose(self.OFFLINE, llm).when

    def test_offline_reading_kept_keeps_its_when(self) -> None:
        """A less certain LLM reading leaves the offline one, its time included."""
        llm = ParseResult(requests=(), confidence=0.1, language=Language.FR, parser="openai")
        assert self.OFFLINE.when == choose(self.OFFLINE, llm).when


class TestAmountsOfWork:
    @pytest.mark.parametrize(
        "text", ["Besoin 2h de main d'oeuvre", "environ 3h de travail sur le F-150"]
    )
    def test_hours_of_work_are_no_time(self, text: str) -> None:
        """ "2h de main d'oeuvre" is how long, not when."""
        assert None is read_when(text)

    def test_a_job_of_two_hours_tomorrow_is_tomorrow(self) -> None:
        """ "job de 2h demain": the day is said, the hours are the work's."""
        assert WhenSaid(time(8), time(17), days_ahead=1) == read_when("job de 2h demain")

    @pytest.mark.parametrize(
        ("text", "hour"), [("vidange demain 10h de préférence", 10), ("rdv de 14h demain", 14)]
    )
    def test_times_around_de_stay_times(self, text: str, hour: int) -> None:
        said = read_when(text)
        assert said is not None
        assert (time(hour), 1) == (said.start, said.days_ahead)
