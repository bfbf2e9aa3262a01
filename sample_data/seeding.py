"""Where the cells of a partition are seeded: random points and density-weighted Lloyd steps.

Lloyd relaxation is run on a cloud of sample points rather than on exact cell polygons: each
seed moves to the mean of the samples nearest to it. That is a few NumPy operations per step,
it accepts a density (denser samples make smaller cells, as for urban communities) and it can
restrict a seed to the samples of its own group (the micro-grids of one grid).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from sample_data.tiling import M_PER_DEG_LAT, M_PER_DEG_LON

__all__ = [
    "DensityFn",
    "derive_rng",
    "gaussian_density",
    "lloyd",
    "nearest",
    "sample_points",
    "spread",
]

Coords = NDArray[np.float64]
DensityFn = Callable[[Coords], NDArray[np.float64]]
"""Relative density in (0, 1] at each of n lon/lat points."""

_METRIC = np.array([M_PER_DEG_LON, M_PER_DEG_LAT])


def derive_rng(seed: int, purpose: str, code: str) -> np.random.Generator:
    """A generator for one job (``purpose`` on area ``code``), independent of all others.

    Each community's grids come from their own stream, so building only 南湖区 gives exactly
    the 南湖区 of the whole city, and the order in which jobs run does not matter.
    """
    tag = int.from_bytes(purpose.encode("utf-8"), "little")
    return np.random.default_rng(np.random.SeedSequence([seed, tag, int(code)]))


def sample_points(
    geom: BaseGeometry,
    n: int,
    rng: np.random.Generator,
    *,
    density: DensityFn | None = None,
) -> Coords:
    """``n`` random lon/lat points strictly inside ``geom`` (rejection sampling on its bbox)."""
    shapely.prepare(geom)
    west, south, east, north = geom.bounds
    fill = max(geom.area / ((east - west) * (north - south)), 0.05)
    chunks: list[Coords] = []
    found = 0
    while found < n:
        m = int((n - found) / fill * 1.3) + 16
        xy = rng.uniform((west, south), (east, north), size=(m, 2))
        keep = shapely.contains_xy(geom, xy[:, 0], xy[:, 1])
        if density is not None:
            keep &= rng.random(m) < density(xy)
        chunks.append(xy[keep])
        found += int(keep.sum())
    return np.vstack(chunks)[:n]


def gaussian_density(centre: Coords, sigma_m: float, peak: float) -> DensityFn:
    """Density 1/(1+peak) far away, rising to 1 at ``centre``: ``peak`` times denser there."""

    def density(xy: Coords) -> NDArray[np.float64]:
        d2 = (((xy - centre) * _METRIC) ** 2).sum(axis=1)
        return (1.0 + peak * np.exp(-d2 / (2.0 * sigma_m**2))) / (1.0 + peak)

    return density


def nearest(
    points: Coords, seeds: Coords, *, allowed: NDArray[np.bool_] | None = None
) -> NDArray[np.int64]:
    """Index of the nearest seed for each point (metres, local flat metric).

    ``allowed`` (points × seeds) masks seeds a point may not join.
    """
    p = points * _METRIC
    s = seeds * _METRIC
    d2 = (p * p).sum(axis=1)[:, None] - 2.0 * p @ s.T + (s * s).sum(axis=1)[None, :]
    if allowed is not None:
        d2 = np.where(allowed, d2, np.inf)
    return np.argmin(d2, axis=1).astype(np.int64)


def spread(candidates: Coords, n: int, fixed: Coords) -> Coords:
    """Pick ``n`` candidates far from each other and from ``fixed`` (greedy farthest point)."""
    if n == 0:
        return np.empty((0, 2))
    c = candidates * _METRIC
    if len(fixed):
        f = fixed * _METRIC
        dist = np.min(((c[:, None, :] - f[None, :, :]) ** 2).sum(axis=2), axis=1)
    else:
        dist = np.full(len(c), np.inf)
        dist[0] = -1.0  # start from the first candidate, deterministic
    chosen = []
    for _ in range(n):
        i = int(np.argmax(dist))
        chosen.append(i)
        dist = np.minimum(dist, ((c - c[i]) ** 2).sum(axis=1))
        dist[i] = -1.0
    return candidates[chosen]


def lloyd(
    shape: BaseGeometry,
    samples: Coords,
    seeds: Coords,
    *,
    steps: int,
    anchors: Coords | None = None,
    max_shift_m: NDArray[np.float64] | None = None,
    weights: NDArray[np.float64] | None = None,
    sample_group: NDArray[np.int64] | None = None,
    seed_group: NDArray[np.int64] | None = None,
) -> Coords:
    """Move each seed towards the (weighted) mean of its nearest samples, ``steps`` times.

    Weighting the samples by a density makes cells smaller where it is high: at equilibrium
    a cell's area goes roughly as the inverse square root of the density.

    A seed with an anchor (a real town's bbox centre: rows of ``anchors`` that are not NaN)
    stays within ``max_shift_m`` of it. With groups, a seed only takes samples of its group.
    A move that would leave ``shape`` (the mean of a C-shaped cluster) is not made, so seeds
    that start inside stay inside.
    """
    shapely.prepare(shape)
    seeds = seeds.copy()
    allowed = None
    if sample_group is not None and seed_group is not None:
        allowed = sample_group[:, None] == seed_group[None, :]
    w = np.ones(len(samples)) if weights is None else weights
    for _ in range(steps):
        owner = nearest(samples, seeds, allowed=allowed)
        mass = np.bincount(owner, weights=w, minlength=len(seeds))
        sums = np.stack(
            [np.bincount(owner, weights=w * samples[:, k], minlength=len(seeds)) for k in (0, 1)],
            axis=1,
        )
        moved = seeds.copy()
        filled = mass > 0
        moved[filled] = sums[filled] / mass[filled, None]
        if anchors is not None and max_shift_m is not None:
            moved = _tether(moved, anchors, max_shift_m)
        inside = shapely.contains_xy(shape, moved[:, 0], moved[:, 1])
        seeds = np.where(inside[:, None], moved, seeds)
    return seeds


def _tether(seeds: Coords, anchors: Coords, max_shift_m: NDArray[np.float64]) -> Coords:
    has = ~np.isnan(anchors[:, 0])
    offset = (seeds - np.where(has[:, None], anchors, seeds)) * _METRIC
    length = np.hypot(*offset.T)
    scale = np.where(length > max_shift_m, max_shift_m / np.maximum(length, 1e-9), 1.0)
    tethered = np.where(has[:, None], anchors + offset * scale[:, None] / _METRIC, seeds)
    return np.asarray(tethered, dtype=np.float64)
