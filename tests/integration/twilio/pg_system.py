"""The real system on the emptied test database, seeded, its Twilio being the fake one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from twilio_helpers import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER

import pgtools
from pgtools import summary_out_of_reach
from sm2_adapters.settings import Settings
from sm2_adapters.system import System


@asynccontextmanager
async def seeded_system(
    pg_url: str, data_dir: Path, twilio_url: str, *, pool_size: int = 20, **settings: Any
) -> AsyncIterator[System]:
    """``settings``: more ``Settings`` fields (``public_url``...)."""
    settings.setdefault("summary_at", summary_out_of_reach())
    configured = Settings(
        database_url=pg_url,
        data_dir=data_dir,
        jwt_secret="j" * 32,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number=OUR_NUMBER,
        twilio_api_url=twilio_url,
        **settings,
    )
    async with pgtools.seeded_system(configured, pool_size=pool_size) as built:
        yield built
