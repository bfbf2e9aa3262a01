"""The uniform lon/lat cell grid of the locator and the rasterisation of polygon edges onto it.

Every point is mapped to its cell by one formula (:meth:`CellGrid.cols` and
:meth:`CellGrid.rows`), used both when the index is built and when it is queried. The formula
is monotone in the coordinate, which is what makes the index exact: an edge is registered in
every cell that any point of it can map to, so a cell in which no edge is registered holds no
boundary point, and every point mapped to it lies in the same areas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["EDGE_MARGIN_DEG", "CellGrid", "edge_cells", "row_crossings"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Slack added around each edge when it is rasterised (1e-9 degree, 0.1 mm): far above the
# 1e-14-degree rounding of the cell arithmetic, far below a cell, so registration is
# conservative without registering noticeably more cells.
EDGE_MARGIN_DEG = 1e-9
M_PER_DEG_LAT = 110_950.0


@dataclass(frozen=True, slots=True)
class CellGrid:
    """A grid of ``nx`` by ``ny`` cells of ``dx`` by ``dy`` degrees from (``x0``, ``y0``).

    Cell ``(row, col)`` has the flat number ``row * nx + col``; coordinates are lon/lat
    degrees (CGCS2000).
    """

    x0: float
    y0: float
    dx: float
    dy: float
    nx: int
    ny: int

    @classmethod
    def covering(
        cls, bounds: tuple[float, float, float, float], cell_m: float, max_cells: int
    ) -> CellGrid:
        """Square-ish cells of about ``cell_m`` metres over ``bounds``, two spare cells around.

        The spare cells keep cell 0 clear of every edge, so points off the grid can be sent
        there and answered "nothing" by the fast path.

        Cells grow when the box would need more than ``max_cells``, which bounds memory for a
        province-sized map at the cost of more exact tests.
        """
        west, south, east, north = bounds
        lat = math.radians((south + north) / 2.0)
        dy = cell_m / M_PER_DEG_LAT
        dx = cell_m / (M_PER_DEG_LAT * max(math.cos(lat), 0.05))
        width, height = max(east - west, dx), max(north - south, dy)
        grow = math.sqrt((width / dx + 5) * (height / dy + 5) / max_cells)
        if grow > 1.0:
            dx, dy = dx * grow, dy * grow
        nx = math.ceil(width / dx) + 5
        ny = math.ceil(height / dy) + 5
        return cls(west - 2 * dx, south - 2 * dy, dx, dy, nx, ny)

    @property
    def size(self) -> int:
        return self.nx * self.ny

    def cols(self, x: FloatArray) -> FloatArray:
        """Column of each lon as a float (may lie outside ``[0, nx)``; NaN stays NaN)."""
        return np.floor((x - self.x0) / self.dx)

    def rows(self, y: FloatArray) -> FloatArray:
        return np.floor((y - self.y0) / self.dy)

    def ref_x(self, col: npt.ArrayLike, frac: npt.ArrayLike = 0.5) -> FloatArray:
        """Lon of a reference point inside column ``col`` (``frac`` of the way across)."""
        offset = np.asarray(col, np.float64) + np.asarray(frac, np.float64)
        return np.asarray(self.x0 + offset * self.dx, dtype=np.float64)

    def ref_y(self, row: npt.ArrayLike, frac: npt.ArrayLike = 0.5) -> FloatArray:
        offset = np.asarray(row, np.float64) + np.asarray(frac, np.float64)
        return np.asarray(self.y0 + offset * self.dy, dtype=np.float64)


def _expand(lo: IntArray, hi: IntArray) -> tuple[IntArray, IntArray]:
    """For ranges ``lo[i]..hi[i]`` (inclusive): the owner ``i`` and the value of each member."""
    counts = np.maximum(hi - lo + 1, 0)
    owner = np.repeat(np.arange(lo.size), counts)
    starts = np.cumsum(counts) - counts
    value = np.arange(owner.size) - np.repeat(starts - lo, counts)
    return owner, value


def edge_cells(
    grid: CellGrid, ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray
) -> tuple[IntArray, IntArray]:
    """Every (edge, cell) such that some point of the edge may map to the cell.

    The edge is cut into the vertical strips of the columns it spans (each strip widened by
    :data:`EDGE_MARGIN_DEG`); within a strip its lat range, widened again, gives the rows.

    Returns
    -------
    edge, cell
        Parallel arrays: the edge's position in the input and a flat cell number.
    """
    m = EDGE_MARGIN_DEG
    xmin, xmax = np.minimum(ax, bx), np.maximum(ax, bx)
    ymin, ymax = np.minimum(ay, by), np.maximum(ay, by)
    clo = np.clip(grid.cols(xmin - m), 0, grid.nx - 1).astype(np.int64)
    chi = np.clip(grid.cols(xmax + m), 0, grid.nx - 1).astype(np.int64)
    edge, col = _expand(clo, chi)
    exa, eya, exb, eyb = ax[edge], ay[edge], bx[edge], by[edge]
    left = np.maximum(np.minimum(exa, exb), grid.x0 + col * grid.dx - m)
    right = np.minimum(np.maximum(exa, exb), grid.x0 + (col + 1) * grid.dx + m)
    run = exb - exa
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (eyb - eya) / run
        y_left = eya + (left - exa) * slope
        y_right = eya + (right - exa) * slope
    vertical = ~np.isfinite(y_left) | ~np.isfinite(y_right) | (run == 0)
    lo = np.where(vertical, ymin[edge], np.minimum(y_left, y_right))
    hi = np.where(vertical, ymax[edge], np.maximum(y_left, y_right))
    lo = np.maximum(lo, ymin[edge]) - m
    hi = np.minimum(hi, ymax[edge]) + m
    rlo = np.clip(grid.rows(lo), 0, grid.ny - 1).astype(np.int64)
    rhi = np.clip(grid.rows(hi), 0, grid.ny - 1).astype(np.int64)
    strip, row = _expand(rlo, rhi)
    return edge[strip], row * grid.nx + col[strip]


def row_crossings(
    grid: CellGrid, ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray
) -> tuple[IntArray, IntArray, FloatArray, npt.NDArray[np.int8]]:
    """Where edges cross the horizontal lines through the cell centres.

    An edge crosses the centre line of row ``r`` (latitude ``yc``) when exactly one of its
    ends has ``y <= yc``: the usual half-open rule, which counts a vertex on the line once.

    Returns
    -------
    edge, row, x, winding
        The edge, the row, the crossing's lon, and +1 for a downward edge, -1 for an upward one
        (so that with counter-clockwise shells the crossings left of a point sum to 1 inside).
    """
    ymin, ymax = np.minimum(ay, by), np.maximum(ay, by)
    rlo = np.clip(grid.rows(ymin) - 1, 0, grid.ny - 1).astype(np.int64)
    rhi = np.clip(grid.rows(ymax) + 1, 0, grid.ny - 1).astype(np.int64)
    edge, row = _expand(rlo, rhi)
    yc = grid.ref_y(row)
    eya, eyb = ay[edge], by[edge]
    crossing = (eya <= yc) != (eyb <= yc)
    edge, row, yc = edge[crossing], row[crossing], yc[crossing]
    exa, eya, exb, eyb = ax[edge], ay[edge], bx[edge], by[edge]
    x = exa + (yc - eya) * (exb - exa) / (eyb - eya)
    winding = np.where(eyb < eya, 1, -1).astype(np.int8)
    return edge, row, x, winding
