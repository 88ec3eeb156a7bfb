"""Message parsers that need no outside service: the offline, vocabulary-driven one."""

from __future__ import annotations

from sm2_adapters.parsing.offline import OfflineParser

__all__ = ["OfflineParser"]
