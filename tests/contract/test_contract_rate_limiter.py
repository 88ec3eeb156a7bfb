"""Contract of the RateLimiter: at most ``limit`` uses of a key in a rolling window, refusals
not counted, keys apart, exact under concurrent callers.

Runs on the memory limiter (time moved by its manual clock) and on PostgreSQL's (time moved by
backdating the uses it recorded, since it counts against the database's ``now()``).
"""

from __future__ import annotations

import asyncio

#: A window no test comes near the end of, unless it moves time on purpose.
HOUR = 3600


async def uses(limiter, key: str, count: int, *, limit: int, window: int = HOUR) -> list[bool]:
    """``count`` calls of ``allow`` one after the other; their answers."""
    return [await limiter.allow(key, limit=limit, window_seconds=window) for _ in range(count)]


class TestLimit:
    async def test_allows_up_to_the_limit_then_refuses(self, limiter):
        """Three allowed, then every call refused."""
        answers = await uses(limiter.limiter, "login:alice", 5, limit=3)
        assert [True, True, True, False, False] == answers

    async def test_a_refused_call_is_not_counted(self, limiter):
        """Refusals use nothing: after two uses and three refusals, two are counted."""
        await uses(limiter.limiter, "sms:+14185550100", 5, limit=2)
        assert 2 == await limiter.limiter.used("sms:+14185550100", window_seconds=HOUR)

    async def test_used_counts_without_using(self, limiter):
        """``used`` is 0 for an unknown key, then the uses so far; asking it uses nothing."""
        rl = limiter.limiter
        assert 0 == await rl.used("parse:garage", window_seconds=HOUR)
        await rl.allow("parse:garage", limit=2, window_seconds=HOUR)
        for _ in range(3):
            assert 1 == await rl.used("parse:garage", window_seconds=HOUR)
        assert True is await rl.allow("parse:garage", limit=2, window_seconds=HOUR)

    async def test_keys_are_counted_apart(self, limiter):
        """One key at its limit leaves another untouched."""
        rl = limiter.limiter
        await uses(rl, "login:alice", 3, limit=2)
        assert True is await rl.allow("login:bob", limit=2, window_seconds=HOUR)
        assert (2, 1) == (
            await rl.used("login:alice", window_seconds=HOUR),
            await rl.used("login:bob", window_seconds=HOUR),
        )

    async def test_concurrent_calls_allow_exactly_the_limit(self, limiter):
        """Twenty callers at once with a limit of five: five allowed, five counted."""
        rl = limiter.limiter
        async with asyncio.timeout(20):
            answers = await asyncio.gather(
                *(rl.allow("burst", limit=5, window_seconds=HOUR) for _ in range(20))
            )
        assert (5, 15) == (answers.count(True), answers.count(False))
        assert 5 == await rl.used("burst", window_seconds=HOUR)


class TestWindow:
    async def test_uses_older_than_the_window_no_longer_count(self, limiter):
        """At the limit, the key is free again once its uses have left the window."""
        await uses(limiter.limiter, "login:carol", 2, limit=2, window=60)
        await limiter.age(61)
        assert 0 == await limiter.limiter.used("login:carol", window_seconds=60)
        assert True is await limiter.limiter.allow("login:carol", limit=2, window_seconds=60)

    async def test_uses_inside_the_window_still_count(self, limiter):
        """Well inside the window, a key at its limit stays refused."""
        await uses(limiter.limiter, "login:dave", 2, limit=2, window=60)
        await limiter.age(30)
        assert 2 == await limiter.limiter.used("login:dave", window_seconds=60)
        assert False is await limiter.limiter.allow("login:dave", limit=2, window_seconds=60)

    async def test_the_window_rolls(self, limiter):
        """The oldest use leaves first: it frees one slot, not the whole limit."""
        rl = limiter.limiter
        await rl.allow("roll", limit=2, window_seconds=60)
        await limiter.age(40)
        await rl.allow("roll", limit=2, window_seconds=60)
        await limiter.age(30)  # the first use is 70 s old, the second 30 s
        assert [True, False] == await uses(rl, "roll", 2, limit=2, window=60)

    async def test_used_counts_within_the_window_it_is_given(self, limiter):
        """A use 100 s old counts in an hour, not in a minute."""
        rl = limiter.limiter
        await rl.allow("span", limit=5, window_seconds=HOUR)
        await limiter.age(100)
        await rl.allow("span", limit=5, window_seconds=HOUR)
        assert (1, 2) == (
            await rl.used("span", window_seconds=60),
            await rl.used("span", window_seconds=HOUR),
        )
