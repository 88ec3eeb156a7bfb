"""The turnaround's percentiles picked from days of packed spans (``report_days.turnaround_days``,
migration 0023): a folded day's row or a day counted from the jobs, the same layout either way.

Percentiles do not add up from days, so a period's every duration is read (four int4 per job)
and its nearest ranks picked by selection, not a sort: ``numpy.partition`` finds the p50 and p90
of a million durations in linear time, per group once the jobs are ordered by group (a stable
counting sort of small numbers). Exact, as the memory adapter's sort is: the contract suite holds
the two to the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import attrs
import numpy as np
import numpy.typing as npt

from sm2_adapters.postgres.report_days import NOT_REACHED
from sm2_core.reports import Durations, Milestone, TurnaroundFigures, rank

SPAN = np.dtype(
    [
        ("dealer", ">i4"),
        ("service", ">i4"),
        *((m.value, ">i4") for m in Milestone),
    ]
)
"""A job's packed span: its numbers among the day's dealerships and services, and its whole
seconds to each milestone (``NOT_REACHED``: not reached)."""

Ints = npt.NDArray[np.int32]


@attrs.frozen
class PackedDay:
    """One day's row: its dealerships and services, numbered from 0 in this order, and its
    jobs' spans."""

    dealers: list[UUID | None]
    services: list[str | None]
    spans: bytes

    @classmethod
    def of(cls, row: dict[str, Any]) -> PackedDay:
        return cls(dealers=row["dealers"], services=row["services"], spans=row["spans"])


class _Numbering:
    """Keys (a dealership, a service) numbered across days: each day's numbers mapped to these."""

    def __init__(self) -> None:
        self.keys: dict[Any, int] = {}

    def of(self, day_keys: list[Any]) -> Ints:
        return np.array([self.keys.setdefault(k, len(self.keys)) for k in day_keys], np.int32)

    def named(self) -> list[Any]:
        return list(self.keys)


@attrs.frozen
class _Spans:
    """A period's jobs: each one's dealership and service number, and its seconds per
    milestone."""

    dealers: Ints
    services: Ints
    seconds: dict[Milestone, Ints]


def _gathered(days: Iterable[PackedDay], dealers: _Numbering, services: _Numbering) -> _Spans:
    dealer_parts: list[Ints] = []
    service_parts: list[Ints] = []
    seconds: dict[Milestone, list[Ints]] = {m: [] for m in Milestone}
    for day in days:
        spans = np.frombuffer(day.spans, dtype=SPAN)
        if not len(spans):
            continue
        dealer_parts.append(dealers.of(day.dealers)[spans["dealer"]])
        service_parts.append(services.of(day.services)[spans["service"]])
        for m in Milestone:
            seconds[m].append(spans[m.value].astype(np.int32))
    empty = np.empty(0, np.int32)
    return _Spans(
        dealers=np.concatenate(dealer_parts) if dealer_parts else empty,
        services=np.concatenate(service_parts) if service_parts else empty,
        seconds={m: np.concatenate(parts) if parts else empty for m, parts in seconds.items()},
    )


def durations(seconds: Ints) -> Durations | None:
    """The nearest-rank p50 and p90 of the reached ones among ``seconds``; None if none was.
    ``NOT_REACHED`` is below every duration: the reached ones rank after those, so they are
    picked in place rather than copied out first."""
    missing = int(np.count_nonzero(seconds == NOT_REACHED))
    count = len(seconds) - missing
    if not count:
        return None
    at = (missing + rank(50, count) - 1, missing + rank(90, count) - 1)
    picked = np.partition(seconds, at)
    return Durations(count, int(picked[at[0]]), int(picked[at[1]]))


def _milestones(seconds: dict[Milestone, Ints]) -> dict[Milestone, Durations]:
    found = {m: durations(values) for m, values in seconds.items()}
    return {m: d for m, d in found.items() if d is not None}


def _by_group(
    groups: Ints, size: int, seconds: dict[Milestone, Ints]
) -> list[dict[Milestone, Durations]]:
    """Per group number (0 to ``size`` - 1), its jobs' milestones."""
    if not size:
        return []
    order = np.argsort(groups.astype(np.min_scalar_type(size - 1)), kind="stable")
    ends = np.cumsum(np.bincount(groups, minlength=size))
    ordered = {m: values[order] for m, values in seconds.items()}
    starts = np.concatenate(([0], ends[:-1]))
    return [
        _milestones({m: values[lo:hi] for m, values in ordered.items()})
        for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


_GROUPINGS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sm2-turnaround")
"""The per-dealership and per-service selections run beside the overall one: numpy lets go of
the GIL while it partitions, so the three share the cores (a year: 170 ms of CPU, 100 to 130 ms
apart)."""


def figures(days: Iterable[PackedDay]) -> TurnaroundFigures:
    """The period's figures, from its days."""
    dealers, services = _Numbering(), _Numbering()
    spans = _gathered(days, dealers, services)
    dealer_work = _GROUPINGS.submit(_by_group, spans.dealers, len(dealers.keys), spans.seconds)
    service_work = _GROUPINGS.submit(_by_group, spans.services, len(services.keys), spans.seconds)
    overall = _milestones(spans.seconds)
    by_dealer, by_service = dealer_work.result(), service_work.result()
    return TurnaroundFigures(
        overall=overall,
        by_service=dict(zip(services.named(), by_service, strict=True)),
        by_dealership={
            d: found for d, found in zip(dealers.named(), by_dealer, strict=True) if d is not None
        },
    )
