"""Commands on the database: migrations, seeding, users, imports and exports."""

from __future__ import annotations

import asyncio
import csv
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sm2_core.domain.enums import ReferenceKind, Role
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput
from sm2_core.services import COLUMNS, missing_columns

if TYPE_CHECKING:
    from sm2_core.runtime import Runtime

T = TypeVar("T")
CLI_ADMIN = Actor(name="cli", role=Role.ADMIN)


def _reference_kind(_: click.Context, __: click.Parameter, value: str) -> ReferenceKind:
    return ReferenceKind(value)


#: KIND as typed (``zones``, ``services``...), handed to the command as a ReferenceKind.
kind_argument = click.argument(
    "kind", type=click.Choice([k.value for k in ReferenceKind]), callback=_reference_kind
)


def with_system(work: Callable[[Runtime], Awaitable[T]], *, migrate: bool = True) -> T:
    """Run ``work(system)`` on the configured system, or on the one the caller put in
    ``ctx.obj`` (an object with ``async run(work)``: how tests and embedders pass fakes)."""
    ctx = click.get_current_context(silent=True)
    opener = ctx.find_root().obj if ctx is not None else None
    if opener is not None:
        result: T = asyncio.run(opener.run(work))
        return result

    from sm2_adapters.settings import Settings
    from sm2_adapters.system import open_system

    async def main() -> T:
        async with open_system(Settings.from_env(), apply_migrations=migrate) as system:
            return await work(system)

    return asyncio.run(main())


@click.group()
def db() -> None:
    """Database migrations."""


@db.command()
def upgrade() -> None:
    """Apply pending migrations."""
    from sm2_adapters.settings import Settings
    from sm2_adapters.system import upgrade_database

    applied = upgrade_database(Settings.from_env())
    for filename in applied:
        click.echo(f"applied {filename}")
    click.echo("database is current" if not applied else f"{len(applied)} migration(s) applied")


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json: bool) -> None:
    """Show applied and pending migrations."""
    from sm2_adapters.settings import Settings
    from sm2_adapters.system import database_status

    current = database_status(Settings.from_env())
    rows = [
        {"version": m.version, "name": m.name, "applied_at": m.applied_at.isoformat()}
        for m in current.applied
    ]
    pending = [{"version": m.version, "name": m.name} for m in current.pending]
    if as_json:
        click.echo(json.dumps({"applied": rows, "pending": pending}))
        return
    for row in rows:
        click.echo(f"  applied  {row['version']:04d} {row['name']}  ({row['applied_at']})")
    for row in pending:
        click.echo(f"  pending  {row['version']:04d} {row['name']}")
    click.echo("up to date" if not pending else f"{len(pending)} pending")


@click.command()
@click.option("--demo", is_flag=True, required=True, help="Load the demo reference data.")
def seed(demo: bool) -> None:
    """Load the demo reference data (zones, services, dealerships, technicians, rules, parts,
    prices)."""
    from sm2_adapters.bootstrap import seed_demo

    async def work(system: Runtime) -> None:
        for report in await seed_demo(system.services):
            click.echo(
                f"{report.kind:<12} {report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged"
            )

    with_system(work)


@click.group()
def users() -> None:
    """Logins for the admin and technician portals."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "tech"]), required=True)
@click.option("--technician", "technician_phone", help="The technician's phone (role tech).")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password from the first line of stdin.",
)
def add_user(username: str, role: str, technician_phone: str | None, password_stdin: bool) -> None:
    """Create a login; the password is read from stdin so it never sits in shell history."""
    password = sys.stdin.readline().rstrip("\r\n")
    if role == "tech" and not technician_phone:
        raise click.UsageError("--technician PHONE is required for --role tech")

    async def work(system: Runtime) -> None:
        technician_id = None
        if technician_phone:
            technician = await system.services.admin.reference(
                ReferenceKind.TECHNICIANS, technician_phone
            )
            technician_id = technician.id
        user = await system.services.admin.create_user(
            username=username,
            role=Role(role),
            password=password,
            actor=CLI_ADMIN,
            technician_id=technician_id,
        )
        click.echo(f"created {user.role.value} {user.username}")

    with_system(work)


@click.command("import")
@kind_argument
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(kind: ReferenceKind, file: Path) -> None:
    """Import a CSV: every row is checked first; one bad row and nothing is written."""
    from sm2_adapters.bootstrap import read_csv_with_lines

    try:
        text = file.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f'{file.name} is not UTF-8 text: save it as "CSV UTF-8"') from None
    header, rows, lines = read_csv_with_lines(text)
    missing = missing_columns(kind, header)
    if missing:
        raise InvalidInput(f"{file.name}: missing columns {', '.join(missing)}")

    async def work(system: Runtime) -> Any:
        # Click draws the bar on a terminal only; piped output gets the label alone.
        with click.progressbar(length=len(rows), label=f"importing {kind}", file=sys.stderr) as bar:

            def step(_: int) -> None:
                bar.update(1)

            return await system.services.imports.import_rows(
                kind, rows, actor=CLI_ADMIN, line_numbers=lines, progress=step
            )

    report = with_system(work)
    click.echo(
        f"{kind}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    )


@click.group("export")
def export() -> None:
    """Write data to stdout: KIND (a reference kind) as CSV in the format `sm2 import` reads,
    or `jobs` of a period for accountants and scripts."""


def _reference_export(kind: ReferenceKind) -> click.Command:
    def write() -> None:
        async def work(system: Runtime) -> list[dict[str, str]]:
            return await system.services.imports.export_rows(kind)

        rows = with_system(work)
        writer = csv.DictWriter(sys.stdout, fieldnames=list(COLUMNS[kind]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    return click.Command(
        kind.value,
        callback=write,
        help=f"Write the {kind.value} as CSV, in the format `sm2 import {kind.value}` reads.",
    )


# `sm2 export zones` and the other kinds, as before `sm2 export jobs` joined them.
for _kind in ReferenceKind:
    export.add_command(_reference_export(_kind))
