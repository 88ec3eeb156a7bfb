"""Field accuracy, non-work recognition, speed and confidence calibration of the offline parser.

    python bench/parse_accuracy.py [--corpus PATH] [--catalog FILE.csv] [--show-errors]

A measurement, not a test: it always exits 0. The corpus (by default the labeled sample in
``tests/data/sms_corpus.jsonl``) is JSONL with ``body`` and ``expected`` (a list of requests;
empty for a message that asks for no work). ``--catalog`` reads with another service catalog
than the demo one: a CSV with columns code, name, name_fr, base_price, requires_approval,
terms_en, terms_fr (and optionally hints_en, hints_fr), terms separated by ``|``.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import attrs

from sm2_adapters.parsing import OfflineParser
from sm2_core.domain.entities import Service
from sm2_core.domain.terms import split_terms
from sm2_core.parsing import CatalogSnapshot, ParseResult

FIELDS = ("year", "make", "model", "vin", "stock_no", "service_code")
THRESHOLD = 0.6
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "sms_corpus.jsonl"


def same(got: object, expected: object) -> bool:
    """Strings compared ignoring case and anything but letters and digits."""

    def key(value: object) -> str | None:
        return None if value is None else "".join(c for c in str(value).lower() if c.isalnum())

    return key(got) == key(expected)


def field_errors(
    got: Sequence[dict[str, Any]], expected: Sequence[dict[str, Any]]
) -> tuple[int, list[str]]:
    """Fields compared (requests aligned in order; a missing or extra one costs all six)."""
    errors = []
    for i in range(max(len(got), len(expected))):
        if i >= len(got) or i >= len(expected):
            errors += [f"request {i + 1} {'missing' if i >= len(got) else 'extra'}"] * len(FIELDS)
            continue
        for name in FIELDS:
            if not same(got[i][name], expected[i][name]):
                errors.append(
                    f"request {i + 1} {name}: got {got[i][name]!r}, expected {expected[i][name]!r}"
                )
    return max(len(got), len(expected)) * len(FIELDS), errors


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def timed_parse(parser: OfflineParser, body: str) -> tuple[ParseResult, float]:
    start = time.perf_counter()
    result = parser.parse_text(body)
    return result, (time.perf_counter() - start) * 1e6


def load_services(path: Path) -> list[Service]:
    """A services CSV as catalog entities (the columns of ``sm2 import services``)."""
    with path.open(encoding="utf-8", newline="") as text:
        return [
            Service(
                id=uuid5(NAMESPACE_URL, f"sm2:bench-service:{row['code']}"),
                code=row["code"].strip(),
                name=row["name"],
                name_fr=row["name_fr"],
                base_price=Decimal(row.get("base_price") or "0"),
                requires_approval=(row.get("requires_approval") or "").strip().lower() == "true",
                terms_en=split_terms(row.get("terms_en") or ""),
                terms_fr=split_terms(row.get("terms_fr") or ""),
                hints_en=split_terms(row.get("hints_en") or ""),
                hints_fr=split_terms(row.get("hints_fr") or ""),
            )
            for row in csv.DictReader(text)
        ]


def report(messages: list[dict[str, Any]], show_errors: bool, parser: OfflineParser) -> None:
    total = wrong = non_work = non_work_ok = 0
    timings: list[float] = []
    outcomes: list[tuple[float, bool]] = []
    per_field = {name: [0, 0] for name in FIELDS}
    for message in messages:
        result, micros = timed_parse(parser, message["body"])
        timings.append(micros)
        got = [attrs.asdict(r) for r in result.requests]
        expected = message["expected"]
        count, errors = field_errors(got, expected)
        total, wrong = total + count, wrong + len(errors)
        _count_fields(per_field, got, expected)
        if not expected:
            non_work += 1
            non_work_ok += not got
        outcomes.append((result.confidence, not errors))
        if show_errors and errors:
            print(
                f"\n{message.get('id', '?')}: {message['body']!r} "
                f"(confidence {result.confidence:.2f}, warnings {list(result.warnings)})"
            )
            for error in errors:
                print(f"    {error}")
    _print_summary(total, wrong, per_field, non_work, non_work_ok)
    _print_speed(parser, messages, timings)
    _print_calibration(outcomes)


def _count_fields(
    per_field: dict[str, list[int]],
    got: Sequence[dict[str, Any]],
    expected: Sequence[dict[str, Any]],
) -> None:
    for i in range(max(len(got), len(expected))):
        for name in FIELDS:
            right = i < len(got) and i < len(expected) and same(got[i][name], expected[i][name])
            per_field[name][0] += right
            per_field[name][1] += 1


def _print_summary(
    total: int, wrong: int, per_field: dict[str, list[int]], non_work: int, non_work_ok: int
) -> None:
    print(f"fields compared: {total}")
    for name, (right, seen) in per_field.items():
        print(f"  {name:<13} {right / seen if seen else 1:.3f}  ({right}/{seen})")
    overall = (total - wrong) / total if total else 1.0
    print(f"field accuracy overall: {overall:.3f}  ({total - wrong}/{total})")
    share = non_work_ok / non_work if non_work else 1.0
    print(f"non-work recognised:    {share:.3f}  ({non_work_ok}/{non_work})")


def _print_speed(
    parser: OfflineParser, messages: list[dict[str, Any]], timings: list[float]
) -> None:
    # Fresh passes: the first one paid for the lazily built tables and caches. Enough of them
    # that the p99 is a percentile, not the slowest message.
    repeats = max(1, 2000 // max(1, len(messages)))
    timings = [timed_parse(parser, m["body"])[1] for _ in range(repeats) for m in messages]
    timings = timings or [0.0]
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = len(timings) / (sum(timings) / 1e6) if sum(timings) else 0.0
    print(
        f"throughput: {rate:,.0f} messages/s; median {statistics.median(timings):.0f} µs, "
        f"p99 {p99:.0f} µs per message"
    )


def _print_calibration(outcomes: list[tuple[float, bool]]) -> None:
    right = [c for c, ok in outcomes if ok]
    wrong = [c for c, ok in outcomes if not ok]
    print("confidence vs correctness (a message is right when all its fields are):")
    print(f"  mean confidence right: {_mean(right)}  ({len(right)} messages)")
    print(f"  mean confidence wrong: {_mean(wrong)}  ({len(wrong)} messages)")
    for label, chosen in (
        ("above", [ok for c, ok in outcomes if c >= THRESHOLD]),
        ("below", [ok for c, ok in outcomes if c < THRESHOLD]),
    ):
        share = f"{sum(chosen) / len(chosen):.3f}" if chosen else "n/a"
        print(f"  {label} {THRESHOLD}: {len(chosen)} messages, {share} fully right")
    # The review line works when wrong readings fall under it and right ones stay above.
    caught = sum(c < THRESHOLD for c in wrong)
    kept = sum(c >= THRESHOLD for c in right)
    print(f"  wrong ones below {THRESHOLD}: {_share(caught, len(wrong))}  ({caught}/{len(wrong)})")
    print(
        f"  right ones at or above {THRESHOLD}: {_share(kept, len(right))}  ({kept}/{len(right)})"
    )


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "n/a"


def _mean(values: list[float]) -> str:
    return f"{statistics.fmean(values):.3f}" if values else "n/a"


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    cli.add_argument("corpus", nargs="?", type=Path, help="JSONL corpus (positional form)")
    cli.add_argument("--corpus", dest="corpus_opt", type=Path, default=None)
    cli.add_argument("--show-errors", action="store_true", help="list every mismatch")
    cli.add_argument(
        "--catalog", type=Path, default=None, help="services CSV to read with (default: demo)"
    )
    args = cli.parse_args(argv)
    path: Path = args.corpus_opt or args.corpus or DEFAULT_CORPUS
    try:
        messages = load(path)
        services = load_services(args.catalog) if args.catalog else None
    except (OSError, KeyError, ValueError, ArithmeticError) as exc:
        print(f"cannot read {args.catalog or path}: {exc!r}")
        return 0
    print(f"corpus: {path} ({len(messages)} messages)")
    if services is not None:
        print(f"catalog: {args.catalog} ({len(services)} services)")
    parser = OfflineParser(None if services is None else CatalogSnapshot.of(services))
    report(messages, args.show_errors, parser)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
