"""Children following a moved boundary, on the real grids and micro-grids of 百福弄社区."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry.base import BaseGeometry

from geo.areas.follow import follow_parent
from geo.crs import area_m2
from tests.editing_sample import GRID_1, GRID_6, METRE_LON, east_vertex, moved_vertex


@pytest.fixture(scope="module")
def grids(demo_city: Any) -> dict[str, BaseGeometry]:
    return {a.code: a.geometry for a in demo_city.areas if a.code.startswith(GRID_1[:12])}


def children(grids: dict[str, BaseGeometry], parent: str) -> dict[str, BaseGeometry]:
    return {c: g for c, g in grids.items() if len(c) == 18 and c.startswith(parent)}


def moved_boundary(
    grids: dict[str, BaseGeometry], shift_m: float, *, whole_edge: bool
) -> tuple[BaseGeometry, BaseGeometry]:
    """Grid 1 and grid 6 after moving (a vertex of) the edge they share east."""
    first, second = grids[GRID_1], grids[GRID_6]
    if whole_edge:
        edge = second.boundary

        def move(xy: Any) -> Any:
            on = np.array([edge.distance(shapely.Point(x, y)) < 1e-9 for x, y in xy])
            out = xy.copy()
            out[on, 0] += shift_m * METRE_LON
            return out

        new_first = shapely.transform(first, move)
    else:
        new_first = moved_vertex(first, east_vertex(first, second), shift_m)
    union = first.union(second)
    new_first = new_first.intersection(union)
    return new_first, union.difference(new_first)


def assert_tiles(parent: BaseGeometry, kids: dict[str, BaseGeometry]) -> None:
    """The children cover the parent exactly, without overlaps, sharing their edges exactly."""
    covered = shapely.union_all(list(kids.values()))
    assert area_m2(covered.symmetric_difference(parent)) < 0.05
    assert all(g.is_valid for g in kids.values())
    assert shapely.coverage_is_valid(np.array(list(kids.values()), dtype=object))


@pytest.mark.parametrize("whole_edge", [False, True], ids=["one vertex", "whole edge"])
def test_children_on_both_sides_follow_a_moved_shared_boundary(
    grids: dict[str, BaseGeometry], whole_edge: bool
) -> None:
    new_first, new_second = moved_boundary(grids, 30, whole_edge=whole_edge)
    gained = area_m2(new_first) - area_m2(grids[GRID_1])
    assert gained > 1000
    for code, new in ((GRID_1, new_first), (GRID_6, new_second)):
        kids = children(grids, code)
        moved = follow_parent(grids[code], new, kids)
        assert moved.emptied == []
        assert_tiles(new, {**kids, **moved.changed})
        # Only children along the moved edge change, and together they change by what the
        # grid gained or lost.
        edge = grids[GRID_1].intersection(grids[GRID_6])
        assert all(kids[c].distance(edge) < 1e-9 for c in moved.changed)
        change = sum(area_m2(g) - area_m2(kids[c]) for c, g in moved.changed.items())
        assert change == pytest.approx(gained if code == GRID_1 else -gained, abs=0.5)
    if whole_edge:  # the gained strip lies in front of two micro-grids: both take their part
        grown = follow_parent(grids[GRID_1], new_first, children(grids, GRID_1)).changed
        assert len(grown) == 2


def test_a_child_left_with_nothing_is_reported_not_dropped(
    grids: dict[str, BaseGeometry],
) -> None:
    kids = children(grids, GRID_1)
    victim = next(iter(sorted(kids)))
    smaller = grids[GRID_1].difference(kids[victim])
    moved = follow_parent(grids[GRID_1], smaller, kids)
    assert moved.emptied == [victim]
    assert victim not in moved.changed


def test_ground_no_child_touches_stays_in_no_child(grids: dict[str, BaseGeometry]) -> None:
    kids = children(grids, GRID_1)
    # An island the grid gains 200 m east of itself: no micro-grid is in front of it.
    _, south, east, _ = grids[GRID_1].bounds
    island = shapely.box(east + 200 * METRE_LON, south, east + 260 * METRE_LON, south + 0.0005)
    moved = follow_parent(grids[GRID_1], grids[GRID_1].union(island), kids)
    assert moved.changed == {} and moved.emptied == []


def test_an_unmoved_parent_moves_no_child(grids: dict[str, BaseGeometry]) -> None:
    assert follow_parent(grids[GRID_1], grids[GRID_1], children(grids, GRID_1)).changed == {}
