"""The locator's cell index against Shapely's exact predicates on synthetic tilings.

Tilings are nested Voronoi partitions clipped to a box, plus the awkward shapes of
``tests/awkward.py`` (holes, multipart areas, slivers); points are random, on vertices and
exactly on edges, so the smallest-code rule on shared boundaries is exercised at every level.
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPoint
from shapely.geometry.base import BaseGeometry

from geo.areas import LEVELS, AreaRecord, Level
from geo.locate import Locator
from geo.locate.exact import orient
from tests import awkward

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def record(code: str, level: Level, geom: BaseGeometry, parent: str | None) -> AreaRecord:
    kind = "basic" if level in (Level.GRID, Level.MICRO_GRID) else None
    return AreaRecord(
        code, level, f"{level.value} {code}", geom, parent, kind, None, {}, 1, T0, None
    )


def split(parent: BaseGeometry, n: int, rng: np.random.Generator) -> list[BaseGeometry]:
    """``parent`` cut into about ``n`` Voronoi cells on a 1e-7-degree grid."""
    if n == 1:
        return [parent]
    minx, miny, maxx, maxy = parent.bounds
    seeds = rng.uniform([minx, miny], [maxx, maxy], size=(8 * n, 2))
    seeds = seeds[shapely.contains_xy(parent, seeds[:, 0], seeds[:, 1])][:n]
    cells = shapely.voronoi_polygons(MultiPoint(np.round(seeds, 6)), extend_to=parent)
    parts = shapely.set_precision(shapely.intersection(np.array(cells.geoms), parent), 1e-7)
    return [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty]


def tiling(
    fan: tuple[int, ...], seed: int, box: tuple[float, float, float, float]
) -> list[AreaRecord]:
    rng = np.random.default_rng(seed)
    out: list[AreaRecord] = []
    parents: list[tuple[str | None, BaseGeometry]] = [(None, shapely.box(*box))]
    for level, n in zip(LEVELS, fan, strict=True):
        children: list[tuple[str | None, BaseGeometry]] = []
        for code, geom in parents:
            for i, part in enumerate(split(geom, n, rng)):
                child = (code or "330") + f"{i + 1:03d}"
                out.append(record(child, level, part, code))
                children.append((child, part))
        parents = children
    return out


def truth(areas: list[AreaRecord], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per level the smallest-code area that covers each point (GEOS, exact), or -1."""
    points = shapely.points(x, y)
    result = np.full((len(LEVELS), x.size), -1, dtype=np.int64)
    for depth, level in enumerate(LEVELS):
        geoms = sorted((a for a in areas if a.level is level), key=lambda a: a.code)
        tree = shapely.STRtree([a.geometry for a in geoms])
        pt, area = tree.query(points, predicate="intersects")
        best = np.full(x.size, np.iinfo(np.int64).max)
        np.minimum.at(best, pt, area)
        result[depth] = np.where(best == np.iinfo(np.int64).max, -1, best)
    return result


def exactly_on_edges(areas: list[AreaRecord], n: int, rng: np.random.Generator) -> np.ndarray:
    """Vertices, and edge midpoints that are exactly on their edge in binary floating point."""
    coords = np.concatenate([shapely.get_coordinates(a.geometry) for a in areas])
    pick = rng.choice(coords.shape[0] - 1, size=min(n, coords.shape[0] - 1), replace=False)
    mids = (coords[pick] + coords[pick + 1]) / 2
    on = [
        m for m, a, b in zip(mids, coords[pick], coords[pick + 1], strict=True)
        if (Fraction(b[0]) - Fraction(a[0])) * (Fraction(m[1]) - Fraction(a[1]))
        == (Fraction(b[1]) - Fraction(a[1])) * (Fraction(m[0]) - Fraction(a[0]))
    ]  # fmt: skip
    return np.concatenate([coords[pick], np.array(on).reshape(-1, 2)])


