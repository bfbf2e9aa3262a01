"""Which areas answer for a feature: a point's chain from the locator, a line or polygon's
from the grid holding most of it.

A point is located exactly as dispatch locates a report (the smallest code on a shared edge).
A line or polygon crossing grids goes to the grid holding the longest part (lines) or the
largest part (polygons) of it, ties to the smallest code; the chain above follows from the
grid's code. A feature in no grid falls back to the community holding most of it (属地兜底),
then the street, then the district. The micro-grid is the one holding most of the feature
inside its grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geo.areas import LEVELS, AreaRecord, Level
from geo.layers.model import GeometryKind

__all__ = ["AreaTrees", "Areas", "Chains", "assign_chains", "chains_from_codes", "holders"]

Chains = dict[Level, list[str | None]]


class Areas(Protocol):
    """What assignment needs of the current areas: :class:`geo.locate.Locator` is one."""

    def codes(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> Chains: ...
    def areas(self, level: Level) -> Sequence[AreaRecord]: ...


class AreaTrees:
    """The current areas in one STRtree per level: built in a fraction of a second, where
    the locator's cell index takes seconds, for a one-off batch (the demo's layers)."""

    def __init__(self, records: Sequence[AreaRecord]) -> None:
        self._by_level = {level: [a for a in records if a.level is level] for level in LEVELS}

    def areas(self, level: Level) -> Sequence[AreaRecord]:
        return self._by_level[level]

    def codes(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> Chains:
        x, y = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        points: npt.NDArray[np.object_] = np.asarray(shapely.points(x, y), dtype=np.object_)
        return {
            level: holders(points, {a.code: a.geometry for a in found}, GeometryKind.POINT)
            for level, found in self._by_level.items()
        }


def holders(
    geoms: npt.NDArray[np.object_],
    areas: Mapping[str, BaseGeometry],
    kind: GeometryKind,
) -> list[str | None]:
    """For each geometry, the area (by code) that holds the most of it, or None.

    Points: the smallest code among the areas covering it. Lines: the longest intersection.
    Polygons: the largest intersection. Ties go to the smallest code.
    """
    n = len(geoms)
    if not n or not areas:
        return [None] * n
    codes = sorted(areas)
    tree = shapely.STRtree([areas[c] for c in codes])
    feature_idx, area_idx = tree.query(geoms, predicate="intersects")
    best = np.full(n, len(codes), dtype=np.int64)
    if kind is GeometryKind.POINT:
        np.minimum.at(best, feature_idx, area_idx)
        return [codes[b] if b < len(codes) else None for b in best.tolist()]
    # Most features lie wholly inside one area: no need to measure their intersections.
    inner_feature, inner_area = tree.query(geoms, predicate="within")
    np.minimum.at(best, inner_feature, inner_area)
    crossing = best[feature_idx] == len(codes)
    feature_idx, area_idx = feature_idx[crossing], area_idx[crossing]
    if len(feature_idx):
        shared = shapely.intersection(
            geoms[feature_idx],
            np.asarray([areas[codes[i]] for i in area_idx.tolist()], dtype=object),
        )
        measure = shapely.length(shared) if kind is GeometryKind.LINE else shapely.area(shared)
        # Sort by (feature, -measure, code) and keep each feature's first pair.
        order = np.lexsort((area_idx, -measure, feature_idx))
        first = np.ones(len(order), dtype=bool)
        first[1:] = feature_idx[order][1:] != feature_idx[order][:-1]
        picked = order[first]
        positive = measure[picked] > 0
        best[feature_idx[picked][positive]] = area_idx[picked][positive]
    return [codes[b] if b < len(codes) else None for b in best.tolist()]


def chains_from_codes(deepest: Sequence[str | None]) -> Chains:
    """Chains whose every level follows from the deepest code found (codes nest)."""
    chains: Chains = {level: [] for level in LEVELS}
    for code in deepest:
        for level in LEVELS:
            width = 6 + 3 * level.depth
            chains[level].append(code[:width] if code is not None and len(code) >= width else None)
    return chains


def assign_chains(geoms: npt.NDArray[np.object_], kind: GeometryKind, locator: Areas) -> Chains:
    """The area chain of every feature against the locator's current areas."""
    if kind is GeometryKind.POINT:
        where = shapely.point_on_surface(geoms)
        return locator.codes(shapely.get_x(where), shapely.get_y(where))
    deepest: list[str | None] = [None] * len(geoms)
    pending = np.arange(len(geoms))
    for level in (Level.GRID, Level.COMMUNITY, Level.STREET, Level.DISTRICT):
        if not len(pending):
            break
        areas = {a.code: a.geometry for a in locator.areas(level)}
        found = holders(geoms[pending], areas, kind)
        for i, code in zip(pending.tolist(), found, strict=True):
            deepest[i] = code
        pending = pending[np.array([c is None for c in found], dtype=bool)]
    chains = chains_from_codes(deepest)
    in_grid = np.flatnonzero(np.array([c is not None for c in chains[Level.GRID]], dtype=bool))
    if len(in_grid):
        micro = {a.code: a.geometry for a in locator.areas(Level.MICRO_GRID)}
        found = holders(geoms[in_grid], micro, kind)
        for i, code in zip(in_grid.tolist(), found, strict=True):
            grid = chains[Level.GRID][i]
            chains[Level.MICRO_GRID][i] = code if code and grid and code.startswith(grid) else None
    return chains
