"""Schemathesis against the app on PostgreSQL, as a client over HTTP sees it.

The app runs on uvicorn with a real System (PostgreSQL, the task queue, QuickBooks and Twilio as
configured in production: here without an Intuit app, and with Twilio signatures checked). The
schemathesis CLI runs every check (``--checks all``) through every phase: the document's
examples, coverage, fuzzing and the stateful phase, which chains calls through the links it
infers (a created zone is then read, changed, used by a dealership...). Admin operations are
called with an admin token, technician ones with a technician token; the run must find nothing.

What is left out, or answered differently, is listed below with the reason.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import attrs
import httpx
import pytest
import uvicorn
from api_apps import reset_database
from api_harness import AUDI, FORD, MARC, RAV4, TOYOTA
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Litestar

from sm2_adapters.seed import SEED_ACTOR, seed_demo
from sm2_adapters.settings import Settings
from sm2_adapters.system import System, build_system
from sm2_core.domain.enums import Role
from sm2_core.services import Services
from sm2_web.app import create_app
from sm2_web.config import WebConfig
from sm2_web.routes.quickbooks import QUICKBOOKS_HANDLERS

HERE = Path(__file__).parent
PASSWORD = "fuzz-password-1"
CONFIG = WebConfig(
    jwt_secret="f" * 32,
    twilio_auth_token="fuzz-twilio-token",
    twilio_verify=True,
    qbo_webhook_verifier="fuzz-intuit-verifier",
    heartbeat_seconds=0.5,
)

#: Operations not called at all (by operationId), and why.
EXCLUDED = {
    "events": "GET /api/events is an endless text/event-stream: each call would last until "
    "the request times out; its resumption, reset and refusals are tested in test_api_events "
    "and test_api_strictness, its document in test_api_openapi",
    "technicianEvents": "GET /api/technician/events is the technicians' endless stream: "
    "its filtering, resumption and refusals are tested in test_api_technician_events",
}
#: Operations whose documented 503 is expected here, and why.
NOT_CONFIGURED = {
    "quickbooksStatus": "no Intuit app in this runtime: QuickBooks answers its documented 503 "
    "(the configured flow is tested in tests/integration/quickbooks/test_qbo_web.py)",
    "quickbooksConnect": "the same",
    "quickbooksDisconnect": "the same",
    "quickbooksCallback": "the same",
}
_OPAQUE_CURSOR = (
    "a cursor is opaque: any string fits the schema, but only those the API made are cursors "
    "(anything else is a 422 naming cursor, tested in test_api_strictness)"
)
_PHONE = (
    "a phone must be a number of the numbering plan (phonenumbers decides), and a zone_id name "
    "a zone: the schema cannot say which (a 422 names the field)"
)
_CONVERSATION = (
    "the path's phone must be a number of the numbering plan (a 422 names phone), and one we "
    "have texts with (else 404)"
)
_PERIOD = (
    "a report covers at most 366 days, to on or after from (from alone runs to today): the "
    "schema states each date, not how far apart they are (a 422 names from and to)"
)
#: Operations where a request that fits the schema may still be refused with 422, and why: a
#: domain rule no schema can state. Every other answer is checked as for the rest.
DOMAIN_RULES = {
    "listJobs": _OPAQUE_CURSOR,
    "listZones": _OPAQUE_CURSOR,
    "listServices": _OPAQUE_CURSOR,
    "listDealerships": _OPAQUE_CURSOR,
    "listTechnicians": _OPAQUE_CURSOR,
    "listRules": _OPAQUE_CURSOR,
    "listParts": _OPAQUE_CURSOR,
    "listPrices": _OPAQUE_CURSOR,
    "createPart": "a part's name of spaces is empty once trimmed (a 422 names name)",
    "updatePart": "the same",
    "adjustInvoiceLine": "the version is required in If-Match or in the body (as updateJob); "
    "a reason of spaces is empty once trimmed; a quantity or a unit price must be given, and "
    "their product must fit the invoice (a 422 names the field)",
    "listUsers": _OPAQUE_CURSOR,
    "listCorrections": _OPAQUE_CURSOR,
    "listConversations": _OPAQUE_CURSOR,
    "getConversation": _CONVERSATION,
    "markConversationRead": _CONVERSATION,
    "replyToConversation": _CONVERSATION + "; a body of spaces is empty once trimmed (a 422 "
    "names body), and a number that opted out is refused (409)",
    "createDealership": _PHONE,
    "updateDealership": _PHONE,
    "createTechnician": _PHONE + "; skills must be codes of the catalog",
    "updateTechnician": _PHONE + "; skills must be codes of the catalog",
    "createRule": "a rule needs a dealership, a service or a make, and they must exist",
    "updateRule": "the same",
    "createPrice": "a price's dealership and service must exist (a 422 names the field)",
    "updatePrice": "the same",
    "updateJob": "the version is required in If-Match or in the body: OpenAPI cannot require "
    "one of a header and a body field",
    "attachPhoto": "a photo's bytes must be a readable JPEG, PNG, HEIC/HEIF or WebP, and its "
    "job one that takes photos: a schema states a binary, not what it decodes to",
    "addPushSubscription": "a push endpoint must be an https URL (http only on loopback) and "
    "the keys base64url of 65 and 16 bytes: the schema bounds the text, not what it decodes to",
    "getDealershipReport": _PERIOD,
    "getTurnaroundReport": _PERIOD,
    "getTechnicianReport": _PERIOD,
    "getParserReport": _PERIOD,
    "createUser": "a username is 3 to 64 letters (any alphabet), digits or . _ - @: the "
    "schema's regular expressions cannot name every alphabet's letters; a technician login "
    "names an existing technician",
}
# The Twilio webhook is called like the rest: unsigned, so every call is refused (403), as any
# caller but Twilio is; its reading of signed texts is tested in tests/integration/twilio. The
# same for Intuit's (tests/integration/quickbooks/test_qbo_payments.py).

#: Deterministic and quick (CI's budget): a fixed seed, few examples per operation.
SEED = 20261203
MAX_EXAMPLES = 6
STATEFUL_EXAMPLES = 30


class QuickHasher:
    """argon2 at its cheapest: hashing is not what is fuzzed, and at RFC 9106's cost each login,
    new user and password change took a quarter of a second of the run."""

    def __init__(self) -> None:
        self._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def quick(services: Services) -> Services:
    return attrs.evolve(services, admin=attrs.evolve(services.admin, hasher=QuickHasher()))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fuzz_app(settings: Settings) -> Litestar:
    """The production app's shape (``sm2_web.serve``) on its own System, without a worker."""
    system = build_system(settings, pool_size=6)

    @asynccontextmanager
    async def running(_: Litestar) -> AsyncIterator[None]:
        await system.open()
        try:
            yield
        finally:
            await system.close()

    return create_app(
        quick(system.services),
        config=CONFIG,
        clock=system.clock,
        limiter=system.limiter,
        events_feed=system.events,
        health_probe=system.health,
        quickbooks=system.quickbooks,
        lifespans=[running],
        extra_handlers=QUICKBOOKS_HANDLERS,
    )


