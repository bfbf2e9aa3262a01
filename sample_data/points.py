"""Address points inside micro-grids, sampled for many polygons at once.

Each round draws one candidate for every point still missing and keeps those that fall
inside their polygon and at least ``MARGIN_DEG`` (about 2 m) from its boundary, so no point
sits on an edge where the owning micro-grid would be ambiguous. Points are snapped to the
1e-7-degree grid like every coordinate of the sample city.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from sample_data.tiling import M_PER_DEG_LAT, M_PER_DEG_LON, snap

__all__ = ["MARGIN_DEG", "points_near", "random_points_in"]

MARGIN_DEG = 2e-5
_ROUNDS = 40
_METRIC = np.array([M_PER_DEG_LON, M_PER_DEG_LAT])


def _accept(
    polygons: NDArray[np.object_],
    boundaries: NDArray[np.object_],
    owner: NDArray[np.int64],
    xy: NDArray[np.float64],
) -> NDArray[np.bool_]:
    inside = shapely.contains_xy(polygons[owner], xy[:, 0], xy[:, 1])
    clear = ~shapely.dwithin(boundaries[owner], shapely.points(xy), MARGIN_DEG)
    return np.asarray(inside & clear)


def random_points_in(
    polygons: NDArray[np.object_],
    boundaries: NDArray[np.object_],
    owner: NDArray[np.int64],
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """One uniform random point inside ``polygons[owner[i]]`` for each i."""
    bounds = shapely.bounds(polygons)
    out = np.full((len(owner), 2), np.nan)
    pending = np.arange(len(owner))
    for _ in range(_ROUNDS):
        if pending.size == 0:
            break
        b = bounds[owner[pending]]
        xy = snap(b[:, :2] + rng.random((pending.size, 2)) * (b[:, 2:] - b[:, :2]))
        ok = _accept(polygons, boundaries, owner[pending], xy)
        out[pending[ok]] = xy[ok]
        pending = pending[~ok]
    if pending.size:  # a sliver: its representative point is inside by construction
        out[pending] = shapely.get_coordinates(shapely.point_on_surface(polygons[owner[pending]]))
    return out


def points_near(
    polygons: NDArray[np.object_],
    boundaries: NDArray[np.object_],
    owner: NDArray[np.int64],
    centres: NDArray[np.float64],
    radius_m: NDArray[np.float64],
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """A point within ``radius_m`` of ``centres[i]`` inside ``polygons[owner[i]]``, for each i.

    The radius shrinks each round, and a point that still fails takes its centre (which the
    caller drew inside the polygon), so the result is always inside.
    """
    out = centres.copy()
    pending = np.arange(len(owner))
    radius = radius_m.astype(np.float64).copy()
    for _ in range(_ROUNDS // 2):
        if pending.size == 0:
            break
        angle = rng.uniform(0.0, 2 * np.pi, pending.size)
        r = radius[pending] * np.sqrt(rng.random(pending.size))
        offset = np.column_stack([np.cos(angle), np.sin(angle)]) * r[:, None] / _METRIC
        xy = snap(centres[pending] + offset)
        ok = _accept(polygons, boundaries, owner[pending], xy)
        out[pending[ok]] = xy[ok]
        radius[pending[~ok]] *= 0.8
        pending = pending[~ok]
    return out
