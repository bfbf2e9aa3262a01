"""Tile arithmetic, layer parsing and simplification tolerances (pure functions)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.errors import InvalidInputError, NotFoundError
from tiles.layers import EXTENT, LAYERS, parse_layers, simplify_tolerance_deg
from tiles.tms import (
    MAX_LAT,
    LonLatBox,
    Tile,
    lonlat_to_mercator,
    mercator_to_lonlat,
    tiles_covering,
)

lons = st.floats(-180, 180, allow_nan=False)
lats = st.floats(-MAX_LAT, MAX_LAT, allow_nan=False)
zooms = st.integers(0, 22)
zooms_with_neighbours = st.integers(1, 22)


@given(lons, lats)
def test_mercator_round_trips(lon: float, lat: float) -> None:
    x, y = lonlat_to_mercator(np.array([lon]), np.array([lat]))
    back_lon, back_lat = mercator_to_lonlat(x, y)
    assert back_lon[0] == pytest.approx(lon, abs=1e-9)
    assert back_lat[0] == pytest.approx(lat, abs=1e-9)


@given(lons, lats, zooms)
def test_the_tile_covering_a_point_contains_it(lon: float, lat: float, z: int) -> None:
    columns, rows = tiles_covering(LonLatBox(lon, lat, lon, lat), z)
    assert len(columns) == 1 and len(rows) == 1
    box = Tile(z, columns[0], rows[0]).lonlat_bounds()
    assert box.west - 1e-9 <= lon <= box.east + 1e-9
    assert box.south - 1e-9 <= lat <= box.north + 1e-9


@given(zooms_with_neighbours, st.data())
def test_neighbouring_tiles_share_their_edges(z: int, data: st.DataObject) -> None:
    x = data.draw(st.integers(0, (1 << z) - 2))
    y = data.draw(st.integers(0, (1 << z) - 1))
    left, right = Tile(z, x, y).mercator_bounds(), Tile(z, x + 1, y).mercator_bounds()
    assert left.maxx == pytest.approx(right.minx, abs=1e-6)
    assert left.maxy == pytest.approx(right.maxy, abs=1e-6)


def test_bounds_match_st_tile_envelope() -> None:
    # SELECT ST_AsText(ST_TileEnvelope(10, 855, 420)) on PostGIS 3.3
    box = Tile(10, 855, 420).mercator_bounds()
    assert (box.minx, box.miny) == pytest.approx((13423565.159, 3561354.022), abs=0.001)
    assert (box.maxx, box.maxy) == pytest.approx((13462700.918, 3600489.780), abs=0.001)


@pytest.mark.parametrize(
    ("z", "x", "y", "field"),
    [(-1, 0, 0, "z"), (25, 0, 0, "z"), (3, 8, 0, "x"), (3, 0, -1, "y"), (0, 0, 1, "y")],
)
def test_bad_tiles_name_the_field(z: int, x: int, y: int, field: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        Tile.checked(z, x, y)
    assert err.value.field == field


def test_layers_parse_in_order_without_repeats() -> None:
    assert [s.name for s in parse_layers("micro_grids,grids,micro_grids")] == [
        "micro_grids",
        "grids",
    ]
    for bad in ("nope", "grids,", ",", "grids,bogus"):
        with pytest.raises(NotFoundError) as err:
            parse_layers(bad)
        assert err.value.field == "layer"


def test_every_layer_has_a_sensible_zoom_range() -> None:
    for spec in LAYERS.values():
        assert 0 <= spec.minzoom <= spec.maxzoom <= 22
    assert LAYERS["districts"].minzoom < LAYERS["micro_grids"].minzoom
    assert not LAYERS["reports"].cached


@given(st.integers(0, 22))
def test_tolerance_is_one_tile_unit(z: int) -> None:
    unit_deg = 360.0 / (1 << z) / EXTENT
    assert math.isclose(simplify_tolerance_deg(z), unit_deg)
