"""Unit tests of the exact partition and the numbering rule behind the sample city."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from sample_data.numbering import reading_order
from sample_data.tiling import (
    PartitionError,
    densify_coords,
    densify_polygon,
    partition,
    partition_with_retries,
    snap,
)

# A concave parent (an L with a notch) so that some Voronoi cells get cut in two.
PARENT = densify_polygon(
    Polygon([(120.70, 30.70), (120.76, 30.70), (120.76, 30.73), (120.73, 30.73),
             (120.73, 30.71), (120.725, 30.71), (120.725, 30.76), (120.70, 30.76)]),
    10.0,
)  # fmt: skip


def _seeds(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    west, south, east, north = PARENT.bounds
    xy = rng.uniform((west, south), (east, north), size=(n * 20, 2))
    return xy[shapely.contains_xy(PARENT, xy[:, 0], xy[:, 1])][:n]


def test_densify_gives_a_shared_edge_the_same_vertices_both_ways() -> None:
    edge = snap(np.array([[120.7012345, 30.7054321], [120.7398765, 30.7287654]]))
    forward = densify_coords(edge, 7.0)
    backward = densify_coords(edge[::-1], 7.0)
    assert len(forward) > 2
    assert np.array_equal(forward, backward[::-1])
    assert np.array_equal(snap(forward), forward)


@pytest.mark.parametrize("seed", range(5))
def test_partition_is_exact(seed: int) -> None:
    cells = np.array(partition(PARENT, _seeds(30, seed)), dtype=object)
    assert len(cells) == 30
    assert shapely.is_valid(cells).all() and not shapely.is_empty(cells).any()
    assert shapely.coverage_is_valid(cells)
    union = shapely.coverage_union_all(cells)
    assert shapely.equals_exact(shapely.normalize(union), shapely.normalize(PARENT), 0.0)


def test_partition_keeps_every_vertex_on_the_grid() -> None:
    cells = np.array(partition(PARENT, _seeds(12), spacing_m=10.0), dtype=object)
    coords = shapely.get_coordinates(cells)
    assert np.array_equal(snap(coords), coords)


def test_partition_cells_hold_their_seed() -> None:
    seeds = _seeds(20, 3)
    cells = partition(PARENT, seeds)
    for cell, (x, y) in zip(cells, seeds, strict=True):
        assert shapely.contains_xy(cell, x, y)


def test_duplicate_seeds_are_refused_then_jittered_apart() -> None:
    seeds = _seeds(10)
    seeds[1] = seeds[0]
    with pytest.raises(PartitionError):
        partition(PARENT, seeds)
    cells = partition_with_retries(PARENT, seeds, np.random.default_rng(1))
    assert shapely.coverage_is_valid(np.array(cells, dtype=object))


def test_reading_order_runs_by_rows_from_the_north_west() -> None:
    cells = [shapely.box(x, y, x + 1, y + 1) for y in (0, 1, 2) for x in (2, 0, 1)]
    order = reading_order(cells, (0, 0, 3, 3))
    centres = [cells[i].centroid.coords[0] for i in order]
    assert centres == [(0.5, 2.5), (1.5, 2.5), (2.5, 2.5), (0.5, 1.5), (1.5, 1.5),
                       (2.5, 1.5), (0.5, 0.5), (1.5, 0.5), (2.5, 0.5)]  # fmt: skip
