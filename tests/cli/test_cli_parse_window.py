"""``sm2 parse`` prints the window a text proposes ("demain matin"), in the company's zone."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from cli_support import assert_ok
from click.testing import CliRunner

from sm2_cli.main import cli, parse_output
from sm2_core.domain.enums import Language
from sm2_core.domain.window import WhenSaid
from sm2_core.parsing import ParsedRequest, ParseResult

TORONTO = ZoneInfo("America/Toronto")
ISO_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
OIL_CHANGE = "changement d'huile sur RAV4 2022 stock T9001 demain matin"


def parse(*args: str, zone: str = "America/Toronto", input: str | None = None) -> list[Any]:
    """The JSON lines ``sm2 parse ARGS`` prints with SM2_TIMEZONE set to ``zone``."""
    result = CliRunner(env={"SM2_TIMEZONE": zone}).invoke(cli, ["parse", *args], input=input)
    assert_ok(result)
    return [json.loads(line) for line in result.stdout.splitlines()]


def tomorrow_in(zone: ZoneInfo) -> set[date]:
    """Tomorrow in ``zone``: two dates when the test runs across its midnight."""
    return {(datetime.now(zone) + timedelta(days=1)).date()}


def local(stamp: str, zone: ZoneInfo) -> datetime:
    """An ISO 8601 time as printed, checked to carry the offset ``zone`` has then."""
    assert ISO_WITH_OFFSET.fullmatch(stamp), stamp
    moment = datetime.fromisoformat(stamp)
    assert moment.utcoffset() == moment.astimezone(zone).utcoffset()
    return moment.astimezone(zone)


class TestParsePrintsTheWindow:
    def test_tomorrow_morning_is_8_to_12_tomorrow(self) -> None:
        """ "demain matin" prints tomorrow 08:00 to 12:00 in America/Toronto, with its offset."""
        expected_days = tomorrow_in(TORONTO)
        [parsed] = parse(OIL_CHANGE)
        expected_days |= tomorrow_in(TORONTO)
        start = local(parsed["window"]["start"], TORONTO)
        end = local(parsed["window"]["end"], TORONTO)
        assert start.date() in expected_days
        assert (time(8), time(12), start.date()) == (start.time(), end.time(), end.date())

    def test_tomorrow_2pm_is_one_hour(self) -> None:
        """ "tomorrow 2pm" prints tomorrow 14:00 to 15:00."""
        expected_days = tomorrow_in(TORONTO)
        [parsed] = parse("Need a key for a 2023 Audi Q5 tomorrow 2pm")
        start = local(parsed["window"]["start"], TORONTO)
        end = local(parsed["window"]["end"], TORONTO)
        assert start.date() in expected_days | tomorrow_in(TORONTO)
        assert (time(14), time(15)) == (start.time(), end.time())

    def test_window_is_in_the_configured_zone(self) -> None:
        """With SM2_TIMEZONE=America/Vancouver the morning is Vancouver's, at its offset."""
        vancouver = ZoneInfo("America/Vancouver")
        expected_days = tomorrow_in(vancouver)
        [parsed] = parse(OIL_CHANGE, zone="America/Vancouver")
        start = local(parsed["window"]["start"], vancouver)
        assert start.date() in expected_days | tomorrow_in(vancouver)
        assert time(8) == start.time()
        assert parsed["window"]["start"].endswith(("-08:00", "-07:00"))

    @pytest.mark.parametrize(
        "text", ["Need a key for a 2023 Audi Q5", "merci!", "Besoin d'une clé pour un Civic asap"]
    )
    def test_no_time_said_prints_null(self, text: str) -> None:
        """A text that names no time, or asks for no work, prints ``"window": null``."""
        [parsed] = parse(text)
        assert None is parsed["window"]

    def test_window_comes_after_the_contract_keys(self) -> None:
        """``window`` is added after the keys CONTRACT.md lists, which keep their order."""
        [parsed] = parse(OIL_CHANGE)
        assert ["requests", "confidence", "language", "parser", "window"] == list(parsed)

    def test_jsonl_prints_a_window_per_line(self) -> None:
        """Each ``--jsonl`` result carries its own window."""
        lines = [{"body": OIL_CHANGE}, {"body": "merci!"}]
        stdin = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        first, second = parse("--jsonl", input=stdin)
        assert time(8) == local(first["window"]["start"], TORONTO).time()
        assert None is second["window"]


class TestParseOutput:
    RESULT = ParseResult(
        requests=(ParsedRequest(model="RAV4", service_code="OIL_CHANGE"),),
        confidence=0.9,
        language=Language.FR,
        parser="offline",
        when=WhenSaid(time(8), time(12), days_ahead=1),
    )

    @pytest.mark.parametrize(
        ("sent", "start", "end"),
        [
            ("2026-12-04T15:00:00-05:00", "2026-12-05T08:00:00-05:00", "2026-12-05T12:00:00-05:00"),
            ("2026-03-07T15:00:00-05:00", "2026-03-08T08:00:00-04:00", "2026-03-08T12:00:00-04:00"),
            ("2026-10-31T15:00:00-04:00", "2026-11-01T08:00:00-05:00", "2026-11-01T12:00:00-05:00"),
        ],
        ids=["winter", "spring-change", "autumn-change"],
    )
    def test_window_is_iso_with_the_zones_offset_that_day(
        self, sent: str, start: str, end: str
    ) -> None:
        """Times print in the company's zone with the offset of their own day."""
        now = datetime.fromisoformat(sent)
        window = parse_output(self.RESULT, now=now, zone=TORONTO)["window"]
        assert {"start": start, "end": end} == window

    def test_time_already_past_prints_null(self) -> None:
        """ "ce matin" read at 13:00 proposes nothing: the morning is over."""
        said = attrs.evolve(self.RESULT, when=WhenSaid(time(8), time(12)))
        now = datetime(2026, 12, 4, 18, tzinfo=UTC)  # 13:00 in Québec City
        assert None is parse_output(said, now=now, zone=TORONTO)["window"]

    def test_existing_callers_need_no_clock(self) -> None:
        """``parse_output(result)`` still works, reading the clock and SM2_TIMEZONE itself."""
        output = parse_output(self.RESULT)
        assert ["requests", "confidence", "language", "parser", "window"] == list(output)
        assert output["window"] is not None
