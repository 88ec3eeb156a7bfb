"""Contract of the reference repositories (zones, services, dealerships, technicians, rules,
parts, users): every test runs for each repository, on the memory fake and on PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import attrs
import factories as f
import pytest
from reference_specs import SPECS, Deps, Spec

from sm2_core.errors import AlreadyExists, NotFound
from sm2_core.ports import UnitOfWork, UnitOfWorkFactory


@pytest.fixture(params=SPECS, ids=[s.repo for s in SPECS])
def spec(request: pytest.FixtureRequest) -> Spec:
    return request.param


def over(specs: list[Spec]) -> pytest.MarkDecorator:
    """Run a test only for the repositories where it applies."""
    return pytest.mark.parametrize("spec", specs, ids=[s.repo for s in specs])


UNIQUE = over([s for s in SPECS if s.clash is not None])
FINDER = over([s for s in SPECS if s.lookup is not None])
TIES = over([s for s in SPECS if s.ties])


def repo(uow: UnitOfWork, spec: Spec) -> Any:
    return getattr(uow, spec.repo)


async def add_deps(factory: UnitOfWorkFactory, spec: Spec) -> Deps:
    """Commit the rows the repository's items point at."""
    deps: Deps = {}
    async with factory() as uow:
        if "zone" in spec.needs:
            deps["zone"] = f.zone()
            await uow.zones.add(deps["zone"])
        if "dealership" in spec.needs:
            deps["dealership"] = f.dealership()
            await uow.dealerships.add(deps["dealership"])
        if "service" in spec.needs:
            deps["service"] = f.service()
            await uow.services.add(deps["service"])
        if "technician" in spec.needs:
            deps["technician"] = f.technician()
            await uow.technicians.add(deps["technician"])
    return deps


async def add(factory: UnitOfWorkFactory, spec: Spec, *items: Any) -> None:
    async with factory() as uow:
        for item in items:
            await repo(uow, spec).add(item)


def keyed(spec: Spec, value: str, deps: Deps, **kw: Any) -> Any:
    return attrs.evolve(spec.bare(deps), **{spec.order_by: value, **kw})


class TestRoundTrip:
    async def test_add_then_get_returns_every_field(self, uow_factory, spec):
        """An item with every optional field set reads back equal, field for field."""
        deps = await add_deps(uow_factory, spec)
        item = spec.full(deps)
        await add(uow_factory, spec, item)
        async with uow_factory() as uow:
            assert item == await repo(uow, spec).get(item.id)

    async def test_add_then_get_keeps_none_and_defaults(self, uow_factory, spec):
        """An item with None and default values reads back equal."""
        deps = await add_deps(uow_factory, spec)
        item = spec.bare(deps)
        await add(uow_factory, spec, item)
        async with uow_factory() as uow:
            assert item == await repo(uow, spec).get(item.id)

    async def test_update_changes_every_field(self, uow_factory, spec):
        """update stores every changed field, including the unique one."""
        deps = await add_deps(uow_factory, spec)
        item = spec.full(deps)
        await add(uow_factory, spec, item)
        changed = spec.changed(item, deps)
        async with uow_factory() as uow:
            await repo(uow, spec).update(changed)
        async with uow_factory() as uow:
            assert changed == await repo(uow, spec).get(item.id)

    async def test_update_keeping_its_unique_key_is_no_conflict(self, uow_factory, spec):
        """An item does not clash with itself."""
        deps = await add_deps(uow_factory, spec)
        item = spec.full(deps)
        await add(uow_factory, spec, item)
        async with uow_factory() as uow:
            await repo(uow, spec).update(attrs.evolve(item, is_active=False))
        async with uow_factory() as uow:
            assert attrs.evolve(item, is_active=False) == await repo(uow, spec).get(item.id)


class TestMissing:
    async def test_get_of_an_unknown_id_raises_not_found(self, uow_factory, spec):
        """get raises NotFound for an id nobody added."""
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await repo(uow, spec).get(uuid4())

    async def test_update_of_an_unknown_id_raises_not_found(self, uow_factory, spec):
        """update raises NotFound instead of creating the item."""
        deps = await add_deps(uow_factory, spec)
        with pytest.raises(NotFound):
            async with uow_factory() as uow:
                await repo(uow, spec).update(spec.bare(deps))


