"""``sm2 parse`` (one message or JSON lines) and ``sm2 demo``."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from cli_support import AUDI, CORPUS, JOB_CODE, assert_ok, assert_refused
from click.testing import CliRunner, Result

from sm2_cli.main import cli

#: CONTRACT.md's ``sm2 parse`` result, key for key and in that order.
RESULT_KEYS = ["requests", "confidence", "language", "parser", "window"]
REQUEST_KEYS = ["year", "make", "model", "vin", "stock_no", "service_code"]
AUDI_REQUEST = {
    "year": 2023,
    "make": "Audi",
    "model": "Q5",
    "vin": "WA1BNAFY4PP057830",
    "stock_no": None,
    "service_code": "KEY_PROGRAMMING",
}


def parse(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["parse", *args], input=input)


def assert_contract_shape(result: dict[str, Any]) -> None:
    assert RESULT_KEYS == list(result)
    assert isinstance(result["confidence"], float)
    assert 0.0 <= result["confidence"] <= 1.0
    assert result["language"] in ("en", "fr")
    assert "offline" == result["parser"]
    for request in result["requests"]:
        assert REQUEST_KEYS == list(request)


def jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


class TestParseOne:
    def test_prints_the_contract_result(self) -> None:
        """The CONTRACT's own example: one JSON line, its keys, the Audi Q5 request."""
        result = parse(AUDI[1])
        assert_ok(result)
        assert 1 == len(result.stdout.splitlines())
        parsed = json.loads(result.stdout)
        assert_contract_shape(parsed)
        assert [AUDI_REQUEST] == parsed["requests"]
        assert "en" == parsed["language"]

    def test_vin_letter_o_for_zero_is_corrected(self) -> None:
        """An O typed for a 0 is fixed when that makes the check digit valid."""
        parsed = json.loads(parse("Need a key for a 2023 Audi Q5 VIN WA1BNAFY4PPO57830").stdout)
        assert "WA1BNAFY4PP057830" == parsed["requests"][0]["vin"]

    def test_make_is_the_full_brand_name(self) -> None:
        """ "vw" and "chevy" are written as NHTSA writes the brands."""
        text = "vw jetta 2019 brakes"
        assert "Volkswagen" == json.loads(parse(text).stdout)["requests"][0]["make"]
        text = "chevy silverado 2021 oil change"
        assert "Chevrolet" == json.loads(parse(text).stdout)["requests"][0]["make"]

    def test_no_work_has_empty_requests(self) -> None:
        """A thank-you text asks for nothing: ``requests`` is empty."""
        parsed = json.loads(parse("merci!").stdout)
        assert_contract_shape(parsed)
        assert [] == parsed["requests"]


class TestParseJsonl:
    def test_one_result_per_line_in_order(self) -> None:
        """Each {"body","from"} line gives one result line, in input order; blanks skipped."""
        stdin = jsonl({"body": AUDI[1], "from": AUDI[0]}) + "\n" + jsonl({"body": "merci!"})
        result = parse("--jsonl", input=stdin)
        assert_ok(result)
        results = [json.loads(line) for line in result.stdout.splitlines()]
        assert [[AUDI_REQUEST], []] == [r["requests"] for r in results]

    def test_corpus_gives_the_same_results_as_one_by_one(self) -> None:
        """The labeled SMS corpus: one line per message, each equal to parsing it alone."""
        lines = CORPUS.read_text("utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
        result = parse("--jsonl", input="\n".join(lines) + "\n")
        assert_ok(result)
        results = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(records) == len(results)
        for record, got in list(zip(records, results, strict=True))[:10]:
            assert json.loads(parse(record["body"]).stdout) == got
        for got in results:
            assert_contract_shape(got)

    def test_non_json_line_is_refused_naming_it(self) -> None:
        """A line that is not JSON: exit 1, the line number on stderr, no traceback."""
        stdin = jsonl({"body": "merci!"}) + "this is not json\n"
        assert_refused(parse("--jsonl", input=stdin), "line 2: not JSON")

    @pytest.mark.parametrize("line", ['{"from": "+14185550101"}', "[1, 2]", '{"body": 42}'])
    def test_line_without_a_body_string_is_refused(self, line: str) -> None:
        """An object without a "body" string: exit 1 naming the line."""
        result = parse("--jsonl", input=line + "\n")
        assert_refused(result, 'line 1: expected an object with a "body" string')

    @pytest.mark.parametrize("args", [(), ("merci!", "--jsonl")], ids=["neither", "both"])
    def test_message_or_jsonl_is_required(self, args: tuple[str, ...]) -> None:
        """Neither a MESSAGE nor ``--jsonl``, or both: exit 2."""
        assert_refused(parse(*args, input=""), "not both or neither", exit_code=2)


@pytest.fixture(scope="module")
def demo() -> Result:
    """One run of ``sm2 demo`` (no system given: it builds its own fakes)."""
    result = CliRunner().invoke(cli, ["demo"])
    assert_ok(result)
    return result


class TestDemo:
    def test_prints_job_codes(self, demo: Result) -> None:
        """Job codes look like SM2-YYYY-NNN and count up from 001."""
        found = JOB_CODE.findall(demo.stdout)
        assert "SM2-" in demo.stdout
        assert found
        assert all(re.fullmatch(r"SM2-\d{4}-\d{3}", code) for code in found)
        # The board prints by rank, and the worker parses several texts at once: the first
        # code printed need not be the first one given.
        assert min(found).endswith("-001")

    def test_walks_a_job_to_completed_and_synced(self, demo: Result) -> None:
        """One job ends COMPLETED with its invoice SYNCED in QuickBooks."""
        assert re.search(
            r"SM2-\d{4}-\d{3}: COMPLETED, invoice SYNCED \(QuickBooks #\d+\)", demo.stdout
        )

    def test_prints_the_audit_timeline(self, demo: Result) -> None:
        """The timeline lists the job's steps in order, from create to invoice_synced."""
        timeline = demo.stdout.split("Audit timeline:")[1].split("\n\n")[0]
        actions = [line.split()[1] for line in timeline.strip().splitlines()]
        assert [
            "create",
            "verify",
            "assign",
            "accept",
            "complete",
            "approve",
            "invoice_synced",
        ] == (actions)

    def test_shows_inbox_and_confirmations(self, demo: Result) -> None:
        """The unknown sender and the thank-you land in the inbox; dealerships get confirmations."""
        assert "Inbox (no job made): 2 message(s)" in demo.stdout
        assert "Confirmations texted back:" in demo.stdout
        assert "" == demo.stderr
