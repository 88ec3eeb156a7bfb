"""Contract of the board's free-text search (JobFilter.text): what a typed text finds.

Every word typed must begin a word of the job (its code, VIN, stock number, make, model or
request text), whatever the accents and case; a VIN is also found by its last 4 to 8 characters;
a job code typed whole finds that job only. Nothing typed is ever an operator.
"""

from __future__ import annotations

from uuid import UUID

import attrs
import factories as f
import pytest

from sm2_adapters.postgres import text_search
from sm2_adapters.postgres.jobs import sort_urgency
from sm2_core.domain.enums import Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.errors import InvalidInput
from sm2_core.ports import JobFilter, UnitOfWorkFactory


@attrs.frozen
class Jobs:
    """Four jobs, in board order civic, f150, rav4, accord."""

    by_name: dict[str, Job]

    def ids(self, names: str) -> list[UUID]:
        return [self.by_name[n].id for n in names.split()]


async def jobs(factory: UnitOfWorkFactory) -> Jobs:
    d = (await f.add_world(factory)).dealership.id
    by_name = {
        "civic": f.job(
            d,
            job_code="SM2-2026-014",
            urgency=Urgency.HIGH,
            created_at=f.at(0),
            vehicle=Vehicle(
                make="Honda", model="Civic", vin="2HGFC2F59MH057830", stock_no="U-4521"
            ),
            request_text="Changement d'huile et pneus d'hiver, client attend sur place",
        ),
        "f150": f.job(
            d,
            job_code="SM2-2026-140",
            urgency=Urgency.MEDIUM,
            created_at=f.at(1),
            vehicle=Vehicle(make="Ford", model="F-150", vin="1ftew1ep5jfa12345", stock_no="P23"),
            request_text="Brake pads worn, customer waiting. Vérifier le freinage SVP",
        ),
        "rav4": f.job(
            d,
            job_code="SM2-2026-0145",
            urgency=Urgency.MEDIUM,
            created_at=f.at(2),
            vehicle=Vehicle(make="Toyota", model="RAV4"),
            request_text="Réparation du DÉMARREUR à distance; pare-brise fissuré (Œuvre)",
        ),
        "accord": f.job(
            d,
            job_code="SM2-2026-202",
            urgency=Urgency.LOW,
            created_at=f.at(3),
            vehicle=Vehicle(make="Honda", model="Accord"),
            request_text="2 cles perdues, programmation: 100% done_ok",
        ),
    }
    async with factory() as uow:
        for job in reversed(by_name.values()):
            await uow.jobs.add(job)
    return Jobs(by_name)


async def found(factory: UnitOfWorkFactory, text: str) -> list[UUID]:
    async with factory() as uow:
        page = await uow.jobs.search(JobFilter(text=text), limit=50)
    return [j.id for j in page.items]


