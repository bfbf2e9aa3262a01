"""Boundary moves whose children follow, on both stores: one changeset, all or nothing.

The issue's finding: moving the east vertex of grid 330402007024001 into grid 006 was refused
("330402007024006001 would reach … m² outside its edited parent") with no way to carry the
micro-grids along. With ``follow_children`` they move in the same changeset.
"""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from sqlalchemy import select

from geo.areas import Level, plan_move_boundary, plan_replace
from geo.crs import area_m2
from geo.errors import ConflictError, TopologyError, VersionMismatchError
from geo.stores import Store
from geo.stores.schema import addresses
from tests.editing_sample import GRID_1, GRID_6, east_vertex, moved_vertex, seed_community


@pytest.fixture
def store(empty_store: Store, demo_city: Any) -> Store:
    seed_community(empty_store, demo_city)
    return empty_store


def grid_move(store: Store, east_m: float = 30) -> Any:
    first, second = store.get_area(GRID_1), store.get_area(GRID_6)
    new_first = moved_vertex(first, east_vertex(first.geometry, second.geometry), east_m)
    return plan_move_boundary(
        first, second, new_first, expected_versions={GRID_1: first.version, GRID_6: second.version}
    )


def micro_grids(store: Store, grid: str) -> dict[str, Any]:
    return {a.code: a for a in store.current_areas(Level.MICRO_GRID) if a.code.startswith(grid)}


def test_without_follow_the_grid_move_is_refused_as_the_issue_found(store: Store) -> None:
    before = store.current_version()
    with pytest.raises(TopologyError) as caught:
        store.commit(grid_move(store), author="测绘员", reason="东移")
    assert caught.value.kind == "child_outside"
    assert caught.value.params["parent"] == GRID_6
    assert store.current_version() == before


def test_children_follow_in_the_same_changeset(store: Store) -> None:
    kids_before = {**micro_grids(store, GRID_1), **micro_grids(store, GRID_6)}
    preview = store.preview(grid_move(store), follow_children=True)
    assert preview.ok, [p.message for p in preview.problems]
    roles = {c["code"]: c["role"] for c in preview.changes()}
    children = {c for c, r in roles.items() if r == "child"}
    assert roles[GRID_1] == roles[GRID_6] == "edited"
    assert {c[:15] for c in children} == {GRID_1, GRID_6}
    outcome = store.commit(grid_move(store), author="测绘员", reason="东移", follow_children=True)
    assert {a.code for a in outcome.plan.upserts} == {GRID_1, GRID_6} | children
    version = outcome.changeset.id
    for grid in (GRID_1, GRID_6):
        parent = store.get_area(grid)
        kids = micro_grids(store, grid)
        assert parent.version == version
        # The micro-grids still tile their grid exactly.
        union = shapely.union_all([k.geometry for k in kids.values()])
        assert area_m2(union.symmetric_difference(parent.geometry)) < 0.1
        for code, kid in kids.items():
            changed = code in children
            assert (kid.version == version) is changed
            assert (kid.geometry.equals(kids_before[code].geometry)) is not changed
    # Every address's micro-grid is the one holding it now (the smallest code on an edge),
    # and the move carried some across micro-grids.
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(addresses.c.lon, addresses.c.lat, addresses.c.grid, addresses.c.micro_grid)
        ).all()
    now = {grid: micro_grids(store, grid) for grid in {r.grid for r in rows}}
    for lon, lat, grid, micro in rows:
        point = shapely.Point(lon, lat)
        assert micro == next(c for c, k in now[grid].items() if k.geometry.covers(point))
    assert any(item["level"] == "micro_grid" for item in outcome.impact.addresses)


def test_a_child_that_would_vanish_refuses_the_whole_edit(store: Store) -> None:
    grid = store.get_area(GRID_1)
    victim = sorted(micro_grids(store, GRID_1))[0]
    smaller = grid.geometry.difference(store.get_area(victim).geometry)
    before = store.current_version()
    plan = plan_replace(grid, expected_version=grid.version, geometry=smaller)
    with pytest.raises(TopologyError) as caught:
        store.commit(plan, author="测绘员", reason="缩小", follow_children=True)
    kinds = {f["properties"]["kind"] for f in caught.value.details["features"]}
    assert "child_emptied" in kinds
    assert store.current_version() == before  # nothing stored half-way


def test_a_stale_child_version_is_refused(store: Store) -> None:
    preview = store.preview(grid_move(store), follow_children=True)
    versions = {c["code"]: c["version"] for c in preview.changes()}
    child = next(c["code"] for c in preview.changes() if c["role"] == "child")
    current = store.get_area(child)
    store.commit(
        plan_replace(current, expected_version=current.version, name="改名"),
        author="别人",
        reason="改名",
    )
    plan = grid_move(store)
    confirmed = type(plan)(plan.operation, plan.upserts, plan.retires, versions, exact=True)
    with pytest.raises(VersionMismatchError) as caught:
        store.commit(confirmed, author="测绘员", reason="东移", follow_children=True)
    assert caught.value.params["code"] == child


def test_a_confirmed_edit_must_change_exactly_the_confirmed_areas(store: Store) -> None:
    preview = store.preview(grid_move(store), follow_children=True)
    versions = {c["code"]: c["version"] for c in preview.changes()}
    plan = grid_move(store)
    # The editor confirmed the grids only; the children following would change more.
    only_grids = {GRID_1: versions[GRID_1], GRID_6: versions[GRID_6]}
    before = store.current_version()
    confirmed = type(plan)(plan.operation, plan.upserts, plan.retires, only_grids, exact=True)
    with pytest.raises(ConflictError) as caught:
        store.commit(confirmed, author="测绘员", reason="东移", follow_children=True)
    assert caught.value.kind == "edit_areas_differ"
    assert set(caught.value.params["unexpected"]) == set(versions) - set(only_grids)
    assert store.current_version() == before
    everything = type(plan)(plan.operation, plan.upserts, plan.retires, versions, exact=True)
    done = store.commit(everything, author="测绘员", reason="东移", follow_children=True)
    assert {c["code"] for c in done.changes()} == set(versions)
