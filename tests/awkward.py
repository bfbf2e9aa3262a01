"""Awkward geometries that validation, topology and tile tests parametrise over."""

from __future__ import annotations

from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon

# A square in Jiaxing (南湖区), lon/lat EPSG:4490.
X0, Y0 = 120.76, 30.74
D = 0.01

square = Polygon([(X0, Y0), (X0 + D, Y0), (X0 + D, Y0 + D), (X0, Y0 + D)])
with_hole = Polygon(
    square.exterior.coords,
    [[(X0 + 0.3 * D, Y0 + 0.3 * D), (X0 + 0.6 * D, Y0 + 0.3 * D), (X0 + 0.6 * D, Y0 + 0.6 * D)]],
)
multipart = MultiPolygon(
    [square, Polygon([(X0 + 2 * D, Y0), (X0 + 3 * D, Y0), (X0 + 3 * D, Y0 + D)])]
)
tiny_sliver = Polygon([(X0, Y0), (X0 + D, Y0), (X0 + D, Y0 + 1e-9)])

# Invalid or wrong-typed geometries that every writer must refuse.
bow_tie = Polygon([(X0, Y0), (X0 + D, Y0 + D), (X0 + D, Y0), (X0, Y0 + D)])
empty = Polygon()
point = Point(X0, Y0)
line = LineString([(X0, Y0), (X0 + D, Y0 + D)])
collection = GeometryCollection([square, point])
outside_china = Polygon([(2.35, 48.85), (2.36, 48.85), (2.36, 48.86)])
swapped_axes = Polygon([(Y0, X0), (Y0 + D, X0), (Y0 + D, X0 + D)])

VALID = {"square": square, "with_hole": with_hole, "multipart": multipart}
INVALID = {
    "bow_tie": bow_tie,
    "empty": empty,
    "point": point,
    "line": line,
    "collection": collection,
    "outside_china": outside_china,
    "swapped_axes": swapped_axes,
}
