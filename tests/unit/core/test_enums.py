"""Enums with meaning: the order of urgencies and the job's transitions table."""

from __future__ import annotations

import pytest

from sm2_core.domain.enums import ALLOWED_TRANSITIONS, JobStatus, TechnicianStatus, Urgency

LOW, MEDIUM, HIGH, CRITICAL = Urgency.LOW, Urgency.MEDIUM, Urgency.HIGH, Urgency.CRITICAL
PENDING, SCHEDULED, IN_PROGRESS = JobStatus.PENDING, JobStatus.SCHEDULED, JobStatus.IN_PROGRESS
COMPLETED, CANCELLED = JobStatus.COMPLETED, JobStatus.CANCELLED


class TestUrgencyOrder:
    def test_urgencies_sort_from_low_to_critical(self) -> None:
        """Sorting urgencies gives LOW, MEDIUM, HIGH, CRITICAL whatever the input order."""
        assert [LOW, MEDIUM, HIGH, CRITICAL] == sorted([HIGH, CRITICAL, LOW, MEDIUM])

    def test_comparisons(self) -> None:
        """Each urgency is above the ones before it, and equal only to itself."""
        assert LOW < MEDIUM < HIGH < CRITICAL
        assert CRITICAL > HIGH >= HIGH > MEDIUM >= LOW
        assert not HIGH < HIGH

    def test_max_and_highest_agree(self) -> None:
        """max() and Urgency.highest() both pick the most urgent."""
        assert (CRITICAL, CRITICAL) == (
            max([MEDIUM, CRITICAL, LOW]),
            Urgency.highest(MEDIUM, CRITICAL, LOW),
        )

    def test_highest_of_one(self) -> None:
        """The highest of a single urgency is itself."""
        assert LOW == Urgency.highest(LOW)

    def test_urgency_does_not_compare_with_strings(self) -> None:
        """Comparing with a raw value is a programming error, not a silent False."""
        with pytest.raises(TypeError):
            _ = HIGH < "LOW"


EXPECTED_TRANSITIONS = {
    (PENDING, SCHEDULED),
    (PENDING, CANCELLED),
    (SCHEDULED, PENDING),
    (SCHEDULED, IN_PROGRESS),
    (SCHEDULED, CANCELLED),
    (IN_PROGRESS, COMPLETED),
    (IN_PROGRESS, CANCELLED),
}


class TestJobStatusTransitions:
    @pytest.mark.parametrize("source", list(JobStatus))
    @pytest.mark.parametrize("target", list(JobStatus))
    def test_transitions_table(self, source: JobStatus, target: JobStatus) -> None:
        """A job may move only along the lifecycle's arrows, never to the same state."""
        assert ((source, target) in EXPECTED_TRANSITIONS) == source.can_become(target)

    def test_table_covers_every_status(self) -> None:
        """Every status has its row in the table."""
        assert set(JobStatus) == set(ALLOWED_TRANSITIONS)

    def test_completed_and_cancelled_are_terminal(self) -> None:
        """Only COMPLETED and CANCELLED end the lifecycle."""
        assert {COMPLETED, CANCELLED} == {s for s in JobStatus if s.is_terminal}

    def test_no_way_back_to_scheduled_from_in_progress(self) -> None:
        """Work started cannot be handed back to the board."""
        assert not IN_PROGRESS.can_become(SCHEDULED)
        assert not IN_PROGRESS.can_become(PENDING)


class TestTechnicianStatus:
    @pytest.mark.parametrize(
        ("status", "can_work"),
        [
            (TechnicianStatus.AVAILABLE, True),
            (TechnicianStatus.BUSY, True),
            (TechnicianStatus.OFFLINE, False),
            (TechnicianStatus.ON_LEAVE, False),
        ],
    )
    def test_who_can_take_work(self, status: TechnicianStatus, can_work: bool) -> None:
        """Technicians at work (even busy) can take jobs; offline or on leave cannot."""
        assert can_work == status.can_take_work