def random_points(areas: list[AreaRecord], n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = shapely.total_bounds([a.geometry for a in areas])
    pad = 0.05 * max(maxx - minx, maxy - miny)
    return rng.uniform([minx - pad, miny - pad], [maxx + pad, maxy + pad], size=(n, 2))


def assert_exact(areas: list[AreaRecord], points: np.ndarray, cell_m: float = 10.0) -> None:
    locator = Locator(areas, 1, cell_m=cell_m)
    found = locator.locate(points[:, 0], points[:, 1])
    expected = truth(areas, points[:, 0], points[:, 1])
    for depth, level in enumerate(LEVELS):
        wrong = np.flatnonzero(found[depth] != expected[depth])
        assert wrong.size == 0, f"{level.value}: {wrong.size} wrong, e.g. {points[wrong[:3]]}"


@pytest.fixture(scope="module")
def nested() -> list[AreaRecord]:
    return tiling((2, 3, 4, 3, 4), seed=7, box=(120.70, 30.70, 120.76, 30.75))


@pytest.mark.parametrize("cell_m", [3.0, 10.0, 40.0])
def test_random_vertex_and_edge_points_match_geos(nested: list[AreaRecord], cell_m: float) -> None:
    rng = np.random.default_rng(1)
    points = np.concatenate(
        [random_points(nested, 30_000, rng), exactly_on_edges(nested, 4_000, rng)]
    )
    assert_exact(nested, points, cell_m=cell_m)


def test_shared_vertices_go_to_the_smallest_code(nested: list[AreaRecord]) -> None:
    micro = sorted((a for a in nested if a.level is Level.MICRO_GRID), key=lambda a: a.code)
    first, second = micro[0].geometry, micro[1].geometry
    shared = shapely.get_coordinates(shapely.intersection(first.boundary, second.boundary))
    assert shared.size
    locator = Locator(nested, 1)
    codes = locator.codes(shared[:, 0], shared[:, 1])[Level.MICRO_GRID]
    assert set(codes) == {micro[0].code}


def test_points_of_a_community_without_grids_keep_the_community() -> None:
    district = record("330402", Level.DISTRICT, shapely.box(120.70, 30.70, 120.72, 30.72), None)
    street = record("330402001", Level.STREET, district.geometry, "330402")
    community = record("330402001001", Level.COMMUNITY, street.geometry, "330402001")
    grid = record("330402001001001", Level.GRID, shapely.box(120.70, 30.70, 120.71, 30.72),
                  "330402001001")  # fmt: skip
    locator = Locator([district, street, community, grid], 1)
    chain = locator.chain(120.715, 30.71)
    community_found = chain[Level.COMMUNITY]
    assert community_found is not None and community_found.code == "330402001001"
    assert chain[Level.GRID] is None and chain[Level.MICRO_GRID] is None
    assert all(a is None for a in locator.chain(120.75, 30.71).values())


@pytest.mark.parametrize("name", [*sorted(awkward.VALID), "tiny_sliver"])
def test_awkward_shapes(name: str) -> None:
    geom = awkward.VALID.get(name, awkward.tiny_sliver)
    district = record("330402", Level.DISTRICT, geom, None)
    rng = np.random.default_rng(3)
    points = np.concatenate(
        [random_points([district], 20_000, rng), exactly_on_edges([district], 500, rng)]
    )
    assert_exact([district], points, cell_m=5.0)


def test_overlapping_areas_answer_the_smallest_code() -> None:
    """The store does not forbid overlapping siblings; the smallest code must still win."""
    a = record("330402", Level.DISTRICT, shapely.box(120.70, 30.70, 120.72, 30.72), None)
    b = record("330401", Level.DISTRICT, shapely.box(120.71, 30.71, 120.73, 30.73), None)
    c = record("330403", Level.DISTRICT, shapely.Point(120.715, 30.715).buffer(0.004), None)
    rng = np.random.default_rng(4)
    areas = [a, b, c]
    points = np.concatenate([random_points(areas, 20_000, rng), exactly_on_edges(areas, 300, rng)])
    assert_exact(areas, points, cell_m=30.0)


def test_nan_and_far_points_are_covered_by_nothing(nested: list[AreaRecord]) -> None:
    locator = Locator(nested, 1)
    found = locator.locate([np.nan, 0.0, 179.9, 120.72], [30.72, np.nan, -89.0, 89.0])
    assert (found == -1).all()


def test_empty_locator_answers_nothing() -> None:
    locator = Locator([], 0)
    assert len(locator) == 0
    assert (locator.locate([120.7], [30.7]) == -1).all()


@pytest.mark.parametrize("cell_m", [3.0, 20.0])
def test_locate_one_agrees_with_the_batch(nested: list[AreaRecord], cell_m: float) -> None:
    locator = Locator(nested, 1, cell_m=cell_m)
    rng = np.random.default_rng(5)
    points = np.concatenate([random_points(nested, 2_000, rng), exactly_on_edges(nested, 800, rng)])
    batch = locator.locate(points[:, 0], points[:, 1])
    for i, (x, y) in enumerate(points):
        assert locator.locate_one(float(x), float(y)) == batch[:, i].tolist()


def test_orient_is_exact_where_floats_are_not() -> None:
    # c lies 1 ulp off the line a-b: the float determinant underflows to 0 here.
    a = np.array([120.1]), np.array([30.1])
    b = np.array([120.3]), np.array([30.3])
    mid = np.nextafter(120.2, 121.0)
    sign = orient(a[0], a[1], b[0], b[1], np.array([mid]), np.array([30.2]))
    expected = (Fraction(120.3) - Fraction(120.1)) * (Fraction(30.2) - Fraction(30.1)) - (
        Fraction(30.3) - Fraction(30.1)
    ) * (Fraction(mid) - Fraction(120.1))
    assert int(sign[0]) == (expected > 0) - (expected < 0)
