"""Building the locator's cell index (:class:`geo.locate.cell_index.CellIndex`) from polygons.

The steps, all vectorised:

1. Rings of every level, shells counter-clockwise, holes clockwise; one table of vertices.
2. Every edge is registered in each cell any of its points can map to: those cells are
   boundary cells (per level).
3. A scan line through each row of cell centres finds, per level, the area covering every
   cell centre: the edges' crossings, weighted by their direction (+1 down, -1 up) and by the
   area's number, are accumulated along the row. A centre within 1e-9 degree of a crossing, or
   covered by several areas (overlapping data), is re-checked with Shapely (exact GEOS
   predicates) instead.
4. A pure cell stores its deepest area, whose ancestors by code are the answers at the other
   levels; a cell whose answers do not follow the code hierarchy gets a tuple of its own.
5. Boundary cells keep their edges, grouped by (level, area) in code order, with the side of
   the reference point against each edge and whether each area covers that point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geo.locate.cell_grid import CellGrid, edge_cells, row_crossings
from geo.locate.cell_index import N_LEVELS, REF_FRACTIONS, CellIndex
from geo.locate.exact import orient
from geo.locate.resolve import resolve_cells

__all__ = ["build_index"]

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
_AREA_BITS = 24  # areas per level < 16.7 M in the sort key of the entries
_CENTRE_TOLERANCE_DEG = 1e-9
_CHUNK = 1_000_000


@dataclass(slots=True)
class _Rings:
    """The ring vertices of one level: ``x``, ``y`` and the area owning each edge."""

    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    edge: IntArray  # first vertex of each real edge (the next vertex ends it)
    area: IntArray  # the area owning each edge


def _rings(geoms: Sequence[BaseGeometry]) -> _Rings:
    if not geoms:
        empty = np.empty(0, dtype=np.int64)
        return _Rings(np.empty(0), np.empty(0), empty, empty)
    parts, part_owner = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    parts = shapely.orient_polygons(parts, exterior_cw=False)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    owner = part_owner[ring_part]
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring[:-1] == ring[1:]
    edge = np.flatnonzero(same_ring)
    return _Rings(coords[:, 0].copy(), coords[:, 1].copy(), edge, owner[ring[edge]])


def _tuple_table(parents: Sequence[IntArray]) -> tuple[npt.NDArray[np.int32], IntArray]:
    """Tuple 0 answers nothing; tuple ``1 + offset[L] + i`` is area i of level L with its
    ancestors above it (by parent code) and nothing below."""
    sizes = [p.size for p in parents]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    table = np.full((N_LEVELS, 1 + int(offsets[-1])), -1, dtype=np.int32)
    for level in range(N_LEVELS):
        own = 1 + offsets[level] + np.arange(sizes[level])
        table[level, own] = np.arange(sizes[level])
        chain = np.arange(sizes[level])
        for upper in range(level - 1, -1, -1):
            chain = np.where(chain >= 0, parents[upper + 1][np.maximum(chain, 0)], -1)
            table[upper, own] = chain
    return table, offsets


def _level_states(
    grid: CellGrid, rings: _Rings
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """Per cell: the area covering its centre (-1 for none) and whether that needs a re-check."""
    width = grid.nx + 1
    total = np.zeros(grid.ny * width, dtype=np.int32)
    count = np.zeros(grid.ny * width, dtype=np.int32)
    unsure = np.zeros(grid.size, dtype=bool)
    e = rings.edge
    edge, row, x, winding = row_crossings(
        grid, rings.x[e], rings.y[e], rings.x[e + 1], rings.y[e + 1]
    )
    if edge.size:
        position = (x - grid.x0) / grid.dx - 0.5
        nearest = np.rint(position)
        near = np.abs(x - grid.ref_x(nearest)) < _CENTRE_TOLERANCE_DEG
        near &= (nearest >= 0) & (nearest < grid.nx)
        unsure[row[near] * grid.nx + nearest[near].astype(np.int64)] = True
        first_col = np.clip(np.floor(position) + 1, 0, grid.nx).astype(np.int64)
        slot = row * width + first_col
        np.add.at(total, slot, (winding * (rings.area[edge] + 1)).astype(np.int32))
        np.add.at(count, slot, winding.astype(np.int32))
    # In place: these arrays are the size of the grid (tens of millions of cells).
    total2d, count2d = total.reshape(grid.ny, width), count.reshape(grid.ny, width)
    np.cumsum(total2d, axis=1, dtype=np.int32, out=total2d)
    np.cumsum(count2d, axis=1, dtype=np.int32, out=count2d)
    total2d -= 1
    single = count2d == 1
    total2d[~single] = -1
    single |= count2d == 0
    del count, count2d
    unsure |= ~single[:, :-1].reshape(-1)
    return np.ascontiguousarray(total2d[:, :-1]).reshape(-1), unsure


def _edge_cells_chunked(grid: CellGrid, rings: _Rings) -> tuple[IntArray, IntArray]:
    """:func:`edge_cells` over the edges in chunks, to bound its temporaries' memory."""
    edges, cells = [], []
    for s in range(0, rings.edge.size, _CHUNK // 4):
        e = rings.edge[s : s + _CHUNK // 4]
        edge, cell = edge_cells(grid, rings.x[e], rings.y[e], rings.x[e + 1], rings.y[e + 1])
        edges.append(edge + s)
        cells.append(cell)
    if not edges:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(edges), np.concatenate(cells)


def build_index(
    levels: Sequence[Sequence[BaseGeometry]],
    parents: Sequence[IntArray],
    *,
    cell_m: float = 20.0,
    max_cells: int = 60_000_000,
) -> CellIndex:
    """Build the index of five levels of polygons, each level's polygons in code order.

    Parameters
    ----------
    levels
        Per level (outermost first), the (Multi)Polygons in lon/lat, sorted by code.
    parents
        Per level, the position of each area's parent in the level above (-1 if none).
    cell_m
        Cell size in metres; smaller cells send fewer points to the exact test but cost
        memory (4 bytes a cell) and build time.
    max_cells
        Cap on the number of cells; cells grow beyond ``cell_m`` to respect it.
    """
    rings = [_rings(g) for g in levels]
    all_x = np.concatenate([r.x for r in rings])
    all_y = np.concatenate([r.y for r in rings])
    if all_x.size:
        bounds = (all_x.min(), all_y.min(), all_x.max(), all_y.max())
    else:
        bounds = (0.0, 0.0, 1e-3, 1e-3)
    grid = CellGrid.covering(tuple(map(float, bounds)), cell_m, max_cells)  # type: ignore[arg-type]
    tuples, offsets = _tuple_table(parents)

    # Per level: registered edges (boundary cells) and centre states folded into tuples.
    deepest = np.zeros(grid.size, dtype=np.int32)
    recheck = np.zeros(grid.size, dtype=bool)
    boundary = np.zeros(grid.size, dtype=bool)
    vertex_offset = np.concatenate([[0], np.cumsum([r.x.size for r in rings])])
    # int32 while collecting: ten million entries at city scale, so the width is the peak.
    entry_parts: list[tuple[Int32Array, Int32Array, Int32Array, int]] = []
    for level in range(N_LEVELS - 1, -1, -1):
        r = rings[level]
        e = r.edge
        edge, cell = _edge_cells_chunked(grid, r)
        boundary[cell] = True
        entry_parts.append(
            (
                cell.astype(np.int32),
                (vertex_offset[level] + e[edge]).astype(np.int32),
                r.area[edge].astype(np.int32),
                level,
            )
        )
        del edge, cell
        state, unsure = _level_states(grid, r)
        recheck |= unsure
        found = deepest > 0
        recheck |= found & (tuples[level][deepest] != state)
        fresh = ~found & (state >= 0)
        deepest[fresh] = 1 + offsets[level] + state[fresh]
        del state, unsure, found, fresh

    # The vertex table, with a dummy edge far outside the grid for "area without edges here".
    dummy_x, dummy_y = grid.x0 - 1.0, grid.y0 - 1.0
    vx = np.concatenate([all_x, [dummy_x, dummy_x + 0.5]])
    vy = np.concatenate([all_y, [dummy_y, dummy_y]])
    dummy_edge = vx.size - 2

    bcells = np.flatnonzero(boundary)
    del boundary
    nb = bcells.size
    bmap = np.full(grid.size, -1, dtype=np.int32)  # boundary cell number of each cell
    bmap[bcells] = np.arange(nb, dtype=np.int32)
    cell = np.concatenate([p[0] for p in entry_parts])
    edge = np.concatenate([p[1] for p in entry_parts])
    area = np.concatenate([p[2] for p in entry_parts])
    levels_of = np.concatenate([np.full(p[0].size, p[3], dtype=np.int8) for p in entry_parts])
    del entry_parts
    bnum = bmap[cell].astype(np.int64)
    del bmap, cell

    # Reference points at cell centres; a centre lying exactly on an edge is re-checked.
    col, row = bcells % grid.nx, bcells // grid.nx
    side = np.empty(edge.size, dtype=np.int8)
    for s in range(0, edge.size, _CHUNK):  # chunked: ten float64 temporaries per entry
        e, b = edge[s : s + _CHUNK], bnum[s : s + _CHUNK]
        side[s : s + _CHUNK] = orient(
            vx[e], vy[e], vx[e + 1], vy[e + 1], grid.ref_x(col[b]), grid.ref_y(row[b])
        )
    on = side == 0
    if on.any():
        i = np.flatnonzero(on)
        cx, cy = grid.ref_x(col[bnum[i]]), grid.ref_y(row[bnum[i]])
        e0, e1 = edge[i], edge[i] + 1
        inside = (
            (cx >= np.minimum(vx[e0], vx[e1])) & (cx <= np.maximum(vx[e0], vx[e1]))
            & (cy >= np.minimum(vy[e0], vy[e1])) & (cy <= np.maximum(vy[e0], vy[e1]))
        )  # fmt: skip
        recheck[bcells[bnum[i[inside]]]] = True

    variant = np.zeros(nb, dtype=np.uint8)
    extra_refs: tuple[IntArray, IntArray, IntArray] = (np.empty(0, np.int64),) * 3
    rcells = np.flatnonzero(recheck)
    del recheck
    if rcells.size:
        resolved = resolve_cells(grid, levels, rcells, bcells)
        start = tuples.shape[1]
        tuples = np.concatenate([tuples, resolved.tuples], axis=1)
        deepest[rcells] = start + resolved.tuple_of_cell
        variant[resolved.boundary] = resolved.variant
        extra_refs = resolved.covering  # (b, level, area) for re-checked boundary cells
        moved = np.flatnonzero(variant[bnum] > 0)
        if moved.size:
            frac = REF_FRACTIONS[variant[bnum[moved]]]
            em = edge[moved]
            side[moved] = orient(
                vx[em], vy[em], vx[em + 1], vy[em + 1],
                grid.ref_x(col[bnum[moved]], frac[:, 0]), grid.ref_y(row[bnum[moved]], frac[:, 1]),
            )  # fmt: skip

    ref_tuple = deepest[bcells]
    leaf = deepest
    leaf[bcells] = -1 - np.arange(nb, dtype=np.int32)

    # Group keys (cell, level, area) in order; add the covering areas without an edge there.
    shift = np.int64(_AREA_BITS)
    key = ((bnum * N_LEVELS + levels_of) << shift) | area.astype(np.int64)
    del area, levels_of
    order = np.argsort(key)
    key, edge, side = key[order], edge[order], side[order]
    del order
    bl = key >> shift
    group_bl = bl[np.flatnonzero(np.diff(bl, prepend=-1))]
    recheck_b = np.zeros(nb, dtype=bool)
    recheck_b[extra_refs[0]] = True
    gb, gl = group_bl // N_LEVELS, group_bl % N_LEVELS
    ref_area = tuples[gl, ref_tuple[gb]].astype(np.int64)
    plain = (ref_area >= 0) & ~recheck_b[gb]
    ref_keys = (group_bl[plain] << shift) | ref_area[plain]  # sorted, as group_bl is
    extra_bl = extra_refs[0] * N_LEVELS + extra_refs[1]
    has_edges = _contains(group_bl, extra_bl)
    extra_keys = np.sort((extra_bl[has_edges] << shift) | extra_refs[2][has_edges])
    covering_keys = _sorted_union(ref_keys, extra_keys)
    missing = covering_keys[~_contains(key, covering_keys)]
    at = np.searchsorted(key, missing)
    key = np.insert(key, at, missing)
    edge = np.insert(edge, at, dummy_edge)
    side = np.insert(side, at, 0)
    first = np.ones(key.size, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    ref_in = _contains(covering_keys, key)
    bl = key >> shift
    ptr = np.searchsorted(bl // N_LEVELS, np.arange(nb + 1)).astype(np.int64)
    return CellIndex(
        grid=grid,
        leaf=leaf,
        tuples=tuples,
        ref_tuple=ref_tuple,
        ref_variant=variant,
        ptr=ptr,
        edge=edge.astype(np.int32),
        side=side,
        first=first,
        ref_in=ref_in,
        level=(bl % N_LEVELS).astype(np.int8),
        area=(key & ((1 << _AREA_BITS) - 1)).astype(np.int32),
        vx=vx,
        vy=vy,
    )


def _contains(sorted_values: IntArray, values: IntArray) -> npt.NDArray[np.bool_]:
    """Whether each of ``values`` occurs in ``sorted_values``."""
    if sorted_values.size == 0:
        return np.zeros(values.size, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), sorted_values.size - 1)
    return sorted_values[at] == values


def _sorted_union(a: IntArray, b: IntArray) -> IntArray:
    """Sorted distinct values of two sorted arrays (np.union1d hashes, which is slow here)."""
    if b.size == 0:
        return a
    merged = np.sort(np.concatenate([a, b]))
    keep = np.ones(merged.size, dtype=bool)
    keep[1:] = merged[1:] != merged[:-1]
    return merged[keep]
