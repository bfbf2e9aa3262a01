"""The roads of a town, as straight lines that door numbers are counted along.

Roads are not areas of the hierarchy, only the spine of the address system: each town gets a
loose street grid (roads running roughly east-west and north-south across it), a door point
takes the nearest road, and its number counts along that road from the west or north end,
odd on the left-hand side and even on the right, as in GB/T 39609 practice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from sample_data.names import road_names
from sample_data.tiling import M_PER_DEG_LAT, M_PER_DEG_LON

__all__ = ["DOOR_SPACING_M", "RoadNetwork", "town_roads"]

DOOR_SPACING_M = 8.0
"""Frontage per door number on one side of a road."""

_METRIC = np.array([M_PER_DEG_LON, M_PER_DEG_LAT])
_RENAMED_SHARE = 0.06


@dataclass(frozen=True, slots=True)
class RoadNetwork:
    """Roads of one town: names, former names (None if never renamed) and their lines."""

    names: list[str]
    old_names: list[str | None]
    starts: NDArray[np.float64]  # (R, 2) lon/lat where numbering starts
    ends: NDArray[np.float64]

    def locate(self, points: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Nearest road of each lon/lat point and the door number it would carry there."""
        p = points * _METRIC
        a = self.starts * _METRIC
        d = (self.ends - self.starts) * _METRIC
        length2 = (d * d).sum(axis=1)
        rel = p[:, None, :] - a[None, :, :]
        t = np.clip((rel * d[None]).sum(axis=2) / length2[None], 0.0, 1.0)
        gap = rel - t[..., None] * d[None]
        road = np.argmin((gap * gap).sum(axis=2), axis=1)
        rows = np.arange(len(points))
        along = t[rows, road] * np.sqrt(length2[road])
        cross = d[road, 0] * rel[rows, road, 1] - d[road, 1] * rel[rows, road, 0]
        base = 2 * np.floor(along / (2 * DOOR_SPACING_M)).astype(np.int64)
        number = base + np.where(cross > 0, 1, 2)  # left of the direction of travel: odd
        return road.astype(np.int64), number


def _old_name(rng: np.random.Generator, name: str, taken: set[str]) -> str | None:
    """What a renamed road was called: 禾兴南路 was 禾兴路, 常秀街 was 常秀路, ..."""
    for suffix, before in (("东路", "路"), ("西路", "路"), ("南路", "路"), ("北路", "路")):
        if name.endswith(suffix):
            old = name[: -len(suffix)] + before
            return None if old in taken else old
    if name.endswith("街"):
        old = name[:-1] + "路"
    elif name.endswith("路"):
        old = name[:-1] + ("街" if rng.random() < 0.5 else "大街")
    else:
        return None
    return None if old in taken else old


def town_roads(town: BaseGeometry, local_names: list[str], rng: np.random.Generator) -> RoadNetwork:
    """A loose grid of named roads across ``town`` (about one per 3 km², 8 to 40)."""
    west, south, east, north = town.bounds
    area_km2 = town.area * M_PER_DEG_LON * M_PER_DEG_LAT / 1e6
    n = int(np.clip(round(8 + area_km2 / 3), 8, 40))
    names = road_names(rng, n, local=local_names)
    taken = set(names)
    old_names: list[str | None] = []
    for name in names:
        old = _old_name(rng, name, taken) if rng.random() < _RENAMED_SHARE else None
        if old:
            taken.add(old)
        old_names.append(old)

    horizontal = np.arange(n) % 2 == 0
    rng.shuffle(horizontal)
    starts = np.empty((n, 2))
    ends = np.empty((n, 2))
    width, height = east - west, north - south
    for kind, count in ((True, int(horizontal.sum())), (False, int((~horizontal).sum()))):
        # Evenly spread across the town with some jitter, each slightly skewed.
        offsets = (np.arange(count) + 0.5 + rng.uniform(-0.3, 0.3, count)) / max(count, 1)
        tilt = np.tan(np.radians(rng.uniform(-12, 12, count)))
        idx = np.flatnonzero(horizontal == kind)
        if kind:  # west → east
            y = south + offsets * height
            skew = tilt * width * M_PER_DEG_LON / M_PER_DEG_LAT / 2
            starts[idx] = np.column_stack([np.full(count, west), y - skew])
            ends[idx] = np.column_stack([np.full(count, east), y + skew])
        else:  # north → south
            x = west + offsets * width
            skew = tilt * height * M_PER_DEG_LAT / M_PER_DEG_LON / 2
            starts[idx] = np.column_stack([x - skew, np.full(count, north)])
            ends[idx] = np.column_stack([x + skew, np.full(count, south)])
    return RoadNetwork(names=names, old_names=old_names, starts=starts, ends=ends)
