"""The parsers' live catalog (``LiveCatalog``) on each unit of work: what an admin changes is
read by the next parse, at once in the process that made the change and within the time to
live in any other, and nothing is re-read or re-compiled while nothing changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from pgtools import reset_database
from sm2_adapters.catalog import LiveCatalog
from sm2_adapters.memory import FastPasswordHasher, ManualClock, MemoryStore
from sm2_adapters.postgres.database import make_pool
from sm2_adapters.postgres.queue import TASK_QUEUE
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_core.domain.enums import ReferenceKind, Role
from sm2_core.domain.records import Actor
from sm2_core.ports import UnitOfWorkFactory
from sm2_core.services import AdminService

ADMIN = Actor(name="admin", role=Role.ADMIN)
ALIGNMENT = {
    "code": "WHEEL_ALIGNMENT",
    "name": "Wheel alignment",
    "name_fr": "Alignement",
    "base_price": Decimal("99.00"),
    "terms_en": ("alignment", "align"),
    "terms_fr": ("alignement", "parallélisme", "géométrie d'essieux"),
    "hints_fr": ("tire d'un bord",),
}


class Ticker:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "postgres"])
async def uow(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    if request.param == "memory":
        yield MemoryStore().unit_of_work
        return
    reset_database(pg_url)
    pool = make_pool(pg_url, min_size=1, max_size=4)
    await pool.open()
    try:
        yield PostgresUnitOfWorkFactory(pool, task_queue=TASK_QUEUE)
    finally:
        await pool.close()


def admin_for(uow: UnitOfWorkFactory, catalog: LiveCatalog | None = None) -> AdminService:
    return AdminService(uow=uow, clock=ManualClock(), hasher=FastPasswordHasher(), watcher=catalog)


class TestLiveCatalog:
    async def test_a_service_and_its_words_are_read_as_typed(self, uow: UnitOfWorkFactory) -> None:
        """Accents, apostrophes and order survive the round trip; hints stay hints."""
        await admin_for(uow).create(ReferenceKind.SERVICES, ALIGNMENT, actor=ADMIN)
        snapshot = await LiveCatalog(uow).snapshot()
        [service] = snapshot.services
        assert (
            ("alignment", "align"),
            ("alignement", "parallélisme", "géométrie d'essieux"),
            (),
            ("tire d'un bord",),
        ) == (service.terms_en, service.terms_fr, service.hints_en, service.hints_fr)

    async def test_a_change_made_here_is_read_by_the_next_parse(
        self, uow: UnitOfWorkFactory
    ) -> None:
        """The admin service tells the catalog; no time to live is waited for."""
        ticker = Ticker()
        catalog = LiveCatalog(uow, ttl_seconds=3600, monotonic=ticker)
        admin = admin_for(uow, catalog)
        assert () == (await catalog.snapshot()).services
        created = await admin.create(ReferenceKind.SERVICES, ALIGNMENT, actor=ADMIN)
        assert {"WHEEL_ALIGNMENT"} == (await catalog.snapshot()).codes
        await admin.update(
            ReferenceKind.SERVICES, created.id, {"terms_en": ("alignment", "4 wheel")}, actor=ADMIN
        )
        [service] = (await catalog.snapshot()).services
        assert ("alignment", "4 wheel") == service.terms_en
        await admin.update(ReferenceKind.SERVICES, created.id, {"is_active": False}, actor=ADMIN)
        assert frozenset() == (await catalog.snapshot()).codes

    async def test_another_process_change_is_read_when_the_copy_expires(
        self, uow: UnitOfWorkFactory
    ) -> None:
        """A second catalog stands for another worker process: it learns of the change only
        by reading again, after its time to live."""
        ticker = Ticker()
        worker = LiveCatalog(uow, ttl_seconds=2.0, monotonic=ticker)
        assert frozenset() == (await worker.snapshot()).codes
        await admin_for(uow, LiveCatalog(uow)).create(
            ReferenceKind.SERVICES, ALIGNMENT, actor=ADMIN
        )
        ticker.now = 1.9
        assert frozenset() == (await worker.snapshot()).codes
        ticker.now = 2.1
        assert {"WHEEL_ALIGNMENT"} == (await worker.snapshot()).codes

    async def test_nothing_changed_keeps_the_same_snapshot(self, uow: UnitOfWorkFactory) -> None:
        """Re-reading after the time to live gives the same object when nothing changed, so
        the parsers keep their compiled tables; within it, no read at all."""
        ticker = Ticker()
        catalog = LiveCatalog(uow, ttl_seconds=2.0, monotonic=ticker)
        await admin_for(uow).create(ReferenceKind.SERVICES, ALIGNMENT, actor=ADMIN)
        first = await catalog.snapshot()
        for _ in range(5):
            assert first is await catalog.snapshot()
        assert 1 == catalog.reads
        ticker.now = 10.0
        assert first is await catalog.snapshot()
        assert 2 == catalog.reads

    async def test_changes_to_other_kinds_keep_the_copy(self, uow: UnitOfWorkFactory) -> None:
        """Zones and rules are not in the catalog: changing them costs the parsers nothing."""
        catalog = LiveCatalog(uow, ttl_seconds=3600, monotonic=Ticker())
        admin = admin_for(uow, catalog)
        await catalog.snapshot()
        await admin.create(
            ReferenceKind.ZONES,
            {"name": "Lévis", "latitude": 46.8, "longitude": -71.18},
            actor=ADMIN,
        )
        await catalog.snapshot()
        assert 1 == catalog.reads
