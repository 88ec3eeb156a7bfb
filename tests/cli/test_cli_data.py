"""``sm2 seed``, ``sm2 import``, ``sm2 export`` and ``sm2 users add`` on the memory fakes."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from cli_support import JULIE_OIL, Sm2, assert_ok, assert_refused, write_csv

from sm2_adapters.memory import MemorySystem, build_memory_system
from sm2_adapters.seed import SEED_ORDER
from sm2_core.domain.enums import Role
from sm2_core.services import COLUMNS

DEALER_HEADER = COLUMNS["dealerships"]


def data_rows(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


class TestSeed:
    def test_seed_demo_loads_every_kind(self, empty_system: MemorySystem) -> None:
        """The first ``seed --demo`` creates zones, services, dealerships, technicians, rules."""
        result = Sm2(empty_system)("seed", "--demo")
        assert_ok(result)
        lines = result.stdout.splitlines()
        assert list(SEED_ORDER) == [line.split()[0] for line in lines]
        assert all(" 0 created" not in line for line in lines)

    def test_seed_demo_twice_changes_nothing(self, empty_system: MemorySystem) -> None:
        """The second run reports 0 created, 0 updated for every kind and exports the same."""
        sm2 = Sm2(empty_system)
        assert_ok(sm2("seed", "--demo"))
        before = {kind: sm2("export", kind).stdout for kind in COLUMNS}
        again = sm2("seed", "--demo")
        assert_ok(again)
        for line in again.stdout.splitlines():
            assert "0 created, 0 updated" in line
        assert before == {kind: sm2("export", kind).stdout for kind in COLUMNS}

    def test_seed_needs_demo_flag(self, sm2: Sm2) -> None:
        """``seed`` without ``--demo`` is a usage error."""
        assert 2 == sm2("seed").exit_code


class TestImport:
    def test_each_kind_imports_from_its_file(
        self, empty_system: MemorySystem, seed_data: Path
    ) -> None:
        """Every kind, dependencies first, creates one record per data row; again: unchanged."""
        sm2 = Sm2(empty_system)
        for kind in SEED_ORDER:
            path = seed_data / f"{kind}.csv"
            result = sm2("import", kind, str(path))
            assert_ok(result)
            rows = data_rows(path)
            assert f"{kind}: {rows} created, 0 updated, 0 unchanged" == result.stdout.strip()
            assert rows == len(sm2("export", kind).stdout.splitlines()) - 1
        for kind in SEED_ORDER:
            again = sm2("import", kind, str(seed_data / f"{kind}.csv"))
            assert "0 created, 0 updated" in again.stdout

    def test_bad_rows_are_listed_by_line_and_nothing_is_written(
        self, sm2: Sm2, tmp_path: Path
    ) -> None:
        """One good row and two bad: exit 1, each bad line named, the good row not written."""
        path = write_csv(
            tmp_path / "dealers.csv",
            DEALER_HEADER,
            ("New Dealer", "+14185559999", "new@dealer.example", "Sainte-Foy", "false"),
            ("Bad Phone", "not-a-phone", "bad@dealer.example", "Sainte-Foy", "false"),
            ("Bad Zone", "+14185559998", "zone@dealer.example", "Atlantis", "false"),
        )
        before = sm2("export", "dealerships").stdout
        result = sm2("import", "dealerships", str(path))
        assert_refused(result, "2 of 3 rows are invalid; nothing was imported")
        assert "line 3: 'not-a-phone' is not a phone number" in result.stderr
        assert "line 4: unknown zone 'Atlantis'" in result.stderr
        assert "line 2:" not in result.stderr
        assert before == sm2("export", "dealerships").stdout

    def test_line_numbers_count_blank_lines(self, sm2: Sm2, tmp_path: Path) -> None:
        """A blank line in the file does not shift the line number given for a bad row."""
        path = tmp_path / "dealers.csv"
        path.write_text(
            ",".join(DEALER_HEADER) + "\n"
            "Good,+14185559999,good@dealer.example,Sainte-Foy,false\n"
            "\n"
            "Bad Zone,+14185559998,zone@dealer.example,Atlantis,false\n",
            "utf-8",
        )
        result = sm2("import", "dealerships", str(path))
        assert_refused(result, "1 of 2 rows are invalid")
        assert "line 4: unknown zone 'Atlantis'" in result.stderr

    def test_missing_column_is_refused(self, sm2: Sm2, tmp_path: Path) -> None:
        """A file without the ``email`` column: exit 1 naming it, nothing written."""
        path = write_csv(
            tmp_path / "dealers.csv",
            ("name", "phone", "zone", "is_audit_flagged"),
            ("New Dealer", "+14185559999", "Sainte-Foy", "false"),
        )
        before = sm2("export", "dealerships").stdout
        assert_refused(sm2("import", "dealerships", str(path)), "missing columns email")
        assert before == sm2("export", "dealerships").stdout

    def test_missing_column_is_refused_in_a_header_only_file(
        self, sm2: Sm2, tmp_path: Path
    ) -> None:
        """A file with only a wrong header is refused too, not imported as 0 rows."""
        path = write_csv(tmp_path / "dealers.csv", ("name", "phone"))
        assert_refused(sm2("import", "dealerships", str(path)), "missing columns email")

    def test_file_not_in_utf8_is_refused_cleanly(self, sm2: Sm2, tmp_path: Path) -> None:
        """A CSV saved as Windows-1252 (Excel's default): exit 1 saying so, no traceback."""
        path = tmp_path / "dealers.csv"
        text = ",".join(DEALER_HEADER) + "\nGarage Lévis,+14185559990,g@l.example,Lévis,false\n"
        path.write_bytes(text.encode("cp1252"))
        result = sm2("import", "dealerships", str(path))
        assert 1 == result.exit_code
        assert isinstance(result.exception, SystemExit), repr(result.exception)
        assert "utf-8" in result.stderr.lower()

    @pytest.mark.parametrize(
        "args", [("import", "widgets", "x.csv"), ("import", "zones", "/no/such/file.csv")]
    )
    def test_unknown_kind_or_file_is_a_usage_error(self, sm2: Sm2, args: tuple[str, ...]) -> None:
        """An unknown KIND or a missing FILE exits 2."""
        assert 2 == sm2(*args).exit_code


class TestExport:
    def test_round_trip_gives_identical_csv(self, sm2: Sm2, tmp_path: Path) -> None:
        """export → import into a fresh system → export again: the same CSV for every kind."""
        first = {}
        for kind in SEED_ORDER:
            result = sm2("export", kind)
            assert_ok(result)
            first[kind] = result.stdout
            (tmp_path / f"{kind}.csv").write_text(result.stdout, "utf-8")
        fresh = Sm2(build_memory_system())
        for kind in SEED_ORDER:
            assert_ok(fresh("import", kind, str(tmp_path / f"{kind}.csv")))
        assert first == {kind: fresh("export", kind).stdout for kind in SEED_ORDER}

    def test_header_is_the_import_format(self, sm2: Sm2) -> None:
        """The first line is the kind's CSV columns, in file order."""
        for kind, columns in COLUMNS.items():
            assert ",".join(columns) == sm2("export", kind).stdout.splitlines()[0]


PASSWORD = "correct horse battery"


class TestUsersAdd:
    def test_admin_from_stdin_password(self, sm2: Sm2, system: MemorySystem) -> None:
        """The password is the first stdin line (newline dropped) and then logs in."""
        result = sm2(
            "users",
            "add",
            "dispatcher",
            "--role",
            "admin",
            "--password-stdin",
            input=PASSWORD + "\n",
        )
        assert_ok(result)
        assert "created admin dispatcher" == result.stdout.strip()
        user = asyncio.run(system.services.admin.authenticate("dispatcher", PASSWORD))
        assert Role.ADMIN == user.role

    def test_tech_linked_to_technician(self, sm2: Sm2, system: MemorySystem) -> None:
        """``--technician PHONE`` links the login to that technician."""
        result = sm2(
            "users",
            "add",
            "julie",
            "--role",
            "tech",
            "--technician",
            JULIE_OIL,
            "--password-stdin",
            input=PASSWORD + "\n",
        )
        assert_ok(result)
        user = asyncio.run(system.services.admin.authenticate("julie", PASSWORD))

        async def phone() -> str:
            async with system.uow() as uow:
                assert user.technician_id is not None
                return (await uow.technicians.get(user.technician_id)).phone

        assert JULIE_OIL == asyncio.run(phone())

    def test_short_password_is_refused(self, sm2: Sm2, system: MemorySystem) -> None:
        """A password under 10 characters: exit 1, no user."""
        result = sm2(
            "users", "add", "shorty", "--role", "admin", "--password-stdin", input="short\n"
        )
        assert_refused(result, "at least 10 characters")
        assert [] == asyncio.run(system.services.admin.users())

    def test_tech_without_technician_is_a_usage_error(self, sm2: Sm2) -> None:
        """``--role tech`` without ``--technician``: exit 2."""
        result = sm2(
            "users", "add", "julie", "--role", "tech", "--password-stdin", input=PASSWORD + "\n"
        )
        assert_refused(result, "--technician PHONE is required", exit_code=2)

    def test_unknown_technician_phone_is_refused(self, sm2: Sm2, system: MemorySystem) -> None:
        """A phone no technician has: exit 1 "not found", no user."""
        result = sm2(
            "users",
            "add",
            "ghost",
            "--role",
            "tech",
            "--technician",
            "+14185550999",
            "--password-stdin",
            input=PASSWORD + "\n",
        )
        assert_refused(result, "+14185550999 not found")
        assert [] == asyncio.run(system.services.admin.users())

    def test_duplicate_username_is_refused(self, sm2: Sm2) -> None:
        """The same username twice: the second exits 1 "already exists"."""
        args = ("users", "add", "dispatcher", "--role", "admin", "--password-stdin")
        assert_ok(sm2(*args, input=PASSWORD + "\n"))
        assert_refused(sm2(*args, input=PASSWORD + "\n"), "already exists")

    def test_role_must_be_admin_or_tech(self, sm2: Sm2) -> None:
        """Another role is a usage error."""
        result = sm2(
            "users", "add", "boss", "--role", "owner", "--password-stdin", input=PASSWORD + "\n"
        )
        assert 2 == result.exit_code
