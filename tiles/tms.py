"""Web Mercator tile arithmetic (the XYZ scheme of OSM, Leaflet and ``ST_TileEnvelope``).

Stored geometry is CGCS2000 lon/lat (EPSG:4490, equal to WGS84 to well under a metre); tiles
are cut in Web Mercator (EPSG:3857) metres. Everything here is pure arithmetic so that the two
renderers, the cache invalidation and the tests agree on one definition of a tile's extent.

Examples
--------
>>> tile = Tile(10, 857, 421)
>>> round(tile.lonlat_bounds().west, 4)
121.2891
>>> tiles_covering(LonLatBox(120.76, 30.74, 120.77, 30.75), 12)
(range(3421, 3423), range(1680, 1681))
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from geo.errors import InvalidInputError

__all__ = [
    "EARTH_RADIUS_M",
    "MAX_LAT",
    "MAX_ZOOM",
    "ORIGIN_SHIFT_M",
    "LonLatBox",
    "MercatorBox",
    "Tile",
    "lonlat_to_mercator",
    "mercator_to_lonlat",
    "tiles_covering",
]

EARTH_RADIUS_M = 6_378_137.0
ORIGIN_SHIFT_M = math.pi * EARTH_RADIUS_M  # half the world's width in Web Mercator metres
MAX_LAT = 85.051128779806589  # where Web Mercator's square world ends
MAX_ZOOM = 24
_M_PER_DEGREE = ORIGIN_SHIFT_M / 180.0


@dataclass(frozen=True, slots=True)
class LonLatBox:
    """A box in CGCS2000/WGS84 degrees: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    def intersects(self, other: LonLatBox) -> bool:
        return not (
            other.west > self.east
            or other.east < self.west
            or other.south > self.north
            or other.north < self.south
        )


@dataclass(frozen=True, slots=True)
class MercatorBox:
    """A box in Web Mercator metres (EPSG:3857): min x, min y, max x, max y."""

    minx: float
    miny: float
    maxx: float
    maxy: float


def lonlat_to_mercator(
    lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Web Mercator metres of lon/lat degrees (latitudes clamped to the square world)."""
    lat = np.clip(lat, -MAX_LAT, MAX_LAT)
    x = np.asarray(lon, dtype=np.float64) * _M_PER_DEGREE
    y = np.log(np.tan(np.pi / 4.0 + np.radians(lat) / 2.0)) * EARTH_RADIUS_M
    return x, y


def mercator_to_lonlat(
    x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lon/lat degrees of Web Mercator metres; the inverse of :func:`lonlat_to_mercator`."""
    lon = np.asarray(x, dtype=np.float64) / _M_PER_DEGREE
    lat = np.degrees(2.0 * np.arctan(np.exp(np.asarray(y, dtype=np.float64) / EARTH_RADIUS_M)))
    return lon, lat - 90.0


@dataclass(frozen=True, slots=True)
class Tile:
    """One XYZ tile: zoom ``z``, column ``x`` from the west, row ``y`` from the north."""

    z: int
    x: int
    y: int

    @classmethod
    def checked(cls, z: int, x: int, y: int) -> Tile:
        """A tile from request values, raising an error that names the bad field.

        Raises
        ------
        InvalidInputError
            When ``z`` is outside 0..24 or ``x``/``y`` outside 0..2**z - 1.
        """
        if not 0 <= z <= MAX_ZOOM:
            raise InvalidInputError(f"z must be between 0 and {MAX_ZOOM}, got {z}", field="z")
        size = 1 << z
        for name, value in (("x", x), ("y", y)):
            if not 0 <= value < size:
                raise InvalidInputError(
                    f"{name} must be between 0 and {size - 1} at zoom {z}, got {value}", field=name
                )
        return cls(z, x, y)

    @property
    def size_m(self) -> float:
        """The tile's width (and height) in Web Mercator metres."""
        return 2.0 * ORIGIN_SHIFT_M / (1 << self.z)

    def mercator_bounds(self, margin: float = 0.0) -> MercatorBox:
        """The tile's extent in metres, grown by ``margin`` (a fraction of its width) per side.

        This is exactly ``ST_TileEnvelope(z, x, y, margin => margin)``.
        """
        size = self.size_m
        minx = -ORIGIN_SHIFT_M + self.x * size
        maxy = ORIGIN_SHIFT_M - self.y * size
        pad = size * margin
        return MercatorBox(minx - pad, maxy - size - pad, minx + size + pad, maxy + pad)

    def lonlat_bounds(self, margin: float = 0.0) -> LonLatBox:
        """The tile's extent in degrees; exact, as Web Mercator maps boxes to boxes."""
        box = self.mercator_bounds(margin)
        lons, lats = mercator_to_lonlat(
            np.array([box.minx, box.maxx]), np.array([box.miny, box.maxy])
        )
        return LonLatBox(float(lons[0]), float(lats[0]), float(lons[1]), float(lats[1]))


def _column(lon: float, z: int) -> int:
    n = 1 << z
    return min(n - 1, max(0, math.floor((lon + 180.0) / 360.0 * n)))


def _row(lat: float, z: int) -> int:
    n = 1 << z
    lat = min(MAX_LAT, max(-MAX_LAT, lat))
    rad = math.radians(lat)
    y = (1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * n
    return min(n - 1, max(0, math.floor(y)))


def tiles_covering(box: LonLatBox, z: int) -> tuple[range, range]:
    """The columns and rows of the zoom-``z`` tiles that a lon/lat box touches."""
    return (
        range(_column(box.west, z), _column(box.east, z) + 1),
        range(_row(box.north, z), _row(box.south, z) + 1),
    )
