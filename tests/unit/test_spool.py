"""The receipt spool on disk: durable, in arrival order, readable by the next process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from sm2_adapters.postgres.spool import Spool
from sm2_core.domain.records import InboundMessage

T0 = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


def _message(sid: str, at: datetime) -> InboundMessage:
    return InboundMessage(
        id=uuid4(),
        sid=sid,
        from_number="+14185550103",
        to_number="+14185550000",
        body="pneus d'hiver RAV4 — stock T1",
        received_at=at,
        num_media=1,
    )


class TestSpool:
    def test_a_spooled_text_reads_back_whole(self, tmp_path: Path) -> None:
        """Every field the receipt statement stores comes back, accents and all."""
        spool = Spool(tmp_path / "spool")
        message = _message("SM1", T0)
        spool.append(message)
        (path,) = spool.pending()
        assert message == spool.read(path)

    def test_texts_come_back_in_arrival_order(self, tmp_path: Path) -> None:
        """Oldest first, whatever order they were written in."""
        spool = Spool(tmp_path / "spool")
        late, early = _message("SMlate", T0 + timedelta(seconds=1)), _message("SMearly", T0)
        spool.append(late)
        spool.append(early)
        assert ["SMearly", "SMlate"] == [spool.read(p).sid for p in spool.pending()]

    def test_the_next_process_sees_what_this_one_spooled(self, tmp_path: Path) -> None:
        """Files outlive the process: a new Spool on the same directory finds them."""
        Spool(tmp_path / "spool").append(_message("SMkept", T0))
        assert 1 == Spool(tmp_path / "spool").depth()

    def test_removed_texts_are_gone_and_removing_twice_is_harmless(self, tmp_path: Path) -> None:
        """Two processes replaying the same directory may both remove a file."""
        spool = Spool(tmp_path / "spool")
        spool.append(_message("SM1", T0))
        (path,) = spool.pending()
        spool.remove(path)
        spool.remove(path)
        assert 0 == spool.depth()

    def test_an_empty_or_missing_directory_holds_nothing(self, tmp_path: Path) -> None:
        """Before the first outage there is no directory at all."""
        assert ([], 0) == (Spool(tmp_path / "none").pending(), Spool(tmp_path / "none").depth())
