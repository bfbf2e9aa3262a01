"""Exact answers, with Shapely, for the few cells the scan line cannot settle.

These are cells whose centre lies on or within 1e-9 degree of an edge, cells covered by more
than one area of a level (overlapping data), and cells whose answers do not follow the code
hierarchy. For a boundary cell the reference point is moved off the centre until it lies on no
edge of any level, so that the exact crossing test has a point of known coverage to start from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geo.locate.cell_grid import CellGrid
from geo.locate.cell_index import N_LEVELS, REF_FRACTIONS

__all__ = ["Resolved", "resolve_cells"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Resolved:
    """What :func:`resolve_cells` found.

    Attributes
    ----------
    tuples : int32 array (5, k)
        New answer tuples (smallest covering area per level, -1 for none).
    tuple_of_cell : array
        For each re-checked cell, its row in ``tuples``.
    boundary, variant : arrays
        The re-checked boundary cells (their number ``b``) and the reference point chosen.
    covering : (b, level, area) arrays
        Every area covering the chosen reference point of each re-checked boundary cell.
    """

    tuples: npt.NDArray[np.int32]
    tuple_of_cell: IntArray
    boundary: IntArray
    variant: npt.NDArray[np.uint8]
    covering: tuple[IntArray, IntArray, IntArray]


def resolve_cells(
    grid: CellGrid,
    levels: Sequence[Sequence[BaseGeometry]],
    cells: IntArray,
    boundary_cells: IntArray,
) -> Resolved:
    """Answer ``cells`` (flat numbers) exactly; ``boundary_cells`` is sorted."""
    n = cells.size
    col, row = cells % grid.nx, cells // grid.nx
    bpos = np.searchsorted(boundary_cells, cells)
    is_boundary = (bpos < boundary_cells.size) & (
        boundary_cells[np.minimum(bpos, max(boundary_cells.size - 1, 0))] == cells
        if boundary_cells.size
        else np.zeros(n, dtype=bool)
    )
    geoms = [np.asarray(g, dtype=object) for g in levels]
    trees = [shapely.STRtree(g) for g in geoms]

    big = np.iinfo(np.int32).max
    states = np.full((N_LEVELS, n), big, dtype=np.int64)
    variant = np.zeros(n, dtype=np.uint8)
    cover: list[tuple[IntArray, int, IntArray]] = []
    pending = np.arange(n)
    for v, (fx, fy) in enumerate(REF_FRACTIONS):
        if pending.size == 0:
            break
        points = np.asarray(
            shapely.points(grid.ref_x(col[pending], fx), grid.ref_y(row[pending], fy)), dtype=object
        )
        on_edge = np.zeros(pending.size, dtype=bool)
        hits: list[tuple[IntArray, IntArray]] = []
        for level in range(N_LEVELS):
            pt, area = trees[level].query(points, predicate="intersects")
            touching = shapely.intersects(shapely.boundary(geoms[level][area]), points[pt])
            on_edge[pt[touching]] = True
            hits.append((pt, area))
        for level, (pt, area) in enumerate(hits):
            keep = ~on_edge[pt]
            cells_hit = pending[pt[keep]]
            np.minimum.at(states[level], cells_hit, area[keep])
            cover.append((cells_hit, level, area[keep]))
        variant[pending[~on_edge]] = v
        pending = pending[on_edge]
    if pending.size:  # every candidate point of a cell lies on an edge: cannot happen in practice
        raise RuntimeError(f"no reference point off the edges in {pending.size} cells")

    states[states == big] = -1
    rows, tuple_of_cell = np.unique(states.T, axis=0, return_inverse=True)
    boundary = np.flatnonzero(is_boundary)
    b_of_cell = np.full(n, -1, dtype=np.int64)
    b_of_cell[boundary] = bpos[boundary]
    cb, cl, ca = [], [], []
    for cells_hit, level, area in cover:
        sel = is_boundary[cells_hit]
        cb.append(b_of_cell[cells_hit[sel]])
        cl.append(np.full(int(sel.sum()), level, dtype=np.int64))
        ca.append(area[sel].astype(np.int64))
    empty = np.empty(0, dtype=np.int64)
    covering = (
        np.concatenate(cb) if cb else empty,
        np.concatenate(cl) if cl else empty,
        np.concatenate(ca) if ca else empty,
    )
    return Resolved(
        tuples=rows.T.astype(np.int32),
        tuple_of_cell=tuple_of_cell.reshape(-1).astype(np.int64),
        boundary=bpos[boundary].astype(np.int64),
        variant=variant[boundary],
        covering=covering,
    )
