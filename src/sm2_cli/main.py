"""The ``sm2`` command: a thin driver over the application services.

Exit codes: 0 success, 1 a domain refusal (the rule's message on stderr), 2 a usage error.
Heavy imports live inside the commands so ``sm2 --help`` stays instant.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import click

from sm2_core.errors import InvalidInput, Sm2Error

if TYPE_CHECKING:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sm2_core.parsing import ParseResult
    from sm2_core.runtime import Runtime

T = TypeVar("T")


class Sm2Group(click.Group):
    """Maps the domain's error tree to exit codes and a one-line message, once for all commands."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Sm2Error as exc:
            click.echo(f"Error: {exc.message}", err=True)
            fields = exc.fields if isinstance(exc, InvalidInput) else {}
            for field, reason in fields.items():
                click.echo(f"  {field}: {reason}", err=True)
            ctx.exit(1)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@click.group(cls=Sm2Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sm2")
def cli() -> None:
    """SM2 Dispatch: dealership texts in, ranked jobs, dispatched technicians, invoices out."""


@cli.command()
@click.option("--memory", is_flag=True, help="Run on the in-memory adapters instead.")
def demo(memory: bool) -> None:
    """Run the whole job lifecycle once — texts in, a job walked to its invoice — and print it.

    Runs on a throwaway embedded PostgreSQL with fakes for Twilio and QuickBooks: it never
    touches your configured database and never texts anyone.
    """
    from sm2_cli.demo import run_demo

    run(run_demo(click.echo, memory=memory))


@cli.command()
@click.argument("message", required=False)
@click.option("--jsonl", is_flag=True, help='Read {"body": ..., "from": ...} objects from stdin.')
def parse(message: str | None, jsonl: bool) -> None:
    """Parse one message (or many with --jsonl) and print the requests found, as JSON.

    The services are those of the database SM2_DATABASE_URL names, else the demo catalog's.
    A time the text names ("demain matin") is the window it proposes if sent now, in the
    company's time zone (SM2_TIMEZONE)."""
    from zoneinfo import ZoneInfo

    from sm2_adapters.bootstrap import offline_parser
    from sm2_adapters.settings import Settings
    from sm2_adapters.system import configured_catalog

    if jsonl == (message is not None):
        raise click.UsageError("give a MESSAGE argument or --jsonl, not both or neither")
    settings = Settings.from_env()
    zone = ZoneInfo(settings.timezone)
    parser = offline_parser(configured_catalog(settings))
    if message is not None:
        result = parser.parse_text(message)
        click.echo(json.dumps(parse_output(result, zone=zone), ensure_ascii=False))
        return
    dealers = {d.phone: d.id for d in parser.catalog.dealerships.values()}
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        body, sender = _jsonl_record(line, number)
        # A known sender's brand settles a model name several brands use, as in production.
        makes = parser.makes_of(dealers.get(sender)) if sender else frozenset()
        result = parser.parse_text(body, makes_hint=makes)
        click.echo(json.dumps(parse_output(result, zone=zone), ensure_ascii=False))


def parse_output(
    result: ParseResult, *, now: datetime | None = None, zone: ZoneInfo | None = None
) -> dict[str, Any]:
    """The JSON object ``sm2 parse`` prints for one message (see CONTRACT.md).

    ``window``: the window the text proposes (``result.when``) if it was sent at ``now``
    (default: the current time), as ISO 8601 times with their offset in ``zone`` (default:
    SM2_TIMEZONE's); null when the text names no time, or one already past."""
    return {
        "requests": [attrs.asdict(request) for request in result.requests],
        "confidence": round(result.confidence, 3),
        "language": result.language.value,
        "parser": result.parser,
        "window": _window_output(result, now, zone),
    }


def _window_output(
    result: ParseResult, now: datetime | None, zone: ZoneInfo | None
) -> dict[str, str] | None:
    if result.when is None:
        return None
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from sm2_adapters.settings import Settings
    from sm2_core.domain.window import resolve

    zone = zone or ZoneInfo(Settings.from_env().timezone)
    found = resolve(result.when, now or datetime.now(UTC), zone)
    if found is None:
        return None
    return {
        "start": found.start.astimezone(zone).isoformat(),
        "end": found.end.astimezone(zone).isoformat(),
    }


def _jsonl_record(line: str, number: int) -> tuple[str, str | None]:
    """The text's body and its sender (``from``, when given as a string)."""
    from sm2_core.domain.phone import normalize_phone

    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"line {number}: not JSON ({exc.msg})") from None
    body = record.get("body") if isinstance(record, dict) else None
    if not isinstance(body, str):
        raise InvalidInput(f'line {number}: expected an object with a "body" string')
    sender = record.get("from")
    if not isinstance(sender, str):
        return body, None
    try:
        return body, normalize_phone(sender)
    except InvalidInput:
        return body, None  # not a phone number: read the text without a sender


