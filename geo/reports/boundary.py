"""Which other grids lie within a few metres of a point: the near-boundary check.

A phone's position is good to 5–20 m, so a report a few metres inside one grid may have
happened in the next one. :class:`BoundaryIndex` holds the grids of one locator version in a
local metric plane (an equirectangular projection about the grids' centre: over a city the
scale error stays under 0.5 %, a tenth of a metre at 20 m) with an STRtree, and answers for
many points at once which *other* grid is nearest and how far away it is.

Indexes are built once per locator and cached beside it (:func:`boundary_index`).
"""

from __future__ import annotations

import math
import threading
import weakref

import numpy as np
import numpy.typing as npt
import shapely

from geo.areas import Level
from geo.locate import Locator

__all__ = ["BoundaryIndex", "boundary_index", "distance_m"]

EARTH_RADIUS_M = 6_371_008.8
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def distance_m(
    lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray
) -> FloatArray:
    """Great-circle distance in metres between lon/lat degree arrays (haversine).

    Examples
    --------
    >>> round(float(distance_m(np.array([120.0]), np.array([30.0]),
    ...                        np.array([120.0]), np.array([30.001]))[0]), 1)
    111.2
    """
    x1, y1, x2, y2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin((x2 - x1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class BoundaryIndex:
    """The grids of one version in local metres, queried for neighbours within a distance.

    Parameters
    ----------
    geometries
        Grid geometries in CGCS2000 lon/lat, in the order the locator numbers them.
    """

    def __init__(self, geometries: list[shapely.Geometry]) -> None:
        self.size = len(geometries)
        if geometries:
            west, south, east, north = shapely.total_bounds(np.asarray(geometries, dtype=object))
        else:
            west = south = east = north = 0.0
        self._lon0, self._lat0 = (west + east) / 2, (south + north) / 2
        self._ky = math.radians(1.0) * EARTH_RADIUS_M
        self._kx = self._ky * math.cos(math.radians(self._lat0))
        self.geoms = shapely.transform(np.asarray(geometries, dtype=object), self._to_plane)
        self.tree = shapely.STRtree(self.geoms)

    def _to_plane(self, coords: FloatArray) -> FloatArray:
        out = np.empty_like(coords)
        out[:, 0] = (coords[:, 0] - self._lon0) * self._kx
        out[:, 1] = (coords[:, 1] - self._lat0) * self._ky
        return out

    def nearest_other(
        self, lon: FloatArray, lat: FloatArray, own: IntArray, within_m: float
    ) -> tuple[IntArray, FloatArray]:
        """For each point, the nearest grid other than ``own`` within ``within_m`` metres.

        Returns
        -------
        positions : int64 array
            The other grid's position in locator order, -1 where none is that close.
        distances : float64 array
            Metres from the point to that grid (0 for a point on the shared edge), NaN for none.
        """
        n = len(lon)
        best = np.full(n, -1, dtype=np.int64)
        dist = np.full(n, np.nan)
        if n == 0 or self.size == 0 or within_m <= 0:
            return best, dist
        xy = self._to_plane(np.column_stack([lon, lat]).astype(np.float64))
        points = np.asarray(shapely.points(xy), dtype=object)
        pt, grid = self.tree.query(points, predicate="dwithin", distance=within_m)
        keep = grid != own[pt]
        pt, grid = pt[keep], grid[keep]
        if pt.size == 0:
            return best, dist
        d = np.asarray(shapely.distance(self.geoms[grid], points[pt]), dtype=np.float64)
        order = np.lexsort((grid, d, pt))  # per point: nearest first, then smallest code
        pt, grid, d = pt[order], grid[order], d[order]
        first = np.ones(pt.size, dtype=bool)
        first[1:] = pt[1:] != pt[:-1]
        best[pt[first]] = grid[first]
        dist[pt[first]] = d[first]
        return best, dist

    def nearest_other_one(
        self, lon: float, lat: float, own: int, within_m: float
    ) -> tuple[int, float]:
        """:meth:`nearest_other` for one point: (position, metres), or (-1, NaN) for none.

        The same plane, tree query, distances and tie rule (nearest, then smallest code),
        without building arrays for one point.
        """
        if self.size == 0 or within_m <= 0:
            return -1, math.nan
        point = shapely.Point((lon - self._lon0) * self._kx, (lat - self._lat0) * self._ky)
        grids = self.tree.query(point, predicate="dwithin", distance=within_m)
        best, best_d = -1, math.nan
        for grid in sorted(int(g) for g in grids):
            if grid == own:
                continue
            d = float(shapely.distance(self.geoms[grid], point))
            if best < 0 or d < best_d:
                best, best_d = grid, d
        return best, best_d


_cache: weakref.WeakKeyDictionary[Locator, BoundaryIndex] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def boundary_index(locator: Locator) -> BoundaryIndex:
    """The boundary index of a locator's grids, built on first use and kept with the locator."""
    with _lock:
        index = _cache.get(locator)
    if index is None:
        index = BoundaryIndex([a.geometry for a in locator.areas(Level.GRID)])
        with _lock:
            index = _cache.setdefault(locator, index)
    return index
