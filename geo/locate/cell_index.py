"""The locator's cell index and its vectorised query.

Each cell of a uniform lon/lat grid either lies, at every level, wholly inside one area or
outside all of them (a *pure* cell: ``leaf`` holds the id of the answer, a row of ``tuples``),
or some edge passes through it at some level (a *boundary* cell: ``leaf`` holds ``-(b + 1)``).
A boundary cell carries a reference point ``c`` known not to lie on any edge, the areas
covering ``c``, and the list of edges registered in the cell, grouped by (level, area) with the
areas of a level in code order. For a query point ``q`` in that cell, an area covers ``q`` when
``q`` lies on one of its edges, or when it covers ``c`` and the segment ``c-q`` crosses its
edges an even number of times (or does not cover ``c`` and the count is odd). The segment stays
inside the cell, so the registered edges are the only ones it can meet. Crossings are decided
with exact orientation signs and the half-open rule at vertices, so shared vertices count once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from geo.locate.cell_grid import CellGrid
from geo.locate.exact import CCW_ERRBOUND, orient

__all__ = ["N_LEVELS", "REF_FRACTIONS", "CellIndex"]

N_LEVELS = 5
# Where in its cell the reference point of a boundary cell sits, as (x, y) fractions: the centre
# first, the others for the rare cells whose centre lies on an edge.
REF_FRACTIONS = np.array(
    [
        (0.5, 0.5),
        (0.25, 0.5),
        (0.5, 0.25),
        (0.75, 0.5),
        (0.5, 0.75),
        (0.3125, 0.6875),
        (0.6875, 0.3125),
        (0.1875, 0.1875),
        (0.8125, 0.8125),
        (0.40625, 0.84375),
    ]
)

Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class CellIndex:
    """All arrays of a built index (see the module docstring for what they mean).

    Attributes
    ----------
    grid : CellGrid
        The cell geometry.
    leaf : int32 array, one per cell
        Tuple id of a pure cell, ``-(b + 1)`` for boundary cell ``b``.
    tuples : int32 array (5, n_tuples)
        Per level, the position of the answering area (-1 for none); tuple 0 answers nothing.
    ref_tuple : int32 array, one per boundary cell
        The tuple of the areas covering the cell's reference point (smallest code per level).
    ref_variant : uint8 array, one per boundary cell
        Row of :data:`REF_FRACTIONS` placing the reference point in the cell.
    ptr : int64 array (n_boundary + 1)
        Boundary cell ``b``'s entries are ``ptr[b]:ptr[b + 1]``.
    edge, side, first, ref_in, level, area
        Per entry: the edge (its first vertex in ``vx``/``vy``; the next vertex ends it), the
        orientation sign of the reference point against the edge, whether the entry starts a
        (level, area) group, whether that area covers the reference point, the level and the
        area's position in its level.
    vx, vy : float64 arrays
        Ring vertices of every level, lon/lat; the last two form a far-away dummy edge.
    """

    grid: CellGrid
    leaf: Int32Array
    tuples: Int32Array
    ref_tuple: Int32Array
    ref_variant: npt.NDArray[np.uint8]
    ptr: npt.NDArray[np.int64]
    edge: Int32Array
    side: npt.NDArray[np.int8]
    first: npt.NDArray[np.bool_]
    ref_in: npt.NDArray[np.bool_]
    level: npt.NDArray[np.int8]
    area: Int32Array
    vx: FloatArray
    vy: FloatArray

    @property
    def nbytes(self) -> int:
        """Memory held by the index's arrays."""
        arrays = (
            self.leaf, self.tuples, self.ref_tuple, self.ref_variant, self.ptr, self.edge,
            self.side, self.first, self.ref_in, self.level, self.area, self.vx, self.vy,
        )  # fmt: skip
        return sum(a.nbytes for a in arrays)

    @property
    def n_boundary(self) -> int:
        return int(self.ref_tuple.size)

    def query(self, x: FloatArray, y: FloatArray) -> Int32Array:
        """Per level (rows, outermost first) the position of the covering area, or -1.

        ``x`` and ``y`` are float64 lon/lat arrays of one length; NaN or far-away points get
        -1 everywhere. Where several areas of a level cover a point (on a shared edge or
        vertex), the one with the smallest position, i.e. the smallest code, is returned.
        """
        grid = self.grid
        col = grid.cols(x)
        row = grid.rows(y)
        inside = (col >= 0) & (col < grid.nx) & (row >= 0) & (row < grid.ny)
        # Off-grid points go to cell 0: the spare ring of cells around the map is pure, empty.
        cell = np.where(inside, row * grid.nx + col, 0.0).astype(np.int64)
        found = self.leaf[cell]
        boundary = np.flatnonzero(found < 0)
        if boundary.size:
            bcell = -1 - found[boundary]
            found[boundary] = self.ref_tuple[bcell]
        result = np.take(self.tuples, found, axis=1)  # C-ordered: _refine writes through it
        if boundary.size:
            self._refine(result, x, y, col, row, boundary, bcell)
        return result

    def query_one(self, x: float, y: float) -> list[int]:
        """:meth:`query` for one finite point in plain Python (no per-call NumPy overhead).

        Every float operation is the one :meth:`query` performs, in the same order, so both
        find the same cell, reference point and orientation signs.
        """
        grid = self.grid
        col = math.floor((x - grid.x0) / grid.dx)
        row = math.floor((y - grid.y0) / grid.dy)
        if not (0 <= col < grid.nx and 0 <= row < grid.ny):
            return self.tuples[:, 0].tolist()
        found = int(self.leaf[row * grid.nx + col])
        if found >= 0:
            return self.tuples[:, found].tolist()
        b = -1 - found
        result: list[int] = self.tuples[:, int(self.ref_tuple[b])].tolist()
        fx, fy = REF_FRACTIONS[int(self.ref_variant[b])].tolist()
        cx = grid.x0 + (col + fx) * grid.dx
        cy = grid.y0 + (row + fy) * grid.dy
        lo, hi = int(self.ptr[b]), int(self.ptr[b + 1])
        vx, vy = self.vx, self.vy
        decided = [False] * N_LEVELS
        parity = touched = False
        firsts: list[bool] = self.first[lo:hi].tolist()
        firsts.append(True)  # so that the last entry closes its group
        groups = zip(
            self.edge[lo:hi].tolist(), self.side[lo:hi].tolist(), firsts[:-1],
            self.ref_in[lo:hi].tolist(), self.level[lo:hi].tolist(), self.area[lo:hi].tolist(),
            strict=True,
        )  # fmt: skip
        for i, (e, side, first, ref_in, level, area) in enumerate(groups):
            if first:
                parity = touched = False
                if not decided[level]:
                    result[level] = -1
            ax, ay, bx, by = float(vx[e]), float(vy[e]), float(vx[e + 1]), float(vy[e + 1])
            side_q = _orient_one(ax, ay, bx, by, x, y)
            if side_q == 0:
                touched |= min(ax, bx) <= x <= max(ax, bx) and min(ay, by) <= y <= max(ay, by)
            elif side_q * side < 0:
                end_a = _orient_one(cx, cy, x, y, ax, ay) > 0
                parity ^= end_a != (_orient_one(cx, cy, x, y, bx, by) > 0)
            if firsts[i + 1] and not decided[level] and ((ref_in != parity) or touched):
                result[level] = area
                decided[level] = True
        return result

    def _refine(
        self,
        result: Int32Array,
        x: FloatArray,
        y: FloatArray,
        col: FloatArray,
        row: FloatArray,
        points: npt.NDArray[np.intp],
        bcell: Int32Array,
    ) -> None:
        """Exact answers for the points in boundary cells, written into ``result``."""
        start = self.ptr[bcell]
        counts = self.ptr[bcell + 1] - start
        owner = np.repeat(np.arange(points.size), counts)
        offsets = np.cumsum(counts) - counts
        entry = np.arange(owner.size) - np.repeat(offsets - start, counts)
        pt = points[owner]
        qx, qy = x[pt], y[pt]
        fractions = REF_FRACTIONS[self.ref_variant[bcell]][owner]
        cx = self.grid.ref_x(col[pt], fractions[:, 0])
        cy = self.grid.ref_y(row[pt], fractions[:, 1])
        edge = self.edge[entry]
        ax, ay = self.vx[edge], self.vy[edge]
        bx, by = self.vx[edge + 1], self.vy[edge + 1]

        side_q = orient(ax, ay, bx, by, qx, qy)
        on_edge = (
            (side_q == 0)
            & (qx >= np.minimum(ax, bx))
            & (qx <= np.maximum(ax, bx))
            & (qy >= np.minimum(ay, by))
            & (qy <= np.maximum(ay, by))
        )
        # c and q strictly on opposite sides of the edge's line, and the edge's ends on
        # opposite sides of the line c-q (an end on that line counts as right of it, the
        # half-open rule that makes a vertex shared by two edges count once).
        crosses = (side_q * self.side[entry]) < 0
        candidates = np.flatnonzero(crosses)
        if candidates.size:
            c = candidates
            end_a = orient(cx[c], cy[c], qx[c], qy[c], ax[c], ay[c]) > 0
            end_b = orient(cx[c], cy[c], qx[c], qy[c], bx[c], by[c]) > 0
            crosses[c] = end_a != end_b

        starts = np.flatnonzero(self.first[entry])
        parity = np.bitwise_xor.reduceat(crosses.view(np.uint8), starts)
        touched = np.bitwise_or.reduceat(on_edge.view(np.uint8), starts)
        group_entry = entry[starts]
        covered = (self.ref_in[group_entry] ^ parity.astype(bool)) | touched.astype(bool)

        n = result.shape[1]
        flat = result.reshape(-1)
        slot = self.level[group_entry].astype(np.int64) * n + pt[starts]
        flat[slot] = -1
        hit = np.flatnonzero(covered)
        hit_slot = slot[hit]
        # Groups of one (point, level) come in code order: the first covered one wins.
        keep = np.ones(hit.size, dtype=bool)
        keep[1:] = hit_slot[1:] != hit_slot[:-1]
        flat[hit_slot[keep]] = self.area[group_entry[hit[keep]]]


def _orient_one(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> int:
    """:func:`geo.locate.exact.orient` for one triple of points, in plain Python."""
    left = (ax - cx) * (by - cy)
    right = (ay - cy) * (bx - cx)
    det = left - right
    if abs(det) < CCW_ERRBOUND * (abs(left) + abs(right)):
        f = Fraction
        exact = (f(ax) - f(cx)) * (f(by) - f(cy)) - (f(ay) - f(cy)) * (f(bx) - f(cx))
        return (exact > 0) - (exact < 0)
    return (det > 0) - (det < 0)
