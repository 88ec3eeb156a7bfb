"""``sm2`` on the real PostgreSQL: no system injected, SM2_DATABASE_URL and SM2_DATA_DIR set."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cli_support import AUDI, MARC_KEYS, TOYOTA, assert_ok, assert_refused, root_conftest
from click.testing import CliRunner, Result
from psycopg import sql
from psycopg.conninfo import make_conninfo

from sm2_adapters.postgres.migrate import load_migrations
from sm2_adapters.settings import Settings
from sm2_adapters.system import open_system
from sm2_cli.main import cli
from sm2_core.domain.enums import Role
from sm2_core.domain.job import Vehicle
from sm2_core.domain.records import Actor

pytestmark = pytest.mark.postgres

KINDS = ("zones", "services", "dealerships", "technicians")


class Sm2Pg:
    """``sm2 ARGS`` as a shell would run it, on the database of ``env``."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *args: str) -> Result:
        return CliRunner(env=self.env).invoke(cli, list(args))


@pytest.fixture
def env(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The emptied test database; run where no ``.env`` file is read."""
    root_conftest().reset_database(pg_url)
    monkeypatch.chdir(tmp_path)
    return {"SM2_DATABASE_URL": pg_url, "SM2_DATA_DIR": str(tmp_path)}


@pytest.fixture
def sm2(env: dict[str, str]) -> Sm2Pg:
    return Sm2Pg(env)


@pytest.fixture
def empty_database(pg_url: str, env: dict[str, str]) -> Iterator[Sm2Pg]:
    """A database without a single migration, dropped afterwards."""
    name = f"sm2_cli_{secrets.token_hex(6)}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield Sm2Pg({**env, "SM2_DATABASE_URL": make_conninfo(pg_url, dbname=name)})
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def count_jobs(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM jobs").fetchone()
    assert row is not None
    return int(row[0])


def create_job(env: dict[str, str], phone: str, service_code: str, vehicle: Vehicle) -> str:
    """A job typed in by hand on the real system (no task queue involved)."""

    async def create() -> str:
        async with open_system(Settings.from_env(env), apply_migrations=False) as system:
            async with system.uow() as uow:
                dealer = await uow.dealerships.by_phone(phone)
            assert dealer is not None
            made = await system.services.intake.create_job(
                dealership_id=dealer.id,
                service_code=service_code,
                vehicle=vehicle,
                actor=Actor(name="test-admin", role=Role.ADMIN),
            )
            return made.job_code

    return asyncio.run(create())


MIGRATIONS = load_migrations()


class TestDb:
    def test_upgrade_an_empty_database_then_status(self, empty_database: Sm2Pg) -> None:
        """All pending → ``db upgrade`` applies each → ``db status`` shows all applied."""
        before = json.loads(empty_database("db", "status", "--json").stdout)
        assert ([], [m.version for m in MIGRATIONS]) == (
            before["applied"],
            [p["version"] for p in before["pending"]],
        )
        upgrade = empty_database("db", "upgrade")
        assert_ok(upgrade)
        assert [f"applied {m.filename}" for m in MIGRATIONS] == upgrade.stdout.splitlines()[:-1]
        assert f"{len(MIGRATIONS)} migration(s) applied" == upgrade.stdout.splitlines()[-1]
        status = empty_database("db", "status")
        assert_ok(status)
        assert "up to date" == status.stdout.splitlines()[-1]
        assert len(MIGRATIONS) == status.stdout.count("  applied  ")
        assert "database is current" == empty_database("db", "upgrade").stdout.strip()

    def test_status_json_on_the_migrated_database(self, sm2: Sm2Pg) -> None:
        """``db upgrade`` has nothing to do; ``db status --json`` lists every migration applied."""
        assert "database is current" == sm2("db", "upgrade").stdout.strip()
        result = sm2("db", "status", "--json")
        assert_ok(result)
        status = json.loads(result.stdout)
        assert [] == status["pending"]
        assert [(m.version, m.name) for m in MIGRATIONS] == [
            (a["version"], a["name"]) for a in status["applied"]
        ]
        assert all(a["applied_at"] for a in status["applied"])


class TestSeedAndImport:
    def test_seed_demo_twice(self, sm2: Sm2Pg) -> None:
        """The first run creates the demo data, the second changes nothing."""
        first = sm2("seed", "--demo")
        assert_ok(first)
        assert all(" 0 created" not in line for line in first.stdout.splitlines())
        again = sm2("seed", "--demo")
        assert_ok(again)
        assert all("0 created, 0 updated" in line for line in again.stdout.splitlines())

    def test_round_trip_of_dealerships_and_technicians(
        self, sm2: Sm2Pg, pg_url: str, tmp_path: Path
    ) -> None:
        """Export, empty the database, import the exports back: the same CSV comes out."""
        assert_ok(sm2("seed", "--demo"))
        exported = {kind: sm2("export", kind).stdout for kind in KINDS}
        for kind, text in exported.items():
            (tmp_path / f"{kind}.csv").write_text(text, "utf-8")
        root_conftest().reset_database(pg_url)
        for kind in KINDS:
            assert_ok(sm2("import", kind, str(tmp_path / f"{kind}.csv")))
        for kind in ("dealerships", "technicians"):
            assert exported[kind] == sm2("export", kind).stdout
            assert len(exported[kind].splitlines()) > 1

    def test_bad_row_writes_nothing(self, sm2: Sm2Pg, tmp_path: Path) -> None:
        """One bad row among good ones: exit 1 naming its line; the table is unchanged."""
        assert_ok(sm2("seed", "--demo"))
        before = sm2("export", "technicians").stdout
        path = tmp_path / "techs.csv"
        path.write_text(
            "name,phone,zone,skills,status\n"
            "New Tech,+14185550299,Sainte-Foy,OIL_CHANGE,AVAILABLE\n"
            "Bad Skill,+14185550298,Sainte-Foy,UNDERWATER_WELDING,AVAILABLE\n",
            "utf-8",
        )
        result = sm2("import", "technicians", str(path))
        assert_refused(result, "line 3: unknown service codes UNDERWATER_WELDING")
        assert before == sm2("export", "technicians").stdout


class TestJobs:
    def test_list_json(self, sm2: Sm2Pg, env: dict[str, str]) -> None:
        """``jobs list --json`` shows the jobs in the database, most urgent first."""
        assert_ok(sm2("seed", "--demo"))
        assert {"items": [], "next_cursor": None} == json.loads(
            sm2("jobs", "list", "--json").stdout
        )
        oil = create_job(env, TOYOTA[0], "OIL_CHANGE", Vehicle(2022, "Toyota", "RAV4"))
        keys = create_job(env, AUDI[0], "KEY_PROGRAMMING", Vehicle(2023, "Audi", "Q5"))
        result = sm2("jobs", "list", "--json")
        assert_ok(result)
        items = json.loads(result.stdout)["items"]
        assert [keys, oil] == [i["job_code"] for i in items]
        assert ["HIGH", "MEDIUM"] == [i["urgency"] for i in items]
        assert {"year": 2023, "make": "Audi", "model": "Q5", "vin": None, "stock_no": None} == (
            items[0]["vehicle_data"]
        )

    def test_refusal_and_steps(self, sm2: Sm2Pg, env: dict[str, str]) -> None:
        """The Audi rule refuses the assignment (exit 1); after verify it is SCHEDULED."""
        assert_ok(sm2("seed", "--demo"))
        code = create_job(env, AUDI[0], "KEY_PROGRAMMING", Vehicle(2023, "Audi", "Q5"))
        assert_refused(
            sm2("jobs", "assign", code, MARC_KEYS), "Manual verification required (Audi rule)"
        )
        assert_ok(sm2("jobs", "verify", code))
        assert (
            f"{code}: SCHEDULED, version 3" == sm2("jobs", "assign", code, MARC_KEYS).stdout.strip()
        )
        timeline = json.loads(sm2("jobs", "show", code, "--json").stdout)["audit_timeline"]
        assert ["create", "verify", "assign"] == [e["action"] for e in timeline]


class TestDemo:
    def test_demo_runs_on_fakes_whatever_the_env(self, sm2: Sm2Pg, pg_url: str) -> None:
        """With SM2_DATABASE_URL set, ``demo`` still runs on fakes and writes nothing there."""
        result = sm2("demo")
        assert_ok(result)
        assert "COMPLETED, invoice SYNCED" in result.stdout
        assert 0 == count_jobs(pg_url)


class TestParseWithTheDatabaseCatalog:
    def test_a_service_imported_with_its_words_is_what_sm2_parse_reads(
        self, sm2: Sm2Pg, tmp_path: Path
    ) -> None:
        """``sm2 import services`` with terms, then ``sm2 parse`` on the same database."""
        body = "Alignement sur Civic 2021 stock H5512"
        assert_ok(sm2("seed", "--demo"))
        before = json.loads(sm2("parse", body).stdout)
        assert before["requests"][0]["service_code"] is None
        path = tmp_path / "services.csv"
        path.write_text(
            "code,name,name_fr,base_price,requires_approval,terms_en,terms_fr\n"
            "WHEEL_ALIGNMENT,Wheel alignment,Alignement,99.00,false,"
            "wheel alignment|alignment,alignement|parallélisme\n",
            encoding="utf-8",
        )
        assert_ok(sm2("import", "services", str(path)))
        after = json.loads(sm2("parse", body).stdout)
        assert ("WHEEL_ALIGNMENT", "H5512") == (
            after["requests"][0]["service_code"],
            after["requests"][0]["stock_no"],
        )
        exported = sm2("export", "services")
        assert_ok(exported)
        assert "alignement|parallélisme" in exported.stdout

    def test_an_unreachable_database_is_said_not_replaced_by_the_demo(
        self, env: dict[str, str]
    ) -> None:
        broken = Sm2Pg({**env, "SM2_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/none"})
        assert_refused(broken("parse", "oil change RAV4 2022"), "cannot read the services catalog")