SEARCHES = {
    # words of the request text, and the beginning of one
    "text-word": ("huile", "civic"),
    "text-word-in-english": ("waiting", "f150"),
    "text-word-prefix": ("frein", "f150"),
    "text-word-capitals": ("CLIENT", "civic"),
    "text-word-after-apostrophe": ("hiver", "civic"),
    "text-word-with-apostrophe": ("d'hiver", "civic"),
    "text-hyphenated-word": ("pare-brise", "rav4"),
    "text-hyphenated-word-part": ("brise", "rav4"),
    "text-no-word-inside-a-word": ("uile", ""),
    # make and model
    "model": ("Civic", "civic"),
    "model-prefix": ("rav", "rav4"),
    "model-with-hyphen": ("f-150", "f150"),
    "model-without-hyphen": ("F150", "f150"),
    "model-number": ("150", "f150"),
    "make": ("HONDA", "civic accord"),
    "make-lower": ("toyota", "rav4"),
    # VIN whole, its last characters, and the beginning of those
    "vin-full": ("2HGFC2F59MH057830", "civic"),
    "vin-full-lower-stored": ("1FTEW1EP5JFA12345", "f150"),
    "vin-prefix": ("2hgfc2f5", "civic"),
    "vin-last-8": ("MH057830", "civic"),
    "vin-last-7": ("h057830", "civic"),
    "vin-last-6": ("057830", "civic"),
    "vin-last-6-of-the-other": ("a12345", "f150"),
    "vin-last-5": ("12345", "f150"),
    "vin-last-4": ("7830", "civic"),
    "vin-middle-is-no-tail": ("59MH05", ""),
    # stock number
    "stock": ("U-4521", "civic"),
    "stock-without-hyphen": ("u4521", "civic"),
    "stock-number-part": ("4521", "civic"),
    "stock-plain": ("p23", "f150"),
    # job code whole (exactly), and its number part
    "code-full-is-exact": ("SM2-2026-014", "civic"),
    "code-full-lower": ("sm2-2026-014", "civic"),
    "code-partial": ("SM2-2026-01", "civic rav4"),
    "code-unknown": ("SM2-2026-015", ""),
    "code-other-year": ("SM2-2025-014", ""),
    "code-number": ("014", "civic rav4"),
    "code-number-without-zeros": ("14", "civic f150 rav4"),
    "code-number-other": ("0145", "rav4"),
    # accents: either side, with or without
    "accent-in-text-not-typed": ("reparation", "rav4"),
    "accent-typed-and-in-text": ("démarreur", "rav4"),
    "accent-capitals-in-text": ("demarreur", "rav4"),
    "accent-typed-not-in-text": ("clés", "accord"),
    "accent-typed-capital": ("VÉRIFIER", "f150"),
    "accent-ligature": ("oeuvre", "rav4"),
    "accent-ligature-typed": ("Œuvre", "rav4"),
    "accent-combining-typed": ("fissure\u0301", "rav4"),
    # several words: all must match, in any order and field
    "words-all-match": ("honda huile", "civic"),
    "words-any-order-across-fields": ("057830 Civic pneus", "civic"),
    "words-one-misses": ("honda toyota", ""),
    "words-extra-spaces": ("  honda \t  accord  ", "accord"),
    "word-matches-nothing": ("zzzz", ""),
    # tsquery and LIKE syntax is text like any other, never an operator or a wildcard
    "op-prefix": ("huile:*", "civic"),
    "op-and": ("huile & toyota", ""),
    "op-or-is-and": ("honda | toyota", ""),
    "op-not-is-a-word": ("!honda", "civic accord"),
    "op-parens": ("(civic)", "civic"),
    "op-phrase": ("civic <-> honda", "civic"),
    "op-weight": ("civic:A", "civic"),
    "op-only": ("&|!()", ""),
    "op-prefix-only": (":*", ""),
    "quote-single": ("'civic'", "civic"),
    "quote-double": ('"civic"', "civic"),
    "quote-unbalanced": ("'civic", "civic"),
    "quotes-only": ("'''", ""),
    "backslash": ("civic\\", "civic"),
    "backslash-only": ("\\", ""),
    "backslash-quote": ("\\'civic", "civic"),
    "like-percent": ("%", ""),
    "like-percent-in-word": ("100%", "accord"),
    "like-percent-around": ("%huile%", "civic"),
    "like-underscore": ("_", ""),
    "like-underscore-joins": ("done_ok", "accord"),
    "like-underscore-part": ("ok", "accord"),
    "sql-quote": ("'; DROP TABLE jobs; --", ""),
    "pasted-sentence": ("Changement d'huile et pneus d'hiver, client attend sur place", "civic"),
    "long-words-match-a-short-one-does-not": ("changement huile pneus hiver ok", ""),
    "short-words-narrow-long-ones": ("d h e p c a s", "civic"),
    "too-long-word": ("e" * 300, ""),
    "too-long-accented-word": ("é" * 300, ""),
}


class TestTextSearch:
    @pytest.mark.parametrize(("text", "expected"), SEARCHES.values(), ids=SEARCHES.keys())
    async def test_text_finds_exactly_the_matching_jobs_in_board_order(
        self, uow_factory, text, expected
    ):
        """A search text keeps the jobs every typed word begins a word of, in board order."""
        j = await jobs(uow_factory)
        assert j.ids(expected) == await found(uow_factory, text)

    async def test_search_text_with_a_nul_character_is_invalid_input(self, uow_factory):
        """A NUL character is refused, as in any stored text, never a crash."""
        await jobs(uow_factory)
        async with uow_factory() as uow:
            with pytest.raises(InvalidInput):
                await uow.jobs.search(JobFilter(text="huile\x00"), limit=5)

    async def test_search_combines_with_the_other_filters(self, uow_factory):
        """The text narrows what the other filters keep, and the reverse."""
        j = await jobs(uow_factory)
        async with uow_factory() as uow:
            page = await uow.jobs.search(JobFilter(text="honda", urgency=Urgency.LOW), limit=10)
        assert j.ids("accord") == [job.id for job in page.items]

    async def test_search_pages_follow_the_board_with_the_cursor(self, uow_factory):
        """Pages of a search walk the matching jobs in board order; the last has no cursor."""
        d = (await f.add_world(uow_factory)).dealership.id
        matching = [
            f.job(d, created_at=f.at(i), request_text=f"Vidange numéro {i}") for i in range(5)
        ]
        others = [f.job(d, created_at=f.at(i), request_text="Pneus") for i in range(5)]
        async with uow_factory() as uow:
            for job in others + matching[::-1]:
                await uow.jobs.add(job)
        seen, cursor = [], None
        async with uow_factory() as uow:
            for _ in range(5):
                page = await uow.jobs.search(JobFilter(text="VIDANGE"), limit=2, cursor=cursor)
                seen.append([job.id for job in page.items])
                if (cursor := page.next_cursor) is None:
                    break
        ids = [job.id for job in matching]
        assert [ids[0:2], ids[2:4], ids[4:5]] == seen

    async def test_an_edited_job_is_found_by_its_new_words(self, uow_factory):
        """After an update, the new text finds the job and the old one no longer does."""
        j = await jobs(uow_factory)
        civic = j.by_name["civic"]
        async with uow_factory() as uow:
            await uow.jobs.update(
                attrs.evolve(
                    civic,
                    request_text="Alignement",
                    vehicle=attrs.evolve(civic.vehicle, model="Insight"),
                )
            )
        assert (j.ids("civic"), [], j.ids("civic")) == (
            await found(uow_factory, "alignement"),
            await found(uow_factory, "huile civic"),
            await found(uow_factory, "insight 057830"),
        )


