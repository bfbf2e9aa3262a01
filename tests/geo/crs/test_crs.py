"""Tests for geo.crs: reference vectors, round trips, validation and Gauss-Kruger measures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.crs import (
    Crs,
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert,
    convert_point,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    to_cgcs2000,
    validate_lonlat,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.errors import InvalidInputError

ROUND_TRIP = 1e-7  # degrees, ~1 cm

# Input (116.404, 39.915) and outputs from the README of wandergis/coordtransform
# (https://github.com/wandergis/coordtransform), also asserted by hutool's CoordinateUtilTest;
# copied from /work/shared/data/crs/reference_pairs.csv. The wgs84_to_bd09 row is not in that
# README: it is the composition of the two published forward formulas.
REF_IN = (116.404, 39.915)
REF_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
REF_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
REF_WGS84_TO_BD09 = (116.41662724378733, 39.922699552216216)
REF_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)  # usual closed-form inverse
REF_GCJ02_TO_WGS84 = (116.39775550083061, 39.91359571849836)  # one-step approximate inverse

china_lon = st.floats(73.0, 135.0)
china_lat = st.floats(18.0, 53.0)


def max_error(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    return float(max(np.max(np.abs(a[0] - b[0])), np.max(np.abs(a[1] - b[1]))))


# --- reference vectors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "expected"),
    [
        (wgs84_to_gcj02, REF_WGS84_TO_GCJ02),
        (gcj02_to_bd09, REF_GCJ02_TO_BD09),
        (wgs84_to_bd09, REF_WGS84_TO_BD09),
    ],
)
def test_forward_matches_published(func, expected):
    assert max_error(func(*REF_IN), expected) < 1e-9


def test_gcj02_inverse_is_exact_and_near_published_approximation():
    wgs = gcj02_to_wgs84(*REF_IN)
    assert max_error(wgs84_to_gcj02(*wgs), REF_IN) < ROUND_TRIP
    assert max_error(wgs, REF_GCJ02_TO_WGS84) < 5e-5  # the one-step value is metres off


def test_bd09_inverse_is_exact_and_near_published_closed_form():
    gcj = bd09_to_gcj02(*REF_IN)
    assert max_error(gcj02_to_bd09(*gcj), REF_IN) < ROUND_TRIP
    assert max_error(gcj, REF_BD09_TO_GCJ02) < 1e-6


# --- round trips -------------------------------------------------------------------------


@given(china_lon, china_lat)
def test_gcj02_round_trip_scalar(lon, lat):
    assert max_error(gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat)), (lon, lat)) < ROUND_TRIP
    assert max_error(wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat)), (lon, lat)) < ROUND_TRIP


@given(china_lon, china_lat)
def test_bd09_round_trip_scalar(lon, lat):
    assert max_error(bd09_to_gcj02(*gcj02_to_bd09(lon, lat)), (lon, lat)) < ROUND_TRIP
    assert max_error(bd09_to_wgs84(*wgs84_to_bd09(lon, lat)), (lon, lat)) < ROUND_TRIP


@given(st.lists(st.tuples(china_lon, china_lat), min_size=1, max_size=50))
def test_round_trips_array(points):
    lon, lat = np.array(points).T
    assert max_error(gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat)), (lon, lat)) < ROUND_TRIP
    assert max_error(bd09_to_gcj02(*gcj02_to_bd09(lon, lat)), (lon, lat)) < ROUND_TRIP


outside_china = st.one_of(
    st.tuples(st.floats(-180.0, 72.0), st.floats(-90.0, 90.0)),
    st.tuples(st.floats(137.84, 180.0), st.floats(-90.0, 90.0)),
    st.tuples(st.floats(-180.0, 180.0), st.floats(55.83, 90.0)),
    st.tuples(st.floats(-180.0, 180.0), st.floats(-90.0, 0.829)),
)


@given(outside_china)
def test_outside_china_gcj02_is_identity(point):
    assert not in_china(*point)
    assert max_error(wgs84_to_gcj02(*point), point) == 0.0
    assert max_error(gcj02_to_wgs84(*point), point) == 0.0


def test_100k_points_vectorised():
    rng = np.random.default_rng(42)
    lon, lat = rng.uniform(73.0, 135.0, 100_000), rng.uniform(18.0, 53.0, 100_000)
    gcj = wgs84_to_gcj02(lon, lat)
    assert gcj[0].shape == (100_000,)
    assert max_error(gcj02_to_wgs84(*gcj), (lon, lat)) < ROUND_TRIP
    assert max_error(bd09_to_wgs84(*wgs84_to_bd09(lon, lat)), (lon, lat)) < ROUND_TRIP


@pytest.mark.parametrize("src", list(Crs))
@pytest.mark.parametrize("dst", list(Crs))
def test_convert_any_pair_round_trips(src, dst):
    lon, lat = np.array([120.75, 116.404]), np.array([30.75, 39.915])
    there = convert(lon, lat, src=src, dst=dst)
    assert max_error(convert(*there, src=dst, dst=src), (lon, lat)) < ROUND_TRIP


def test_convert_wgs84_and_cgcs2000_are_identical():
    assert convert_point(120.75, 30.75, src=Crs.WGS84, dst=Crs.CGCS2000) == (120.75, 30.75)
    assert max_error(to_cgcs2000(*REF_IN, "gcj02"), gcj02_to_wgs84(*REF_IN)) == 0.0


def test_convert_broadcasts_and_returns_float64():
    lon, lat = convert([120, 121, 122], 30, src="bd09", dst="wgs84")
    assert lon.shape == lat.shape == (3,)
    assert lon.dtype == lat.dtype == np.float64
    assert convert(120, 30, src="gcj02", dst="wgs84")[0].shape == ()


def test_convert_point_returns_floats():
    lon, lat = convert_point(*REF_IN, src="wgs84", dst="gcj02")
    assert type(lon) is float and type(lat) is float
    assert max_error((lon, lat), REF_WGS84_TO_GCJ02) < 1e-9


CRS_NAMES = ["wgs84", "cgcs2000", "gcj02", "bd09"]
any_lon = st.floats(-180.0, 180.0)
any_lat = st.floats(-90.0, 90.0)


@given(
    st.one_of(st.tuples(china_lon, china_lat), st.tuples(any_lon, any_lat)),
    st.sampled_from(CRS_NAMES),
    st.sampled_from(CRS_NAMES),
)
def test_convert_point_scalar_path_agrees_with_vector_path(point, src, dst):
    one = convert_point(*point, src=src, dst=dst)
    many = convert([point[0]], [point[1]], src=src, dst=dst)
    assert abs(one[0] - float(many[0][0])) <= 1e-12
    assert abs(one[1] - float(many[1][0])) <= 1e-12


def test_convert_point_scalar_path_round_trips_reference():
    assert max_error(convert_point(*REF_IN, src="gcj02", dst="bd09"), REF_GCJ02_TO_BD09) < 1e-9
    back = convert_point(*REF_WGS84_TO_BD09, src="bd09", dst="wgs84")
    assert max_error(back, REF_IN) < 1e-9


def test_convert_point_nan_stays_nan_and_bad_input_is_refused():
    lon, lat = convert_point(math.nan, 30.0, src="gcj02", dst="wgs84")
    many = convert([math.nan], [30.0], src="gcj02", dst="wgs84")
    assert math.isnan(lon) and math.isnan(float(many[0][0])) and lat == float(many[1][0])
    with pytest.raises(InvalidInputError):
        convert_point("east", 30.0, src="gcj02", dst="wgs84")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="unknown crs"):
        convert_point(120.0, 30.0, src="gcj-02", dst="wgs84")


def test_convert_nan_stays_nan():
    lon, lat = convert([np.nan, 120.0], [30.0, 30.0], src="bd09", dst="wgs84")
    assert math.isnan(lon[0]) and math.isnan(lat[0])
    assert math.isfinite(lon[1]) and math.isfinite(lat[1])


def test_convert_mismatched_shapes_rejected():
    with pytest.raises(InvalidInputError):
        convert([1.0, 2.0], [1.0, 2.0, 3.0], src="gcj02", dst="wgs84")


# --- Crs.parse ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("wgs84", Crs.WGS84),
        ("WGS84", Crs.WGS84),
        ("EPSG:4326", Crs.WGS84),
        ("4326", Crs.WGS84),
        ("CRS84", Crs.WGS84),
        ("cgcs2000", Crs.CGCS2000),
        ("epsg:4490", Crs.CGCS2000),
        ("4490", Crs.CGCS2000),
        (" GCJ02 ", Crs.GCJ02),
        ("bd09", Crs.BD09),
        ("BD09LL", Crs.BD09),
        (Crs.GCJ02, Crs.GCJ02),
    ],
)
def test_parse_accepts(value, expected):
    assert Crs.parse(value) is expected


@pytest.mark.parametrize("value", ["", "mercator", "epsg:3857", "gcj", "bd09mc"])
def test_parse_rejects_and_lists_accepted(value):
    with pytest.raises(InvalidInputError) as info:
        Crs.parse(value)
    assert info.value.field == "crs"
    assert all(name in info.value.message for name in ("wgs84", "cgcs2000", "gcj02", "bd09"))


def test_parse_custom_field():
    with pytest.raises(InvalidInputError) as info:
        Crs.parse("nope", field="src")
    assert info.value.field == "src"


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "field"),
    [
        (math.nan, 30.0, "lon"),
        (120.0, math.inf, "lat"),
        (181.0, 30.0, "lon"),
        (120.0, -91.0, "lat"),
        (-math.inf, 0.0, "lon"),
    ],
)
def test_validate_rejects_scalar(lon, lat, field):
    with pytest.raises(InvalidInputError) as info:
        validate_lonlat(lon, lat)
    assert info.value.field == field


def test_validate_field_prefix():
    with pytest.raises(InvalidInputError) as info:
        validate_lonlat(120.0, 91.0, field_prefix="points[3]")
    assert info.value.field == "points[3].lat"


def test_validate_names_first_bad_index():
    lon, lat = np.full(20, 120.0), np.full(20, 30.0)
    lon[17], lat[19] = 181.0, math.nan
    with pytest.raises(InvalidInputError) as info:
        validate_lonlat(lon, lat, field_prefix="points")
    assert info.value.field == "points[17].lon"
    with pytest.raises(InvalidInputError) as info:
        validate_lonlat(lon[18:], lat[18:])
    assert info.value.field == "lat[1]"


def test_validate_accepts_edges():
    validate_lonlat([-180.0, 180.0, 0.0], [-90.0, 90.0, 0.0])
    validate_lonlat(180.0, -90.0)


def test_in_china_rectangle():
    assert in_china([120.75, 72.0, 137.9, 120.0], [30.75, 30.0, 30.0, 0.5]).tolist() == [
        True,
        False,
        False,
        False,
    ]
    assert not in_china(math.nan, 30.0)
