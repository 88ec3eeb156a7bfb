"""``sm2 corrections export``: corrected texts as a labeled corpus the accuracy bench reads."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cli_support import FORD, TOYOTA, Sm2, assert_ok, assert_refused, texts_in

from sm2_adapters.bootstrap import offline_parser
from sm2_adapters.memory import MemorySystem
from sm2_cli.main import parse_output
from sm2_core.domain.enums import Role
from sm2_core.domain.records import Actor

BENCH = Path(__file__).resolve().parents[2] / "bench" / "parse_accuracy.py"
ADMIN = Actor(name="admin:alice", role=Role.ADMIN)


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """bench/parse_accuracy.py, loaded by path (bench/ is no package)."""
    spec = importlib.util.spec_from_file_location("parse_accuracy", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def correct(system: MemorySystem, sender: str, **changes: Any) -> None:
    """An admin edits the (only) job made from ``sender``'s text."""

    async def edit() -> None:
        (message,) = [m for m in system.store.tables.messages.values() if m.from_number == sender]
        (job_id,) = message.job_ids
        job = system.store.tables.jobs[job_id]
        service = changes.pop("service_code", None)
        await system.services.dispatch.update(
            job_id,
            actor=ADMIN,
            expected_version=job.version,
            vehicle=changes or None,
            service_code=service,
        )

    asyncio.run(edit())


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class TestExport:
    def test_a_corrected_text_as_a_corpus_line(self, sm2: Sm2, system: MemorySystem) -> None:
        """One line per corrected text, as the corpus writes them; the jobs as corrected."""
        texts_in(system, TOYOTA, FORD)
        correct(system, TOYOTA[0], model="Corolla", stock_no="T9002")
        result = sm2("corrections", "export")
        assert_ok(result)
        (line,) = lines(result.stdout)
        assert {
            "id": "SMcli0001",
            "from": TOYOTA[0],
            "body": TOYOTA[1],
            "lang": "fr",
            "expected": [
                {
                    "year": 2022,
                    "make": "Toyota",
                    "model": "Corolla",
                    "vin": None,
                    "stock_no": "T9002",
                    "service_code": "OIL_CHANGE",
                }
            ],
        } == line
        assert "1 corrected text exported\n" == result.stderr

    def test_the_bench_reads_it_and_sees_the_corrections(
        self, sm2: Sm2, system: MemorySystem, bench: ModuleType, tmp_path: Path
    ) -> None:
        """Written with --output, loaded by the bench, compared field by field with what the
        parser reads: exactly the corrected fields differ; the bench runs on the file."""
        texts_in(system, TOYOTA, FORD)
        correct(system, TOYOTA[0], model="Corolla")
        correct(system, FORD[0], service_code="OIL_CHANGE")
        out = tmp_path / "real.jsonl"
        assert_ok(sm2("corrections", "export", "--output", str(out)))
        corpus = bench.load(out)
        errors = []
        for text in corpus:
            parsed = parse_output(offline_parser().parse_text(text["body"]))["requests"]
            errors += bench.field_errors(parsed, text["expected"])[1]
        assert 2 == len(corpus)
        assert [
            "request 1 model: got 'RAV4', expected 'Corolla'",
            "request 1 service_code: got 'TIRE_CHANGE', expected 'OIL_CHANGE'",
        ] == sorted(errors)
        assert 0 == bench.main(["--corpus", str(out)])

    def test_since(self, sm2: Sm2, system: MemorySystem) -> None:
        """--since keeps the texts corrected at or after that moment."""
        texts_in(system, TOYOTA, FORD)
        correct(system, TOYOTA[0], model="Corolla")
        system.clock.advance(hours=3)
        correct(system, FORD[0], model="Ranger")
        since = (system.clock.now() - timedelta(hours=1)).isoformat()
        result = sm2("corrections", "export", "--since", since)
        assert_ok(result)
        assert [FORD[0]] == [line["from"] for line in lines(result.stdout)]

    def test_nothing_corrected_nothing_written(self, sm2: Sm2, system: MemorySystem) -> None:
        texts_in(system, TOYOTA)
        result = sm2("corrections", "export")
        assert_ok(result)
        assert ("", "0 corrected texts exported\n") == (result.stdout, result.stderr)

    def test_a_bad_since_is_a_usage_error(self, sm2: Sm2) -> None:
        result = sm2("corrections", "export", "--since", "last tuesday")
        assert_refused(result, "is not an ISO 8601 date or date-time", exit_code=2)
