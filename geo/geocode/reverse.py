"""Nearest standard address to a point: an STRtree over the address points.

The tree is built in a local equirectangular plane (longitudes scaled by the cosine of the
library's mean latitude), where Euclidean nearest equals nearest on the ground to well under
a metre across a city; the distance reported is the haversine distance in metres.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["NearestIndex", "haversine_m"]

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two lon/lat points (degrees).

    Examples
    --------
    >>> round(haversine_m(120.0, 30.0, 120.0, 30.001), 1)
    111.2
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class NearestIndex:
    """Nearest of a fixed set of lon/lat points (CGCS2000 degrees).

    Examples
    --------
    >>> index = NearestIndex(np.array([120.0, 120.01]), np.array([30.0, 30.0]))
    >>> index.nearest(120.009, 30.0)[0]
    1
    """

    def __init__(self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> None:
        self._lon = lon
        self._lat = lat
        finite = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
        self._scale = math.cos(math.radians(float(np.mean(lat[finite])))) if finite.size else 1.0
        # The rooms of a building share its point: index each distinct point once, as the
        # first address (in table order) standing on it.
        _, first = np.unique(lon[finite] + 1j * lat[finite], return_index=True)
        self._positions = finite[np.sort(first)]
        points = shapely.points(lon[self._positions] * self._scale, lat[self._positions])
        self._tree = shapely.STRtree(np.asarray(points))

    def __len__(self) -> int:
        return int(self._positions.shape[0])

    def nearest(self, lon: float, lat: float) -> tuple[int, float] | None:
        """``(position, metres)`` of the nearest point, or None for an empty index."""
        if not len(self) or not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        found = self._tree.query_nearest(shapely.Point(lon * self._scale, lat), all_matches=True)
        if found.size == 0:
            return None
        position = int(self._positions[int(found.min())])
        where = float(self._lon[position]), float(self._lat[position])
        return position, haversine_m(lon, lat, *where)