# Where the matching jobs of each urgency lie on a board of 78 jobs (index: a job's place within
# its urgency, ``True``: it says "vidange"). Each urgency takes another of LevelSearch's ways on
# PostgreSQL once its walks and probe are made this short.
PLACES = {
    Urgency.CRITICAL: [False] * 12,  # none: the probe finds nothing
    Urgency.HIGH: [False] * 18 + [True] * 12,  # many, late: more than a probe keeps, then a walk
    Urgency.MEDIUM: [i % 2 == 0 for i in range(24)],  # dense: the walks find them
    Urgency.LOW: [False] * 10 + [True, False, True],  # few, late: the probe finds them all
}
SHORT = {"SAMPLE_ROWS": 3, "WALK_ROWS": 5, "PROBE_ROWS": 4}


async def placed_board(factory: UnitOfWorkFactory) -> tuple[UUID, list[Job]]:
    """The board of PLACES (every job of one dealership, an unmatched one of another's), and
    the matching jobs in board order."""
    world = await f.add_world(factory)
    other = f.dealership(zone_id=world.zone.id)
    matching, board = [], []
    for urgency, places in PLACES.items():
        for n, hit in enumerate(places):
            text = f"Vidange et filtre {n}" if hit else f"Pneus d'hiver {n}"
            job = f.job(world.dealership.id, urgency=urgency, created_at=f.at(n), request_text=text)
            board.append(job)
            matching += [job] if hit else []
    board.append(f.job(other.id, urgency=Urgency.HIGH, request_text="Vidange ailleurs"))
    async with factory() as uow:
        await uow.dealerships.add(other)
        for job in reversed(board):
            await uow.jobs.add(job)
    return world.dealership.id, matching


async def all_pages(factory: UnitOfWorkFactory, query: JobFilter, limit: int) -> list[UUID]:
    seen: list[UUID] = []
    cursor = None
    async with factory() as uow:
        for _ in range(100):
            page = await uow.jobs.search(query, limit=limit, cursor=cursor)
            seen += [job.id for job in page.items]
            if (cursor := page.next_cursor) is None:
                return seen
    raise AssertionError("the pages never ended")


class TestTextSearchAcrossUrgencies:
    @pytest.mark.parametrize("short", [False, True], ids=["as-built", "short-walks"])
    @pytest.mark.parametrize("limit", [1, 4, 7, 50])
    async def test_pages_hold_every_match_once_in_board_order(
        self, uow_factory, monkeypatch, short, limit
    ):
        """However the matches fall on the board (none in an urgency, late, dense or few), the
        pages of a search give each once, in board order, within the other filters."""
        if short:
            for name, value in SHORT.items():
                monkeypatch.setattr(text_search, name, value)
        dealership, matching = await placed_board(uow_factory)
        query = JobFilter(text="vidange", dealership_id=dealership)
        assert [job.id for job in matching] == await all_pages(uow_factory, query, limit)

    async def test_an_urgency_filter_searches_that_urgency_alone(self, uow_factory, monkeypatch):
        for name, value in SHORT.items():
            monkeypatch.setattr(text_search, name, value)
        dealership, matching = await placed_board(uow_factory)
        query = JobFilter(text="vidange", dealership_id=dealership, urgency=Urgency.LOW)
        low = [job.id for job in matching if job.urgency is Urgency.LOW]
        assert low == await all_pages(uow_factory, query, 1)

    async def test_the_planner_is_itself_again_after_a_search(self, pg_uow, monkeypatch):
        """The probe's planner settings last for the probe only, not the rest of the work."""
        for name, value in SHORT.items():
            monkeypatch.setattr(text_search, name, value)
        dealership, _ = await placed_board(pg_uow)
        async with pg_uow() as uow:
            await uow.jobs.search(JobFilter(text="vidange", dealership_id=dealership), limit=50)
            cur = await uow.conn.execute(
                "SELECT current_setting('enable_indexscan'), current_setting('enable_seqscan')"
            )
            assert await cur.fetchone() == ("on", "on")


def test_the_search_asks_every_urgency_of_the_board() -> None:
    """The urgencies LevelSearch walks are every value of the board's first key."""
    assert sorted(text_search.LEVELS) == sorted(sort_urgency(u) for u in Urgency)
