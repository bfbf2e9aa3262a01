"""Point-in-area for all five levels at once, answered from memory.

A point belongs to every area that *covers* it (boundary included). Where a point lies on an
edge or vertex shared by siblings, the area with the smallest code wins, so answers never
depend on index order. Each level has its own Shapely STRtree over areas sorted by code; the
query is vectorised over arrays of points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from geo.levels import LEVELS, Level
from geo.records import AreaRecord

__all__ = ["Locator"]

NO_AREA = -1


@dataclass(frozen=True, slots=True)
class _LevelIndex:
    records: tuple[AreaRecord, ...]  # sorted by code, so a smaller position = a smaller code
    tree: shapely.STRtree

    def query(
        self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int64]:
        """Position (in ``records``) of the covering area with the smallest code, or -1."""
        result = np.full(lon.shape[0], NO_AREA, dtype=np.int64)
        if not self.records or lon.shape[0] == 0:
            return result
        points = shapely.points(lon, lat)
        point_idx, area_idx = self.tree.query(points, predicate="intersects")
        if point_idx.size:
            best = np.full(lon.shape[0], np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(best, point_idx, area_idx)
            hit = best != np.iinfo(np.int64).max
            result[hit] = best[hit]
        return result


class Locator:
    """An immutable index of one version of the areas; swap in a new one after an edit."""

    def __init__(self, areas: Sequence[AreaRecord], version: int) -> None:
        self.version = version
        self._levels: dict[Level, _LevelIndex] = {}
        for level in LEVELS:
            records = tuple(sorted((a for a in areas if a.level is level), key=lambda a: a.code))
            tree = shapely.STRtree([a.geometry for a in records])
            self._levels[level] = _LevelIndex(records, tree)

    def __len__(self) -> int:
        return sum(len(index.records) for index in self._levels.values())

    def positions(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike
    ) -> dict[Level, npt.NDArray[np.int64]]:
        """For each level, the index into :meth:`areas` of the covering area, or -1."""
        lon_arr = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        lat_arr = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        return {level: index.query(lon_arr, lat_arr) for level, index in self._levels.items()}

    def areas(self, level: Level) -> tuple[AreaRecord, ...]:
        return self._levels[level].records

    def codes(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> dict[Level, list[str | None]]:
        """For each level, the covering area's code per point (None where no area covers it)."""
        result: dict[Level, list[str | None]] = {}
        for level, positions in self.positions(lon, lat).items():
            records = self._levels[level].records
            result[level] = [records[p].code if p >= 0 else None for p in positions.tolist()]
        return result

    def chain(self, lon: float, lat: float) -> dict[Level, AreaRecord | None]:
        """The covering area at each level for one point."""
        return {
            level: (self._levels[level].records[int(p[0])] if p[0] >= 0 else None)
            for level, p in self.positions([lon], [lat]).items()
        }
