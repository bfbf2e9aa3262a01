"""Both renderers give the same features: PostGIS SQL and Python, over the same demo city.

The Python renderer runs on any store, so on PostGIS the two are compared tile by tile over
one database; on SQLite the Python renderer is checked against Shapely directly.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry.base import BaseGeometry

from geo.areas import Level
from geo.stores import Store
from tests.tiles.conftest import decode, properties
from tiles.embedded import EmbeddedRenderer, search_box
from tiles.layers import LAYERS, LayerSpec
from tiles.postgis import PostgisRenderer
from tiles.service import Renderer
from tiles.tms import LonLatBox, Tile, tiles_covering

# 南湖区 centre, and a point on the border of two streets of 南湖区.
POINTS = [(120.7615, 30.7493), (120.8321, 30.7089)]
ZOOMS = {
    "districts": (8, 10, 12),
    "streets": (10, 12),
    "communities": (11, 13),
    "grids": (12, 14),
    "micro_grids": (14, 16),
    "addresses": (15, 16),
}
CASES = [(name, z, lon, lat) for name, zooms in ZOOMS.items() for z in zooms for lon, lat in POINTS]
SLIVER_UNITS2 = 16.0  # a feature this small may fall either side of the buffer's edge


def tile_at(lon: float, lat: float, z: int) -> Tile:
    columns, rows = tiles_covering(LonLatBox(lon, lat, lon, lat), z)
    return Tile(z, columns[0], rows[0])


def render(renderer: Renderer, store: Store, spec: LayerSpec, tile: Tile) -> bytes:
    with store.engine.connect() as conn:
        return renderer.render(conn, spec, tile, as_of=None, scope=None)


def assert_close(code: str, a: BaseGeometry, b: BaseGeometry) -> None:
    if a.geom_type == "Point":
        assert a.distance(b) <= 1.0, code
        return
    # Two Douglas-Peucker implementations and two snappers may each move an edge by a unit.
    allowed = max(a.length, b.length) * 1.0 + SLIVER_UNITS2
    assert a.symmetric_difference(b).area <= allowed, code


@pytest.mark.parametrize("city_store", ["postgis"], indirect=True)
@pytest.mark.parametrize(("layer", "z", "lon", "lat"), CASES)
def test_postgis_and_python_draw_the_same_features(
    city_store: Store, layer: str, z: int, lon: float, lat: float
) -> None:
    spec, tile = LAYERS[layer], tile_at(lon, lat, z)
    in_sql = render(PostgisRenderer(), city_store, spec, tile)
    in_python = render(EmbeddedRenderer(), city_store, spec, tile)
    sql, py = decode(in_sql).get(layer, {}), decode(in_python).get(layer, {})
    assert sql, f"no {layer} in {tile}: pick a tile with features"
    for code in sql.keys() ^ py.keys():
        shape = sql.get(code) or py[code]
        assert shape.area <= SLIVER_UNITS2, f"{code} drawn by one renderer only"
    for code in sql.keys() & py.keys():
        assert_close(code, sql[code], py[code])
    by_code = {p["code"]: p for p in properties(in_sql)[layer]}
    for props in properties(in_python)[layer]:
        assert by_code.get(props["code"], props) == props


@pytest.mark.parametrize("city_store", ["sqlite"], indirect=True)
@pytest.mark.parametrize("layer", ["streets", "communities", "grids", "micro_grids"])
def test_the_embedded_store_draws_what_shapely_sees(city_store: Store, layer: str) -> None:
    spec = LAYERS[layer]
    assert spec.level is not None
    areas = city_store.current_areas(Level(spec.level))
    for lon, lat in POINTS:
        tile = tile_at(lon, lat, max(spec.minzoom, 13))
        drawn = set(decode(render(EmbeddedRenderer(), city_store, spec, tile)).get(layer, {}))
        box = search_box(tile)
        reach = shapely.box(box.west, box.south, box.east, box.north)
        geoms = np.array([a.geometry for a in areas], dtype=object)
        hits = shapely.intersects(geoms, reach)
        expected = {a.code for a, hit in zip(areas, hits, strict=True) if hit}
        inner = tile.lonlat_bounds()
        core = shapely.box(inner.west, inner.south, inner.east, inner.north)
        surely = {
            a.code
            for a in areas
            if a.code in expected
            and a.geometry.intersects(core)
            and a.geometry.intersection(core).area > 1e-9
        }
        assert surely <= drawn <= expected