@contextmanager
def serving(app: Litestar) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


async def _seed(settings: Settings) -> dict[str, str]:
    """The demo data, a few jobs (one scheduled for the technician login) and three logins: the
    fuzzer's admin and technician, and a decoy."""
    system: System = build_system(settings, pool_size=2)
    await system.open()
    try:
        admin = quick(system.services).admin
        await seed_demo(system.services)
        techs = {t.name: t.id for t in await admin.all("technicians")}
        dealers = {d.phone: d.id for d in await admin.all("dealerships")}
        jobs = [
            await system.services.intake.create_job(
                dealership_id=dealers[phone], service_code=code, vehicle=RAV4, actor=SEED_ACTOR
            )
            for phone, code in ((TOYOTA, "KEY_PROGRAMMING"), (FORD, "OIL_CHANGE"), (AUDI, None))
        ]
        await system.services.dispatch.assign(jobs[0].id, techs[MARC], actor=SEED_ACTOR)
        ids = {}
        for name, role, tech in (
            ("fuzz-admin", Role.ADMIN, None),
            ("fuzz-tech", Role.TECH, techs[MARC]),
            ("fuzz-decoy", Role.ADMIN, None),
        ):
            user = await admin.create_user(
                username=name, role=role, password=PASSWORD, actor=SEED_ACTOR, technician_id=tech
            )
            ids[name] = str(user.id)
        return ids
    finally:
        await system.close()


def _token(base: str, username: str) -> str:
    response = httpx.post(
        f"{base}/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert 200 == response.status_code, response.text
    token: str = response.json()["access_token"]
    return token


def _ids(operations: dict[str, str]) -> str:
    return ", ".join(f'"{op}"' for op in operations)


def _config(admin: str, tech: str, decoy: str) -> str:
    """schemathesis.toml: the tokens, the exceptions above, the volume."""
    return f"""
seed = {SEED}
headers = {{ Authorization = "Bearer {admin}" }}

[generation]
max-examples = {MAX_EXAMPLES}
database = "none"

[phases.stateful]
max-steps = 8
generation = {{ max-examples = {STATEFUL_EXAMPLES} }}

[[operations]]
include-path-regex = "^/api/technician/"
headers = {{ Authorization = "Bearer {tech}" }}

# Logging out ends the session: the decoy's, not the fuzzer's.
[[operations]]
include-operation-id = "logout"
headers = {{ Authorization = "Bearer {decoy}" }}

[[operations]]
include-operation-id = [{_ids(NOT_CONFIGURED)}]
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "503"]

[[operations]]
include-operation-id = [{_ids(DOMAIN_RULES)}]
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"
]
"""


@pytest.mark.postgres
def test_schemathesis_finds_nothing(pg_url: str, tmp_path: Path) -> None:
    """Every check, every phase (stateful included), zero failures and zero errors."""
    reset_database(pg_url)
    settings = Settings(database_url=pg_url, data_dir=tmp_path)
    ids = asyncio.run(_seed(settings))
    with serving(fuzz_app(settings)) as base:
        config = tmp_path / "schemathesis.toml"
        tokens = {name: _token(base, name) for name in ids}
        config.write_text(_config(tokens["fuzz-admin"], tokens["fuzz-tech"], tokens["fuzz-decoy"]))
        excluded = [arg for op in EXCLUDED for arg in ("--exclude-operation-id", op)]
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config),
            "run",
            f"{base}/schema/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            # One worker: hypothesis describes strategies with ast.parse, which is not safe
            # across threads ("AST constructor recursion depth mismatch").
            "--workers",
            "1",
            "--max-failures",
            "20",
            "--no-color",
            *excluded,
        ]
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
            "SM2_FUZZ_PROTECTED": f"{ids['fuzz-admin']},{ids['fuzz-tech']}",
            "SM2_FUZZ_DECOY": ids["fuzz-decoy"],
        }
        run = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )
    report = run.stdout + run.stderr
    (tmp_path / "schemathesis.txt").write_text(report)
    assert 0 == run.returncode, report[-20000:]
