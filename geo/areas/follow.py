"""Children that follow their parent's moved boundary: the geometry of it.

When mapping staff move a grid's edge, the micro-grids along that edge must move with it, or
the edit leaves them sticking out (refused) or leaves a strip of the grid in no micro-grid. The
shared edge is one edge: a child keeps what of it lies inside the new parent, and the ground
the parent gains is shared out among the children along the old edge, each taking the part in
front of it. Where two children meet on the old edge, the line between them is continued
straight into the gained ground (or square to the edge when it would run along it), which is
how a surveyor would extend a partition.

Pure geometry on lon/lat (EPSG:4490) polygons; sizes in m² are measured in the Gauss-Kruger
zone of the data.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo.crs import area_m2

__all__ = ["FollowResult", "follow_parent"]

# About 1 mm in degrees: how far apart two boundaries may be and still be one edge (the sample
# data and most survey files round lon/lat to 7 decimals, about 1 cm).
EDGE_EPS_DEG = 1e-8
TOUCH_EPS_DEG = 2e-7
SNAP_DEG = 1e-7
# A child touching gained ground along less than this (about 10 cm) only meets it at a corner.
MIN_FRONT_DEG = 1e-6
# A part of a changed child smaller than this is noise of the overlay, not territory.
SLIVER_M2 = 0.05
# Below this angle to the old edge, a continued partition line would run along the edge:
# it is turned square to the edge instead.
MIN_CUT_ANGLE_DEG = 30.0


@dataclass
class FollowResult:
    """What the children become: new shapes of those that change, and those left with nothing."""

    changed: dict[str, BaseGeometry] = field(default_factory=dict)
    emptied: list[str] = field(default_factory=list)


def follow_parent(
    old_parent: BaseGeometry,
    new_parent: BaseGeometry,
    children: Mapping[str, BaseGeometry],
) -> FollowResult:
    """New shapes of the children of a parent whose boundary moved from ``old_parent``.

    Children keep what lies inside ``new_parent``; ground the parent gains goes to the children
    along the old edge in front of it. Children away from the moved edge are unchanged and not
    listed. A gained part no child touches (the parent had a gap there) stays in no child.

    Examples
    --------
    >>> from shapely import box
    >>> kids = {"a": box(0, 0, 1, 1), "b": box(1, 0, 2, 1)}
    >>> moved = follow_parent(box(0, 0, 2, 1), box(0, 0, 2, 1.5), kids)
    >>> sorted(moved.changed), [g.bounds for _, g in sorted(moved.changed.items())]
    (['a', 'b'], [(0.0, 0.0, 1.0, 1.5), (1.0, 0.0, 2.0, 1.5)])
    """
    result = FollowResult()
    if old_parent.equals(new_parent):
        return result
    shapely.prepare(new_parent)
    clipped: dict[str, BaseGeometry] = {}
    for code, child in children.items():
        inside = child if new_parent.covers(child) else _polygonal(child.intersection(new_parent))
        clipped[code] = inside
    gained = _polygonal(new_parent.difference(old_parent))
    shares: dict[str, list[BaseGeometry]] = {code: [] for code in children}
    for piece in shapely.get_parts(gained):
        if area_m2(piece) < SLIVER_M2:
            continue
        for code, part in _share_out(piece, old_parent, clipped).items():
            shares[code].append(part)
    for code, child in children.items():
        merged = _clean(_join(clipped[code], shares[code]))
        if merged.is_empty or area_m2(merged) < SLIVER_M2:
            result.emptied.append(code)
        elif area_m2(merged.symmetric_difference(child)) >= SLIVER_M2:
            result.changed[code] = merged
    return result


def _join(kept: BaseGeometry, gained: list[BaseGeometry]) -> BaseGeometry:
    """A child's kept part and the gained parts in front of it, as one shape.

    The gained parts were snapped onto the children's vertices (see :func:`_share_out`); should
    a node still sit a rounding error apart, a fixed-precision overlay joins them.
    """
    if not gained:
        return kept
    if kept.is_empty:
        return shapely.union_all(gained)
    merged = shapely.union_all([kept, *gained])
    if len(shapely.get_parts(merged)) > len(shapely.get_parts(kept)):
        # Still apart at some node: let a fixed-precision overlay (0.1 mm) join them.
        merged = shapely.union_all([kept, *gained], grid_size=EDGE_EPS_DEG / 10)
    return merged


def _share_out(
    piece: BaseGeometry, old_parent: BaseGeometry, clipped: Mapping[str, BaseGeometry]
) -> dict[str, BaseGeometry]:
    """One connected part of the gained ground, divided among the children in front of it."""
    near = piece.buffer(TOUCH_EPS_DEG)
    along = {
        code: geom.boundary.intersection(near).length
        for code, geom in clipped.items()
        if not geom.is_empty and geom.intersects(near)
    }
    front = {code for code, length in along.items() if length > MIN_FRONT_DEG}
    if not front:
        return {}
    if len(front) == 1:
        return {next(iter(front)): piece}
    cuts = _partition_lines(piece, old_parent, {c: clipped[c] for c in sorted(front)})
    faces = [
        f
        for f in shapely.get_parts(shapely.polygonize([shapely.union_all([piece.boundary, *cuts])]))
        if piece.covers(f.representative_point())
    ]
    # The overlay puts new nodes a rounding error off the children's corners: snap the faces
    # onto the children's own vertices, all against the same ones, so that faces and children
    # share edges exactly.
    corners = np.unique(
        np.concatenate([shapely.get_coordinates(clipped[c]) for c in sorted(front)]), axis=0
    )
    faces = [_snap_vertices(face, corners) for face in faces]
    owned: dict[str, list[BaseGeometry]] = {}
    for face in faces:
        owner = _owner(face, {c: clipped[c] for c in front})
        owned.setdefault(owner, []).append(face)
    return {code: shapely.union_all(parts) for code, parts in owned.items()}


def _snap_vertices(geom: BaseGeometry, corners: np.ndarray) -> BaseGeometry:
    """``geom`` with each vertex within :data:`SNAP_DEG` of a corner moved onto it exactly.

    GEOS's own snap leaves a vertex alone when the corner is already in the ring, which is
    just the case here (the cut's node beside the corner it starts from).
    """

    def onto_corners(xy: np.ndarray) -> np.ndarray:
        out = xy.copy()
        for i, point in enumerate(xy):
            distances = np.hypot(*(corners - point).T)
            nearest = int(np.argmin(distances))
            if distances[nearest] <= SNAP_DEG:
                out[i] = corners[nearest]
        return out

    moved = shapely.remove_repeated_points(shapely.transform(geom, onto_corners))
    return moved if moved.is_valid else geom


def _partition_lines(
    piece: BaseGeometry, old_parent: BaseGeometry, front: Mapping[str, BaseGeometry]
) -> list[BaseGeometry]:
    """The lines between neighbouring children, continued from the old edge across ``piece``."""
    reach = 2 * math.dist(piece.bounds[:2], piece.bounds[2:]) + 1e-6
    edge = old_parent.boundary
    cuts: list[BaseGeometry] = []
    codes = sorted(front)
    for i, first in enumerate(codes):
        for second in codes[i + 1 :]:
            between = shapely.line_merge(
                _lines(front[first].boundary.intersection(front[second].boundary))
            )
            for line in shapely.get_parts(between):
                for end, inner in _ends(line):
                    if edge.distance(end) > TOUCH_EPS_DEG or piece.distance(end) > TOUCH_EPS_DEG:
                        continue
                    cut = _cut_from(end, inner, edge, piece, reach)
                    if cut is not None:
                        cuts.append(cut)
    return cuts


def _ends(line: BaseGeometry) -> list[tuple[Point, tuple[float, float]]]:
    """A line's two ends, each with the vertex next to it (the direction it arrives from)."""
    coords = [(float(x), float(y)) for x, y in shapely.get_coordinates(line)]
    if len(coords) < 2:
        return []
    return [(Point(coords[0]), coords[1]), (Point(coords[-1]), coords[-2])]


def _cut_from(
    end: Point,
    inner: tuple[float, float],
    edge: BaseGeometry,
    piece: BaseGeometry,
    reach: float,
) -> BaseGeometry | None:
    dx, dy = end.x - inner[0], end.y - inner[1]
    norm = math.hypot(dx, dy)
    if norm == 0:
        return None
    dx, dy = dx / norm, dy / norm
    tx, ty = _edge_direction(edge, end)
    if abs(dx * tx + dy * ty) > math.cos(math.radians(MIN_CUT_ANGLE_DEG)):
        # The partition meets the edge at a glancing angle: continue it square to the edge,
        # on the side of the gained ground.
        dx, dy = -ty, tx
        probe = Point(end.x + dx * 1e-6, end.y + dy * 1e-6)
        if not piece.buffer(1e-7).covers(probe):
            dx, dy = -dx, -dy
    # Start a little behind the edge so the cut crosses it even when the children's corner
    # lies a rounding error off the edge; the part outside the gained ground is dropped.
    back = 1e-6
    ray = LineString(
        [(end.x - dx * back, end.y - dy * back), (end.x + dx * reach, end.y + dy * reach)]
    )
    inside = ray.intersection(piece.buffer(EDGE_EPS_DEG))
    parts = [p for p in shapely.get_parts(_lines(inside)) if p.distance(end) < TOUCH_EPS_DEG * 10]
    if not parts:
        return None
    return _extend_ends(min(parts, key=lambda p: p.distance(end)), back)


def _extend_ends(line: BaseGeometry, by: float) -> BaseGeometry:
    """A line a little longer at both ends, so that it crosses the boundary it stops at."""
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    length = math.hypot(x1 - x0, y1 - y0)
    if length == 0:
        return line
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    return LineString([(x0 - ux * by, y0 - uy * by), (x1 + ux * by, y1 + uy * by)])


def _edge_direction(edge: BaseGeometry, at: Point) -> tuple[float, float]:
    """The unit direction of the boundary segment nearest to ``at``."""
    best: tuple[float, tuple[float, float]] = (math.inf, (1.0, 0.0))
    for ring in shapely.get_parts(edge):
        coords = shapely.get_coordinates(ring)
        for (x0, y0), (x1, y1) in itertools.pairwise(coords):
            segment = LineString([(x0, y0), (x1, y1)])
            distance = segment.distance(at)
            length = math.hypot(x1 - x0, y1 - y0)
            if distance < best[0] and length > 0:
                best = (distance, ((x1 - x0) / length, (y1 - y0) / length))
    return best[1]


def _owner(face: BaseGeometry, front: Mapping[str, BaseGeometry]) -> str:
    """The child sharing the longest boundary with a face (the nearest when none touches)."""
    near = face.buffer(TOUCH_EPS_DEG)
    along = {code: geom.boundary.intersection(near).length for code, geom in front.items()}
    best = max(sorted(along), key=lambda c: along[c])
    if along[best] > MIN_FRONT_DEG:
        return best
    spot = face.representative_point()
    return min(sorted(front), key=lambda c: front[c].distance(spot))


def _lines(geom: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("LineString", "MultiLineString")]
    return shapely.union_all(parts) if parts else LineString()


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon | MultiPolygon)]
    return shapely.union_all(parts) if parts else Polygon()


def _clean(geom: BaseGeometry) -> BaseGeometry:
    """Polygons only, without the hair-thin parts and pinholes an overlay leaves on an edge."""
    kept: list[Polygon] = []
    for part in shapely.get_parts(_polygonal(geom)):
        if area_m2(part) < SLIVER_M2:
            continue
        holes = [ring for ring in part.interiors if area_m2(Polygon(ring)) >= SLIVER_M2]
        kept.append(Polygon(part.exterior, holes))
    if not kept:
        return Polygon()
    merged = shapely.union_all(kept)
    return merged if merged.is_valid else shapely.make_valid(merged, method="structure")
