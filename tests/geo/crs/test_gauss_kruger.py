"""Metric areas and lengths in CGCS2000 3-degree Gauss-Kruger zones, against pyproj's geodesic."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import shapely

from geo.crs import area_m2, areas_m2, gk_crs, gk_zone, length_m, to_gk
from geo.errors import InvalidInputError

GEOD = pyproj.Geod(ellps="GRS80")


def central_meridian(crs: pyproj.CRS) -> float:
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    return float(params["Longitude of natural origin"])


def test_gk_zone_jiaxing():
    assert gk_zone(120.75) == 40
    assert central_meridian(gk_crs(40)) == 120.0


def test_gk_zone_edges_round_half_up():
    assert gk_zone(121.5) == 41
    assert gk_zone(124.5) == 42
    with pytest.raises(InvalidInputError):
        gk_zone(math.nan)


@pytest.mark.parametrize("zone", [*range(25, 46), 20, 50])
def test_gk_crs_central_meridian(zone):
    crs = gk_crs(zone)
    assert central_meridian(crs) == 3 * zone
    # The CGCS2000 ellipsoid is GRS80 to within 0.1 mm on the semi-minor axis.
    assert crs.ellipsoid.semi_major_metre == 6378137.0
    assert crs.ellipsoid.inverse_flattening == pytest.approx(298.257222101)


def test_gk_crs_uses_epsg_codes():
    assert gk_crs(25).to_epsg() == 4534
    assert gk_crs(40).to_epsg() == 4549
    assert gk_crs(45).to_epsg() == 4554


def test_area_matches_geodesic():
    square = shapely.box(120.745, 30.745, 120.755, 30.755)
    geodesic = abs(GEOD.geometry_area_perimeter(square)[0])
    assert area_m2(square) == pytest.approx(geodesic, rel=1e-3)


def test_length_of_meridian_segment():
    segment = shapely.LineString([(120.75, 30.75), (120.75, 30.76)])
    assert length_m(segment) == pytest.approx(1109.0, abs=2.0)
    assert length_m(segment) == pytest.approx(GEOD.geometry_length(segment), rel=1e-3)


def test_to_gk_zone_and_empty():
    point = to_gk(shapely.Point(120.0, 30.0))
    assert point.x == pytest.approx(500_000.0)  # on the central meridian, no zone prefix
    assert to_gk(shapely.Point(120.0, 30.0), zone=41).x < 500_000.0
    assert to_gk(shapely.Polygon()).is_empty


def test_areas_vectorised_matches_single():
    boxes = [shapely.box(120.7 + i * 0.01, 30.7, 120.71 + i * 0.01, 30.71) for i in range(10)]
    np.testing.assert_allclose(areas_m2(boxes), [area_m2(b) for b in boxes], rtol=1e-9)
    assert areas_m2([]).shape == (0,)
    assert areas_m2([shapely.Polygon(), boxes[0]])[0] == 0.0
