"""Helpers of the ``sm2`` command-line tests: an invoker bound to a memory system, texts in,
jobs walked to COMPLETED, and the checks every refusal shares."""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from sm2_adapters.memory import MemoryOpener, MemorySystem
from sm2_cli.main import cli
from sm2_core.domain.enums import Role
from sm2_core.domain.job import Completion, Job, Part
from sm2_core.domain.records import Actor, ReceivedSms

TESTS_DIR = Path(__file__).resolve().parents[1]
#: The labeled SMS sample from the dealerships, one JSON object a line.
CORPUS = TESTS_DIR / "data" / "sms_corpus.jsonl"
JOB_CODE = re.compile(r"\bSM2-\d{4}-\d{3}\b")

#: Demo-data senders and texts (phones as in the demo dealerships).
AUDI = ("+14185550101", "Need a key for a 2023 Audi Q5 VIN WA1BNAFY4PP057830")
TOYOTA = ("+14185550103", "Bonjour, changement d'huile sur un RAV4 2022 stock T9001 svp")
FORD = ("+14185550102", "F150 24 stk# T21-0456 pneus d'hiver à poser, pas pressé")
NO_WORK = ("+14185550104", "merci!")
UNKNOWN_SENDER = ("+15145550199", "Hi, is this the key guy?")

MARC_KEYS = "+14185550201"  # certified for KEY_PROGRAMMING
JULIE_OIL = "+14185550202"  # certified for OIL_CHANGE and TIRE_CHANGE, not keys


class Sm2:
    """``sm2 ARGS`` on one memory system, as ``CliRunner().invoke(cli, obj=MemoryOpener(...))``."""

    def __init__(self, system: MemorySystem) -> None:
        self.system = system

    def __call__(self, *args: str, input: str | None = None) -> Result:
        # As a shell passes them: plain strings (a ReferenceKind becomes its value).
        argv = [str(arg) for arg in args]
        return CliRunner().invoke(cli, argv, obj=MemoryOpener(self.system), input=input)


def texts_in(system: MemorySystem, *messages: tuple[str, str]) -> None:
    """Dealership texts received and parsed, as the webhook and the worker would."""

    async def receive() -> None:
        for number, (sender, body) in enumerate(messages, start=1):
            await system.services.receipt.receive_sms(
                ReceivedSms(
                    sid=f"SMcli{number:04d}",
                    from_number=sender,
                    to_number="+14185550000",
                    body=body,
                )
            )
        await system.run_tasks()

    asyncio.run(receive())


def completed_job(system: MemorySystem, code: str, tech_phone: str) -> Job:
    """Walk job ``code`` (verified if held) to COMPLETED by the technician with ``tech_phone``."""

    async def walk() -> Job:
        services = system.services
        admin = Actor(name="test-admin", role=Role.ADMIN)
        job = await services.dispatch.resolve(code)
        if job.awaiting_verification:
            job = await services.dispatch.verify(job.id, actor=admin)
        async with system.uow() as uow:
            tech = await uow.technicians.by_phone(tech_phone)
        assert tech is not None
        job = await services.dispatch.assign(job.id, tech.id, actor=admin)
        actor = Actor(name=tech.name, role=Role.TECH, technician_id=tech.id)
        job = await services.field.accept(job.id, actor=actor)
        report = Completion(notes="done", labour_minutes=30, parts=(Part("Filter", 1),))
        return await services.field.complete(job.id, report, actor=actor)

    return asyncio.run(walk())


def job(system: MemorySystem, code: str) -> Job:
    return asyncio.run(system.services.dispatch.resolve(code))


def codes(result: Result) -> list[str]:
    """The job codes a command printed, in order."""
    return JOB_CODE.findall(result.stdout)


def assert_refused(result: Result, message: str, *, exit_code: int = 1) -> None:
    """A clean refusal: the exit code, the message on stderr, no traceback."""
    assert exit_code == result.exit_code, (result.stdout, result.stderr)
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert isinstance(result.exception, SystemExit), result.exception


def assert_ok(result: Result) -> None:
    assert 0 == result.exit_code, (result.stdout, result.stderr, result.exception)


def write_csv(path: Path, header: Sequence[str], *rows: Sequence[Any]) -> Path:
    lines = [",".join(header), *(",".join(str(v) for v in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@functools.cache
def root_conftest() -> Any:
    """tests/conftest.py loaded by path (every conftest module is named ``conftest``)."""
    spec = importlib.util.spec_from_file_location(
        "sm2_cli_root_conftest", TESTS_DIR / "conftest.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
