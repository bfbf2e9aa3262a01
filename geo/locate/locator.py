"""Point-in-area for all five levels at once, answered from memory, exactly.

A point belongs to every area that *covers* it (boundary included). Where a point lies on an
edge or vertex shared by areas of one level, the area with the smallest code wins, so answers
never depend on index order; each level is answered independently from its own geometry.

The index is a uniform lon/lat cell grid (:mod:`geo.locate.cell_index`): most points fall in a cell
that lies wholly inside one area per level and are answered by two array look-ups; points in
the few cells crossed by an edge get an exact crossing test against the edges registered in
their cell. Everything is vectorised over NumPy arrays of points.

Examples
--------
>>> import shapely
>>> from datetime import UTC, datetime
>>> from geo.areas.records import AreaRecord
>>> t = datetime(2025, 1, 1, tzinfo=UTC)
>>> district = AreaRecord("330402", Level.DISTRICT, "南湖区", shapely.box(120.7, 30.7, 120.8, 30.8),
...                       None, None, None, {}, 1, t, None)
>>> locator = Locator([district], version=1)
>>> locator.codes([120.75, 121.0], [30.75, 30.75])[Level.DISTRICT]
['330402', None]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from geo.areas import LEVELS, AreaRecord, Level
from geo.locate.build import build_index
from geo.locate.cell_index import CellIndex

__all__ = ["NO_AREA", "Locator"]

NO_AREA = -1


class Locator:
    """An immutable index of one version of the areas; swap in a new one after an edit.

    Parameters
    ----------
    areas
        The areas of every level (any order; each level is sorted by code here).
    version
        The data version the areas come from (the store's newest changeset id).
    cell_m
        Cell size of the index in metres (see :func:`geo.locate.build.build_index`).
    """

    def __init__(self, areas: Sequence[AreaRecord], version: int, *, cell_m: float = 20.0) -> None:
        self.version = version
        by_level: dict[Level, list[AreaRecord]] = {level: [] for level in LEVELS}
        for area in areas:
            by_level[area.level].append(area)
        self._records: dict[Level, tuple[AreaRecord, ...]] = {
            level: tuple(sorted(items, key=lambda a: a.code)) for level, items in by_level.items()
        }
        parents = []
        for level in LEVELS:
            upper = self._records[level.parent] if level.parent is not None else ()
            position = {a.code: i for i, a in enumerate(upper)}
            parents.append(
                np.array(
                    [position.get(a.parent_code or "", -1) for a in self._records[level]],
                    dtype=np.int64,
                )
            )
        self.index: CellIndex = build_index(
            [[a.geometry for a in self._records[level]] for level in LEVELS],
            parents,
            cell_m=cell_m,
        )
        # Codes per level with None appended, so that position -1 maps to None.
        self._codes: dict[Level, npt.NDArray[np.object_]] = {
            level: np.array([a.code for a in records] + [None], dtype=object)
            for level, records in self._records.items()
        }

    def __len__(self) -> int:
        return sum(len(records) for records in self._records.values())

    @property
    def nbytes(self) -> int:
        """Memory held by the index arrays (the area records are shared with the caller)."""
        return self.index.nbytes

    def locate(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.int32]:
        """Positions of the covering areas: row ``level.depth``, one column per point, -1 none.

        This is the fast path the other methods build on; coordinates are lon/lat degrees
        (CGCS2000). NaN coordinates are covered by nothing.
        """
        x = np.ascontiguousarray(np.atleast_1d(np.asarray(lon, dtype=np.float64)))
        y = np.ascontiguousarray(np.atleast_1d(np.asarray(lat, dtype=np.float64)))
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("lon and lat must be 1-d arrays of one length")
        return self.index.query(x, y)

    def locate_one(self, lon: float, lat: float) -> list[int]:
        """:meth:`locate` for one finite point, without NumPy overhead on the common path.

        The cell arithmetic is the index's own (IEEE double subtraction, division, floor), so
        the cell found is the one :meth:`locate` would find.
        """
        return self.index.query_one(lon, lat)

    def positions(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike
    ) -> dict[Level, npt.NDArray[np.int64]]:
        """For each level, the index into :meth:`areas` of the covering area, or -1."""
        found = self.locate(lon, lat)
        return {level: found[level.depth].astype(np.int64) for level in LEVELS}

    def areas(self, level: Level) -> tuple[AreaRecord, ...]:
        """The areas of ``level`` in code order (what :meth:`positions` indexes)."""
        return self._records[level]

    def code_table(self, level: Level) -> npt.NDArray[np.object_]:
        """Codes of ``level`` in position order with ``None`` last, to map positions in bulk."""
        return self._codes[level]

    def codes(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> dict[Level, list[str | None]]:
        """For each level, the covering area's code per point (None where no area covers it)."""
        found = self.locate(lon, lat)
        return {level: self._codes[level][found[level.depth]].tolist() for level in LEVELS}

    def chain(self, lon: float, lat: float) -> dict[Level, AreaRecord | None]:
        """The covering area at each level for one point."""
        found = self.locate([lon], [lat])[:, 0].tolist()
        return {
            level: (self._records[level][p] if p >= 0 else None)
            for level, p in zip(LEVELS, found, strict=True)
        }
