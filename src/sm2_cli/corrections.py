"""``sm2 corrections export``: dispatchers' corrections of parsed jobs as a labeled corpus, the
format of ``tests/data/sms_corpus.jsonl``, so ``bench/parse_accuracy.py --corpus FILE`` measures
the parser on real traffic."""

from __future__ import annotations

import json
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

import attrs
import click

from sm2_cli.sms import IsoDateTime

if TYPE_CHECKING:
    from sm2_core.corrections import LabeledText
    from sm2_core.runtime import Runtime


@click.group()
def corrections() -> None:
    """What dispatchers corrected in parsed jobs: the parser's labeled real traffic."""


@corrections.command("export")
@click.option(
    "--since",
    type=IsoDateTime(),
    help="Only texts with a correction made at or after this ISO 8601 moment, e.g. "
    "2026-11-25T08:00-05:00 (default: all).",
)
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    show_default="stdout",
    help="The JSONL file to write.",
)
def export(since: datetime | None, output: IO[str]) -> None:
    """One JSON object a line per corrected text: {"id", "from", "body", "lang", "expected"},
    ``expected`` holding the jobs made from the text, as corrected."""
    from sm2_cli.data import with_system

    async def work(system: Runtime) -> list[LabeledText]:
        return await system.services.corrections.export(since=since)

    lines = with_system(work)
    for line in lines:
        output.write(json.dumps(corpus_line(line), ensure_ascii=False) + "\n")
    output.flush()
    texts = "text" if len(lines) == 1 else "texts"
    click.echo(f"{len(lines)} corrected {texts} exported", err=True)


def corpus_line(text: LabeledText) -> dict[str, Any]:
    """A labeled text as a line of the corpus (the shape of ``tests/data/sms_corpus.jsonl``)."""
    return {
        "id": text.id,
        "from": text.sender,
        "body": text.body,
        "lang": text.language.value,
        "expected": [attrs.asdict(request) for request in text.expected],
    }
