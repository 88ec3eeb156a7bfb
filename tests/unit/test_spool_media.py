"""The receipt spool keeps a text's media: a text spooled during an outage loses none of them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from sm2_adapters.postgres.spool import Spool
from sm2_core.domain.media import MediaRef
from sm2_core.domain.records import InboundMessage

T0 = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME{n}"


class TestSpooledMedia:
    def test_a_spooled_text_reads_back_with_its_media(self, tmp_path: Path) -> None:
        """Ids, URLs and claimed types, in order (None for a type the carrier did not give)."""
        message = InboundMessage(
            id=uuid4(),
            sid="MMspooled",
            from_number="+14185550103",
            to_number="+14185550000",
            body="photo",
            received_at=T0,
            num_media=2,
            media=(
                MediaRef(id=uuid4(), url=URL.format(n=0), content_type="image/jpeg"),
                MediaRef(id=uuid4(), url=URL.format(n=1)),
            ),
        )
        spool = Spool(tmp_path / "spool")
        spool.append(message)
        (path,) = spool.pending()
        assert message == spool.read(path)

    def test_a_text_spooled_before_media_were_kept_has_none(self, tmp_path: Path) -> None:
        """A file an older version wrote (no ``media``) still reads."""
        spool = Spool(tmp_path / "spool")
        message = InboundMessage(
            id=uuid4(),
            sid="SMold",
            from_number="+14185550103",
            to_number="+14185550000",
            body="old",
            received_at=T0,
        )
        spool.append(message)
        (path,) = spool.pending()
        document = json.loads(path.read_bytes())
        del document["media"]
        path.write_text(json.dumps(document))
        assert message == spool.read(path)
