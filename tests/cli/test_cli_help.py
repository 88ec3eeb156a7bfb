"""``sm2 ... --help`` everywhere, and the commands CONTRACT.md promises."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from sm2_cli.main import cli


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group under ``group``, as the words typed to reach it."""
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(command_paths(command, path))
    return found


ALL_COMMANDS = command_paths(cli)

#: CONTRACT.md's command line section, word for word.
CONTRACT_COMMANDS = [
    ("serve",),
    ("worker",),
    ("db", "upgrade"),
    ("db", "status"),
    ("seed",),
    ("import",),
    ("users", "add"),
    ("parse",),
    ("quickbooks", "set-tokens"),
    ("demo",),
]


def find(path: tuple[str, ...]) -> click.Command | None:
    command: click.Command | None = cli
    for word in path:
        if not isinstance(command, click.Group):
            return None
        command = command.commands.get(word)
    return command


class TestHelp:
    def test_top_level_help_lists_the_commands(self) -> None:
        """``sm2 --help`` exits 0 and names every top-level command."""
        result = CliRunner().invoke(cli, ["--help"])
        assert 0 == result.exit_code
        for name in cli.commands:
            assert name in result.stdout

    def test_the_tree_is_walked(self) -> None:
        """The walk finds the nested commands too (jobs assign, db upgrade, dealerships edit)."""
        assert {("jobs", "assign"), ("db", "upgrade"), ("dealerships", "edit")} <= set(ALL_COMMANDS)

    @pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
    def test_every_command_has_help(self, path: tuple[str, ...]) -> None:
        """``sm2 <command> --help`` exits 0 with a usage line and a description."""
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert 0 == result.exit_code, result.output
        assert f"Usage: cli {' '.join(path)}" in result.stdout
        command = find(path)
        assert command is not None
        assert (command.help or "").strip(), "no description"

    @pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
    def test_short_help_option_works_too(self, path: tuple[str, ...]) -> None:
        """``-h`` is the same as ``--help`` on every command."""
        assert 0 == CliRunner().invoke(cli, [*path, "-h"]).exit_code

    def test_unknown_command_is_a_usage_error(self) -> None:
        """A command that does not exist exits 2."""
        assert 2 == CliRunner().invoke(cli, ["frobnicate"]).exit_code


class TestContractCommands:
    @pytest.mark.parametrize("path", CONTRACT_COMMANDS, ids=" ".join)
    def test_contract_command_exists(self, path: tuple[str, ...]) -> None:
        """Every command of CONTRACT.md's command line section is reachable from ``sm2``."""
        assert find(path) is not None, f"sm2 {' '.join(path)} is missing"

    def test_help_does_not_import_the_heavy_adapters(self) -> None:
        """Loading the ``sm2`` group keeps PostgreSQL, web, Twilio and OpenAI modules unloaded."""
        heavy = ("psycopg", "litestar", "uvicorn", "twilio", "openai", "procrastinate")
        code = (
            f"import sys, sm2_cli.main; print(','.join(m for m in {heavy!r} if m in sys.modules))"
        )
        loaded = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert "" == loaded
