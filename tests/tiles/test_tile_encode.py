"""Encoding awkward geometries into MVT the way PostGIS does: clipped, snapped, valid."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from tests import awkward
from tests.tiles.conftest import decode, properties
from tiles.encode import encode_layer, point_tile_coords, to_tile_geometries
from tiles.layers import BUFFER, EXTENT
from tiles.tms import LonLatBox, Tile, tiles_covering


def tile_around(geom: BaseGeometry, z: int) -> Tile:
    """The tile holding the whole geometry at the deepest zoom <= ``z`` where one does."""
    west, south, east, north = geom.bounds
    while True:
        columns, rows = tiles_covering(LonLatBox(west, south, east, north), z)
        if len(columns) == len(rows) == 1:
            return Tile(z, columns[0], rows[0])
        z -= 1


def encoded(geom: BaseGeometry, tile: Tile, name: str = "x") -> dict[str, BaseGeometry]:
    shapes = to_tile_geometries(np.array([geom], dtype=object), tile)
    return decode(encode_layer("l", list(shapes), [{"code": name}])).get("l", {})


@pytest.mark.parametrize("name", sorted(awkward.VALID))
def test_valid_shapes_survive_as_valid_polygons(name: str) -> None:
    geom = awkward.VALID[name]
    tile = tile_around(geom, 12)
    shape = encoded(geom, tile)["x"]
    assert shape.is_valid and shape.geom_type in ("Polygon", "MultiPolygon")
    assert len(shapely.get_parts(shape)) == len(shapely.get_parts(geom))
    if name == "with_hole":
        assert isinstance(shape, Polygon) and len(shape.interiors) == 1


def test_a_sliver_below_one_unit_disappears_and_the_tile_is_empty() -> None:
    tile = tile_around(awkward.tiny_sliver, 12)
    shapes = to_tile_geometries(np.array([awkward.tiny_sliver], dtype=object), tile)
    assert encode_layer("l", list(shapes), [{"code": "s"}]) == b""


def test_a_large_area_is_clipped_to_the_buffered_tile() -> None:
    big = shapely.box(120.0, 30.0, 121.5, 31.5)
    tile = tile_around(shapely.Point(120.755, 30.755), 14)
    shape = encoded(big, tile)["x"]
    assert shape.bounds == (-BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)


def test_properties_keep_values_and_leave_out_nulls() -> None:
    tile = tile_around(awkward.square, 12)
    shapes = to_tile_geometries(np.array([awkward.square], dtype=object), tile)
    data = encode_layer("grids", list(shapes), [{"code": "1", "name": "甲", "kind": None}])
    assert properties(data) == {"grids": [{"code": "1", "name": "甲"}]}


def test_points_outside_the_buffer_are_masked() -> None:
    tile = Tile(16, 54749, 26880)
    box = tile.lonlat_bounds()
    lon = np.array([(box.west + box.east) / 2, box.east + 1.0])
    lat = np.array([(box.south + box.north) / 2, box.north])
    tx, ty, inside = point_tile_coords(lon, lat, tile)
    assert inside.tolist() == [True, False]
    assert abs(tx[0] - EXTENT / 2) <= 1 and abs(ty[0] - EXTENT / 2) <= 1
