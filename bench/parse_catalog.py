"""What a large catalog costs the offline parser, and what reading the live catalog costs.

    python bench/parse_catalog.py [--services 200] [--rounds 30]

Same run, same texts (the repository's labeled corpus): throughput with the demo catalog (14
services) against the demo catalog plus synthetic services up to ``--services``, each with its
own names and words in both languages; the time to compile a catalog (paid once per change);
and the per-parse cost of going through ``LiveCatalog`` (a cached snapshot) on the memory store
against a parser holding a fixed snapshot. A measurement, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

from sm2_adapters.catalog import LiveCatalog
from sm2_adapters.memory import MemoryStore
from sm2_adapters.parsing import OfflineParser
from sm2_adapters.parsing.catalog import compile_services
from sm2_adapters.seed import demo_services
from sm2_core.domain.entities import Service
from sm2_core.parsing import CatalogSnapshot

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "sms_corpus.jsonl"
#: Work a mobile-technician company might add, to build realistic synthetic names from.
_WORK = (
    ("alignment", "alignement"), ("rustproofing", "antirouille"), ("tinting", "teintage"),
    ("headlight restoration", "restauration de phares"), ("wiper blades", "essuie-glaces"),
    ("cabin filter", "filtre d'habitacle"), ("coolant flush", "vidange de refroidissement"),
    ("transmission fluid", "huile de transmission"), ("hitch install", "installation d'attelage"),
    ("dash cam", "camera de tableau de bord"), ("seat covers", "housses de sieges"),
    ("mud flaps", "garde-boue"), ("running boards", "marchepieds"), ("roof rack", "support de toit"),
)  # fmt: skip
_PART = ("front", "rear", "left", "right", "premium", "basic", "fleet", "express", "mobile")


def synthetic(count: int) -> list[Service]:
    services = []
    for n in range(count):
        en, fr = _WORK[n % len(_WORK)]
        part = _PART[(n // len(_WORK)) % len(_PART)]
        services.append(
            Service(
                id=uuid4(),
                code=f"X{n:03}",
                name=f"{part.title()} {en} {n}",
                name_fr=f"{fr} {part} {n}",
                base_price=Decimal(100),
                terms_en=(f"{part} {en} {n}", f"{en} {part} {n}"),
                terms_fr=(f"{fr} {part} {n}",),
                hints_en=(f"{en} {n}",),
            )
        )
    return services


def rate(parser: OfflineParser, bodies: Sequence[str], rounds: int) -> tuple[float, float]:
    """Messages per second over ``rounds`` passes, and the median µs per message."""
    for body in bodies:  # warm the caches
        parser.parse_text(body)
    timings = []
    for _ in range(rounds):
        for body in bodies:
            start = time.perf_counter()
            parser.parse_text(body)
            timings.append(time.perf_counter() - start)
    return len(timings) / sum(timings), statistics.median(timings) * 1e6


async def live_rate(snapshot: CatalogSnapshot, bodies: Sequence[str], rounds: int) -> float:
    store = MemoryStore()
    async with store.unit_of_work() as uow:
        for service in snapshot.services:
            await uow.services.add(service)
    parser = OfflineParser(LiveCatalog(store.unit_of_work, ttl_seconds=3600))
    await parser.parse(bodies[0])
    start = time.perf_counter()
    for _ in range(rounds):
        for body in bodies:
            await parser.parse(body)
    return rounds * len(bodies) / (time.perf_counter() - start)


async def fixed_rate(snapshot: CatalogSnapshot, bodies: Sequence[str], rounds: int) -> float:
    parser = OfflineParser(snapshot)
    await parser.parse(bodies[0])
    start = time.perf_counter()
    for _ in range(rounds):
        for body in bodies:
            await parser.parse(body)
    return rounds * len(bodies) / (time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    cli.add_argument("--services", type=int, default=200, help="catalog size to compare")
    cli.add_argument("--rounds", type=int, default=30, help="passes over the corpus")
    args = cli.parse_args(argv)
    bodies = [json.loads(line)["body"] for line in CORPUS.open(encoding="utf-8") if line.strip()]
    demo = list(demo_services())
    large = [*demo, *synthetic(max(0, args.services - len(demo)))]
    print(f"texts: {len(bodies)} from {CORPUS.name}, {args.rounds} passes each")
    base, base_median = rate(OfflineParser(CatalogSnapshot.of(demo)), bodies, args.rounds)
    big, big_median = rate(OfflineParser(CatalogSnapshot.of(large)), bodies, args.rounds)
    print(
        f"demo catalog ({len(demo)} services): {base:,.0f} messages/s, median {base_median:.0f} µs"
    )
    print(
        f"large catalog ({len(large)} services): {big:,.0f} messages/s, median {big_median:.0f} µs"
        f"  → {big / base:.2f} of the demo catalog's rate"
    )
    start = time.perf_counter()
    compiled = compile_services(large)
    compile_ms = (time.perf_counter() - start) * 1e3
    print(
        f"compiling the {len(large)}-service catalog: {compile_ms:.1f} ms "
        f"({len(compiled.phrases)} phrases), once per catalog change per process"
    )
    fixed = asyncio.run(fixed_rate(CatalogSnapshot.of(demo), bodies, args.rounds))
    live = asyncio.run(live_rate(CatalogSnapshot.of(demo), bodies, args.rounds))
    print(
        f"parse() with a fixed snapshot: {fixed:,.0f} messages/s; through LiveCatalog "
        f"(cached): {live:,.0f} messages/s → {live / fixed:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