class TestUniqueness:
    async def test_add_of_a_known_id_raises_already_exists(self, uow_factory, spec):
        """A second item with the same id is refused."""
        deps = await add_deps(uow_factory, spec)
        item = spec.bare(deps)
        await add(uow_factory, spec, item)
        with pytest.raises(AlreadyExists):
            await add(uow_factory, spec, attrs.evolve(spec.bare(deps), id=item.id))

    @UNIQUE
    async def test_add_of_a_clashing_item_raises_already_exists(self, uow_factory, spec):
        """A new item with a taken unique key is refused (zone names in any case)."""
        deps = await add_deps(uow_factory, spec)
        item = spec.full(deps)
        await add(uow_factory, spec, item)
        with pytest.raises(AlreadyExists):
            await add(uow_factory, spec, spec.clash(item))
        async with uow_factory() as uow:
            assert [item] == await repo(uow, spec).all(include_inactive=True)

    @UNIQUE
    async def test_update_into_a_clash_raises_already_exists(self, uow_factory, spec):
        """Changing an item's unique key to another item's is refused."""
        deps = await add_deps(uow_factory, spec)
        first, second = spec.full(deps), spec.bare(deps)
        await add(uow_factory, spec, first, second)
        clashing = attrs.evolve(spec.clash(first), id=second.id)
        with pytest.raises(AlreadyExists):
            async with uow_factory() as uow:
                await repo(uow, spec).update(clashing)
        async with uow_factory() as uow:
            assert second == await repo(uow, spec).get(second.id)


class TestLookup:
    @FINDER
    async def test_finder_returns_the_item(self, uow_factory, spec):
        """by_phone / by_code / by_name / by_username find the item, ignoring case."""
        finder, key = spec.lookup
        deps = await add_deps(uow_factory, spec)
        item, other = spec.full(deps), spec.bare(deps)
        await add(uow_factory, spec, item, other)
        async with uow_factory() as uow:
            assert item == await getattr(repo(uow, spec), finder)(key(item))

    @FINDER
    async def test_finder_returns_none_when_nothing_matches(self, uow_factory, spec):
        """A finder answers None, not NotFound, for an unknown key."""
        finder, key = spec.lookup
        deps = await add_deps(uow_factory, spec)
        await add(uow_factory, spec, spec.bare(deps))
        async with uow_factory() as uow:
            assert None is await getattr(repo(uow, spec), finder)(key(spec.full(deps)))


class TestAll:
    async def test_all_is_empty_on_an_empty_table(self, uow_factory, spec):
        """all() of nothing is an empty list."""
        async with uow_factory() as uow:
            assert [] == await repo(uow, spec).all(include_inactive=True)

    async def test_all_sorts_by_its_key_ignoring_case(self, uow_factory, spec):
        """all() sorts by name (code, description, username), case-insensitively."""
        deps = await add_deps(uow_factory, spec)
        items = [keyed(spec, v, deps) for v in spec.order_values]
        await add(uow_factory, spec, *items)
        async with uow_factory() as uow:
            assert [items[1], items[0], items[2]] == await repo(uow, spec).all()

    async def test_all_hides_inactive_items(self, uow_factory, spec):
        """Inactive items are left out unless include_inactive."""
        deps = await add_deps(uow_factory, spec)
        b, a, c = (keyed(spec, v, deps) for v in spec.order_values)
        a = attrs.evolve(a, is_active=False)
        await add(uow_factory, spec, b, a, c)
        async with uow_factory() as uow:
            assert [b, c] == await repo(uow, spec).all()
            assert [a, b, c] == await repo(uow, spec).all(include_inactive=True)

    @TIES
    async def test_ties_in_the_sort_key_come_in_id_order(self, uow_factory, spec):
        """Items sharing a sort key are listed by id, whatever order they were added in."""
        deps = await add_deps(uow_factory, spec)
        low = keyed(spec, "Same", deps, id=UUID("00000000-0000-4000-8000-000000000001"))
        high = keyed(spec, "same", deps, id=UUID("ffffffff-ffff-4fff-bfff-ffffffffffff"))
        await add(uow_factory, spec, high, low)
        async with uow_factory() as uow:
            assert [low, high] == await repo(uow, spec).all()
