"""Exact partitions of a polygon into Voronoi-like cells, on a 1e-7-degree coordinate grid.

Clipping Voronoi cells to a parent one by one and rounding the result does not give an exact
tiling: each cut where a dividing line meets the parent's boundary is a new vertex that the
neighbouring parent (and its children) do not have, and rounding it moves the boundary by up
to a centimetre, i.e. square metres of gap or overlap along a long edge. So the partition here
never adds a vertex to the parent's boundary: a dividing line that reaches the boundary is
moved to end at the nearer existing boundary vertex, and boundaries are densified beforehand
(every shared edge the same way on both sides) so that this move is a few metres at most.
Faces are then formed by polygonizing the parent boundary together with the dividing lines,
so siblings share their edges vertex for vertex and their union is the parent exactly.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

__all__ = [
    "GRID_DEGREES",
    "M_PER_DEG_LAT",
    "M_PER_DEG_LON",
    "PartitionError",
    "densify_coords",
    "densify_polygon",
    "partition",
    "partition_with_retries",
    "polygon_parts",
    "snap",
]

Coords = NDArray[np.float64]

GRID_DEGREES = 1e-7
_GRID_SCALE = 1e7
# Metres per degree at Jiaxing's latitude (30.7°N); constant so that densification, which
# must give both sides of a shared edge the same vertices, never depends on where it is done.
M_PER_DEG_LAT = 110_860.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(30.7))
_METRIC = np.array([M_PER_DEG_LON, M_PER_DEG_LAT])


class PartitionError(RuntimeError):
    """Raised when a set of seeds does not give an exact partition; the caller jitters them."""


def snap(coords: Coords) -> Coords:
    """Round lon/lat to the 1e-7-degree grid. Idempotent, and the same for equal inputs."""
    return np.round(coords * _GRID_SCALE) / _GRID_SCALE


def densify_coords(coords: Coords, spacing_m: float) -> Coords:
    """Insert grid-snapped vertices so that no segment is longer than ``spacing_m``.

    Each segment is densified from its lexicographically smaller end, so a segment shared by
    two polygons (walked in opposite directions) gets exactly the same new vertices in both.
    """
    if len(coords) < 2:
        return coords
    a, b = coords[:-1], coords[1:]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    p = np.where(swap[:, None], b, a)
    q = np.where(swap[:, None], a, b)
    lengths = np.hypot(*((q - p) * _METRIC).T)
    n = np.maximum(1, np.ceil(lengths / spacing_m)).astype(np.int64)
    seg = np.repeat(np.arange(len(a)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    j = np.where(swap[seg], n[seg] - k, k)
    t = (j / n[seg])[:, None]
    inner = snap(p[seg] + (q[seg] - p[seg]) * t)
    points = np.where((k == 0)[:, None], a[seg], inner)
    return np.vstack([points, coords[-1:]])


def polygon_parts(geom: BaseGeometry) -> list[Polygon]:
    """The polygons of a Polygon or MultiPolygon, in order."""
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    raise TypeError(f"expected a (multi)polygon, got {geom.geom_type}")


def densify_polygon(geom: BaseGeometry, spacing_m: float) -> BaseGeometry:
    """Snap a (multi)polygon to the grid and densify every ring (see :func:`densify_coords`)."""
    parts = []
    for poly in polygon_parts(geom):
        shell = densify_coords(snap(np.asarray(poly.exterior.coords)), spacing_m)
        holes = [densify_coords(snap(np.asarray(r.coords)), spacing_m) for r in poly.interiors]
        parts.append(Polygon(shell, holes))
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _boundary_segments(parent: BaseGeometry) -> tuple[Coords, Coords]:
    starts, ends = [], []
    for poly in polygon_parts(parent):
        for ring in (poly.exterior, *poly.interiors):
            c = np.asarray(ring.coords)
            starts.append(c[:-1])
            ends.append(c[1:])
    return np.vstack(starts), np.vstack(ends)


def _dividing_lines(parent: BaseGeometry, seeds: Coords) -> list[Coords]:
    """Voronoi edges inside ``parent``, ending on existing boundary vertices, on the grid."""
    edges = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=parent, only_edges=True)
    )
    voronoi_vertices = {tuple(xy) for xy in shapely.get_coordinates(edges).tolist()}
    pieces = shapely.get_parts(shapely.intersection(edges, parent))
    pieces = pieces[(shapely.get_type_id(pieces) == 1) & ~shapely.is_empty(pieces)]
    if len(pieces) == 0:
        return []
    first = shapely.get_coordinates(shapely.get_point(pieces, 0))
    last = shapely.get_coordinates(shapely.get_point(pieces, -1))
    ends = np.stack([first, last], axis=1).reshape(-1, 2)
    interior = np.array([tuple(xy) in voronoi_vertices for xy in ends.tolist()])
    interior &= shapely.contains_xy(parent, ends[:, 0], ends[:, 1])
    # A cut point on the boundary moves to the nearer end of the boundary segment it lies on.
    starts, stops = _boundary_segments(parent)
    crossing = np.flatnonzero(~interior)
    if len(crossing):
        segments = np.asarray(shapely.linestrings(np.stack([starts, stops], axis=1)))
        tree = shapely.STRtree(segments)
        hit = tree.query_nearest(shapely.points(ends[crossing]), all_matches=False)
        seg = np.empty(len(crossing), dtype=np.int64)
        seg[hit[0]] = hit[1]
        x = ends[crossing]
        to_start = np.hypot(*((starts[seg] - x) * _METRIC).T)
        to_stop = np.hypot(*((stops[seg] - x) * _METRIC).T)
        ends[crossing] = np.where((to_start <= to_stop)[:, None], starts[seg], stops[seg])
    ends[interior] = snap(ends[interior])
    segments = ends.reshape(-1, 2, 2)
    keep = np.any(segments[:, 0] != segments[:, 1], axis=1)
    seen: set[tuple[float, ...]] = set()
    lines = []
    for s in segments[keep]:
        key = tuple(sorted((tuple(s[0]), tuple(s[1]))))
        flat = (*key[0], *key[1])
        if flat not in seen:
            seen.add(flat)
            lines.append(s)
    return lines


def _on_grid(geoms: NDArray[np.object_]) -> bool:
    coords = shapely.get_coordinates(geoms)
    return bool(np.array_equal(snap(coords), coords))


def _merge_orphans(faces: NDArray[np.object_], owner: NDArray[np.int64]) -> None:
    """Give each face without a seed to the neighbouring owned face it shares most edge with."""
    boundaries = shapely.boundary(faces)
    tree = shapely.STRtree(faces)
    while (orphans := np.flatnonzero(owner < 0)).size:
        progressed = False
        for i in orphans:
            neighbours = tree.query(faces[i], predicate="intersects")
            neighbours = neighbours[(neighbours != i) & (owner[neighbours] >= 0)]
            if neighbours.size == 0:
                continue
            shared = shapely.length(shapely.intersection(boundaries[i], boundaries[neighbours]))
            if shared.max() <= 0.0:  # touching at a point only: wait for an edge neighbour
                continue
            owner[i] = owner[neighbours[int(np.argmax(shared))]]
            progressed = True
        if not progressed:
            raise PartitionError("a part of the parent holds no seed and touches no cell")


def partition(
    parent: BaseGeometry, seeds: Coords, *, spacing_m: float | None = None
) -> list[BaseGeometry]:
    """Split ``parent`` into one cell per seed, exactly: no gap, no overlap, union = parent.

    ``parent`` must already be on the 1e-7 grid and densified; ``seeds`` (n × 2 lon/lat) lie
    inside it. The cells are Voronoi cells of the seeds, except within a few metres of the
    parent's boundary where dividing lines end on the nearest boundary vertex. With
    ``spacing_m`` the dividing lines are densified too, so the cells can be split again.
    A piece of a Voronoi cell cut off by a concave boundary joins the neighbour it shares the
    longest edge with, so cells are single polygons unless the parent itself is not.

    Raises :class:`PartitionError` when the seeds give a degenerate partition (two seeds in one
    face, dividing lines crossing after the move); jittering the seeds fixes it.
    """
    if len(seeds) == 1:
        return [parent]
    lines = _dividing_lines(parent, seeds)
    if spacing_m is not None:
        lines = [densify_coords(line, spacing_m) for line in lines]
    pieces = np.array([*(shapely.linestrings(line) for line in lines), parent.boundary])
    linework = shapely.union_all(pieces)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(linework)))
    inside = shapely.contains(parent, shapely.point_on_surface(faces))
    faces = faces[inside]
    if not _on_grid(faces):
        raise PartitionError("dividing lines cross each other or the boundary")
    if not math.isclose(float(shapely.area(faces).sum()), parent.area, rel_tol=1e-9):
        raise PartitionError("faces do not cover the parent")
    hits = shapely.STRtree(faces).query(shapely.points(seeds), predicate="within")
    owner = np.full(len(faces), -1, dtype=np.int64)
    if len(np.unique(hits[0])) != len(seeds) or len(np.unique(hits[1])) != len(hits[1]):
        raise PartitionError("a seed has no face of its own")
    owner[hits[1]] = hits[0]
    _merge_orphans(faces, owner)
    cells: list[BaseGeometry] = []
    for i in range(len(seeds)):
        mine = faces[owner == i]
        cell = mine[0] if len(mine) == 1 else shapely.coverage_union_all(mine)
        if cell.is_empty or not cell.is_valid:
            raise PartitionError("a cell came out empty or invalid")
        cells.append(cell)
    return cells


def partition_with_retries(
    parent: BaseGeometry,
    seeds: Coords,
    rng: np.random.Generator,
    *,
    spacing_m: float | None = None,
    jitter_m: float = 5.0,
    attempts: int = 16,
) -> list[BaseGeometry]:
    """:func:`partition`, jittering the seeds (deterministically, from ``rng``) until it works.

    A failure is rare (two Voronoi edges reaching the boundary a metre apart); a move of a few
    metres resolves it without changing the picture.
    """
    shapely.prepare(parent)
    for attempt in range(attempts):
        try:
            return partition(parent, seeds, spacing_m=spacing_m)
        except PartitionError:
            if attempt == attempts - 1:
                raise
            step = rng.normal(0.0, jitter_m * (1 + attempt), size=seeds.shape) / _METRIC
            moved = seeds + step
            inside = shapely.contains_xy(parent, moved[:, 0], moved[:, 1])
            seeds = np.where(inside[:, None], moved, seeds)
    raise AssertionError("unreachable")
