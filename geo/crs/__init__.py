"""Coordinate reference systems used in China: CGCS2000/WGS84, GCJ-02 and BD-09 conversions
(exact iterative inverses), and metric areas and lengths in CGCS2000 Gauss-Kruger zones.
"""

from geo.crs.gauss_kruger import area_m2, areas_m2, gk_crs, gk_zone, length_m, to_gk
from geo.crs.transform import (
    AREA_SRID,
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

__all__ = [
    "AREA_SRID",
    "Crs",
    "area_m2",
    "areas_m2",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "convert",
    "convert_point",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "gk_crs",
    "gk_zone",
    "in_china",
    "length_m",
    "to_cgcs2000",
    "to_gk",
    "validate_lonlat",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]
