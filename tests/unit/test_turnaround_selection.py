"""The turnaround's percentiles picked by selection from packed days
(``postgres.turnaround``): the same figures as the core's sorted nearest rank, whatever the
days, groups, unreached milestones and durations (negative ones too: a text stamped after its
job by a clock off)."""

from __future__ import annotations

import struct
from collections import defaultdict
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from sm2_adapters.postgres.report_days import NOT_REACHED
from sm2_adapters.postgres.turnaround import PackedDay, figures
from sm2_core.reports import Durations, Milestone, TurnaroundFigures, durations_of

DEALERS = [UUID(int=n) for n in range(1, 5)]
SERVICES = ["OIL", "KEY", "TIRES", None]

# A job: its dealership, its service, and its microseconds to each milestone (None: not
# reached), as the memory adapter counts it.
jobs = st.tuples(
    st.sampled_from(DEALERS),
    st.sampled_from(SERVICES),
    st.tuples(
        # Every job was created; the others may not be reached.
        st.integers(-5_000_000, 10**11),
        *(st.none() | st.integers(-5_000_000, 10**11) for _ in range(len(Milestone) - 1)),
    ).map(list),
)
Job = tuple[UUID, str | None, list[int | None]]


def packed(day: list[Job]) -> PackedDay:
    """A day as ``report_days.turnaround_days`` packs it: its keys in their order, each job's
    numbers among them and its whole seconds (big-endian int4)."""
    dealers = sorted({d for d, _, _ in day})
    services = sorted({s for _, s, _ in day}, key=lambda s: (s is None, s or ""))
    spans = b"".join(
        struct.pack(
            ">6i",
            dealers.index(d),
            services.index(s),
            *(NOT_REACHED if us is None else round_half_away(us) for us in took),
        )
        for d, s, took in day
    )
    return PackedDay(dealers=list(dealers), services=services, spans=spans)


def round_half_away(us: int) -> int:
    whole, rest = divmod(abs(us), 1_000_000)
    seconds = whole + (rest >= 500_000)
    return seconds if us >= 0 else -seconds


def expected(days: list[list[Job]]) -> TurnaroundFigures:
    """As the memory adapter counts: every job's durations, sorted."""
    overall: dict[Milestone, list[int]] = defaultdict(list)
    services: dict[str | None, dict[Milestone, list[int]]] = defaultdict(lambda: defaultdict(list))
    dealers: dict[UUID, dict[Milestone, list[int]]] = defaultdict(lambda: defaultdict(list))
    for day in days:
        for dealer, service, took in day:
            for milestone, us in zip(Milestone, took, strict=True):
                if us is None:
                    continue
                for found in (overall, services[service], dealers[dealer]):
                    found[milestone].append(us)

    def spread(found: dict[Milestone, list[int]]) -> dict[Milestone, Durations]:
        return {m: durations_of(values) for m, values in found.items()}

    return TurnaroundFigures(
        overall=spread(overall),
        by_service={s: spread(found) for s, found in services.items()},
        by_dealership={d: spread(found) for d, found in dealers.items()},
    )


@settings(max_examples=300)
@given(st.lists(st.lists(jobs, max_size=25), max_size=6))
def test_selection_picks_the_nearest_ranks_of_every_group(days: list[list[Job]]) -> None:
    assert expected(days) == figures(packed(day) for day in days if day)


def test_a_day_without_jobs_adds_nothing() -> None:
    day: list[Job] = [(DEALERS[0], "OIL", [1_000_000, None, None, None])]
    empty = PackedDay(dealers=[], services=[], spans=b"")
    assert figures([packed(day)]) == figures([empty, packed(day), empty])
    assert {Milestone.CREATED: Durations(1, 1, 1)} == figures([packed(day)]).overall


def test_a_halfway_second_is_the_next_one_and_a_rank_in_integers() -> None:
    """Ten durations: p90 is the 9th (⌈0.9 × 10⌉ is 10 in floating point), 45.5 s → 46 s."""
    day: list[Job] = [
        (DEALERS[0], None, [us, None, None, None])
        for us in (0, 0, 0, 0, 0, 0, 30_000_000, 45_000_000, 45_500_000, 60_000_000)
    ]
    found = figures([packed(day)])
    assert Durations(10, 0, 46) == found.overall[Milestone.CREATED]