@cli.command()
@click.option("--concurrency", default=4, show_default=True, help="Tasks run at once.")
def worker(concurrency: int) -> None:
    """Run a task worker alone (start several to scale out)."""
    from sm2_adapters.heap import settled_heap
    from sm2_cli.data import with_system

    async def work(system: Runtime) -> None:
        click.echo(f"worker running ({concurrency} at once); Ctrl-C to stop", err=True)
        settled_heap()
        await system.run_worker(concurrency=concurrency)

    try:
        with_system(work)
    except KeyboardInterrupt:
        click.echo("worker stopped", err=True)


def _stop_cleanly_on_sigterm() -> None:
    """SIGTERM (systemd, container runtimes) ends the process like Ctrl-C does: uvicorn shuts
    down, then raises the signal again, and this handler turns it into a normal exit, so exit
    hooks run — the embedded PostgreSQL this process started is stopped, as on Ctrl-C."""
    import signal

    def exit_normally(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, exit_normally)


def _register() -> None:
    from sm2_cli.corrections import corrections
    from sm2_cli.data import db, export, import_, seed, users
    from sm2_cli.export_jobs import export_jobs
    from sm2_cli.jobs import inbox, invoices, jobs
    from sm2_cli.payments import refresh
    from sm2_cli.quickbooks import quickbooks
    from sm2_cli.reference import REFERENCE_GROUPS
    from sm2_cli.sms import sms

    for command in (
        db,
        seed,
        users,
        import_,
        export,
        jobs,
        inbox,
        invoices,
        sms,
        quickbooks,
        corrections,
        *REFERENCE_GROUPS,
    ):
        cli.add_command(command)
    invoices.add_command(refresh)
    export.add_command(export_jobs)


_register()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web processes; each runs a task worker too unless --no-worker.",
)
@click.option(
    "--worker/--no-worker",
    "run_worker",
    default=True,
    show_default=True,
    help="Run a task worker inside each web process.",
)
def serve(host: str, port: int, workers: int, run_worker: bool) -> None:
    """The HTTP app (API, portals, Twilio webhook) plus an in-process task worker."""
    import os

    import uvicorn

    from sm2_adapters.settings import Settings
    from sm2_adapters.system import upgrade_database
    from sm2_web.serve import RUN_WORKER_ENV

    settings = Settings.from_env()
    # Migrate once here, so the web processes start on a current schema.
    upgrade_database(settings)
    os.environ[RUN_WORKER_ENV] = "1" if run_worker else "0"
    _stop_cleanly_on_sigterm()
    click.echo(f"SM2 Dispatch on http://{host}:{port} ({workers} process(es))", err=True)
    uvicorn.run(
        "sm2_web.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # The app logs each request itself, with its request id and duration.
        access_log=False,
        # The client's address is the app's to work out, from SM2_TRUSTED_PROXIES alone:
        # uvicorn's own X-Forwarded-For handling would trust any local peer.
        proxy_headers=False,
        server_header=False,
    )
