"""Reference data from a terminal: list and edit dealerships, technicians, services, zones, rules,
parts and prices."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from uuid import UUID

import click

from sm2_cli.data import CLI_ADMIN, with_system
from sm2_cli.output import print_rows
from sm2_core.domain.enums import ReferenceKind
from sm2_core.errors import InvalidInput
from sm2_core.services import COLUMNS

if TYPE_CHECKING:
    from sm2_core.runtime import Runtime


def _group(kind: ReferenceKind) -> click.Group:
    group = click.Group(kind.value, help=f"List and edit {kind}.")

    @group.command("list")
    @click.option("--all", "include_inactive", is_flag=True, help="Include deactivated ones.")
    @click.option("--json", "as_json", is_flag=True)
    def list_(include_inactive: bool, as_json: bool) -> None:
        """List them, in the CSV's columns plus the id."""

        async def work(system: Runtime) -> list[dict[str, str]]:
            active = {str(i.id) for i in await system.services.admin.all(kind)}
            rows = await _rows_with_ids(system, kind)
            return [r for r in rows if include_inactive or r["id"] in active]

        rows = with_system(work)
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False))
        else:
            print_rows(rows, ("id", *COLUMNS[kind]))

    @group.command("edit")
    @click.argument("item_id", type=click.UUID)
    @click.option(
        "--set",
        "changes",
        multiple=True,
        metavar="FIELD=VALUE",
        help="A column of the CSV format, e.g. --set email=ap@dealer.example",
    )
    @click.option("--deactivate", is_flag=True, help="Hide it from new work (history stays).")
    @click.option("--activate", is_flag=True)
    def edit(item_id: UUID, changes: tuple[str, ...], deactivate: bool, activate: bool) -> None:
        """Change fields of one record (same validation as an import)."""
        values = dict(_pair(c) for c in changes)

        async def work(system: Runtime) -> None:
            current = {r["id"]: r for r in await _rows_with_ids(system, kind)}
            if str(item_id) not in current:
                raise InvalidInput(f"no {kind.subject} {item_id}")
            row = {k: v for k, v in current[str(item_id)].items() if k != "id"}
            unknown = sorted(set(values) - set(COLUMNS[kind]))
            if unknown:
                raise InvalidInput(
                    f"unknown fields {', '.join(unknown)}; one of {', '.join(COLUMNS[kind])}"
                )
            row.update(values)
            await system.services.imports.edit_row(kind, item_id, row, actor=CLI_ADMIN)
            if deactivate or activate:
                await system.services.admin.update(
                    kind, item_id, {"is_active": activate}, actor=CLI_ADMIN
                )

        if deactivate and activate:
            raise click.UsageError("--activate or --deactivate, not both")
        with_system(work)
        click.echo(f"{kind.subject} {item_id} updated")

    return group


async def _rows_with_ids(system: Runtime, kind: ReferenceKind) -> list[dict[str, str]]:
    rows = await system.services.imports.export_rows(kind)
    items = await system.services.admin.all(kind, include_inactive=True)
    return [{"id": str(i.id), **r} for i, r in zip(items, rows, strict=True)]


def _pair(text: str) -> tuple[str, str]:
    field, sep, value = text.partition("=")
    if not sep or not field.strip():
        raise click.BadParameter(f"{text!r} is not FIELD=VALUE", param_hint="--set")
    return field.strip(), value.strip()


REFERENCE_GROUPS = [_group(kind) for kind in ReferenceKind]
