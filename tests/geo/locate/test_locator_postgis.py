"""The locator agrees with PostGIS ``ST_Covers`` (smallest code per level) on the demo city.

Over 100,000 random points, every vertex sampled, edge midpoints that lie exactly on their
edge, and points sent as GCJ-02 or BD-09 and converted back: every level, every point. The
truth is computed by PostGIS in one join, so this test needs the PostGIS backend (in CI an
unreachable PostGIS fails the run; see ``tests/conftest.py``).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import psycopg
import pytest
import shapely
from shapely.geometry.base import BaseGeometry

from geo.areas import LEVELS, Level
from geo.crs import bd09_to_wgs84, gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from geo.locate import Locator
from geo.stores import Store

N_RANDOM = 100_000
# Areas outside, points inside the loop: consecutive ST_Covers calls then share their polygon,
# which PostGIS prepares once (a district has thousands of vertices).
TRUTH_SQL = """
SELECT p.id, a.level, min(a.code)
FROM areas a
CROSS JOIN LATERAL (
    SELECT id FROM locate_points p WHERE ST_Covers(a.geom, p.geom)
) p
WHERE a.valid_to IS NULL
GROUP BY p.id, a.level
"""


def exact_edge_points(geoms: list[BaseGeometry], rng: np.random.Generator) -> np.ndarray:
    """Sampled vertices, and edge midpoints exactly on their edge in binary floating point."""
    coords = shapely.get_coordinates(geoms)
    pick = rng.choice(coords.shape[0] - 1, size=6_000, replace=False)
    a, b = coords[pick], coords[pick + 1]
    mids = (a + b) / 2
    exact = [
        (Fraction(q[0]) - Fraction(p[0])) * (Fraction(m[1]) - Fraction(p[1]))
        == (Fraction(q[1]) - Fraction(p[1])) * (Fraction(m[0]) - Fraction(p[0]))
        and not np.array_equal(p, q)
        for p, q, m in zip(a, b, mids, strict=True)
    ]
    return np.concatenate([a[:3_000], mids[np.array(exact)]])


def postgis_truth(store: Store, points: np.ndarray) -> np.ndarray:
    """Per level (rows) and point, the smallest covering code by ST_Covers, or None."""
    url = store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    result = np.full((len(LEVELS), points.shape[0]), None, dtype=object)
    depth = {level.value: level.depth for level in LEVELS}
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TEMP TABLE locate_points (id int PRIMARY KEY, geom geometry(Point, 4490))"
        )
        with conn.cursor().copy("COPY locate_points (id, geom) FROM STDIN") as copy:
            geoms = shapely.set_srid(shapely.points(points), 4490)
            for i, wkb in enumerate(shapely.to_wkb(geoms, hex=True, include_srid=True)):
                copy.write_row((i, wkb))
        conn.execute("CREATE INDEX ON locate_points USING gist (geom)")
        conn.execute("ANALYZE locate_points")
        for point_id, level, code in conn.execute(TRUTH_SQL):
            result[depth[level], point_id] = code
    return result


@pytest.mark.postgis
@pytest.mark.parametrize("city_store", ["postgis"], indirect=True)
def test_locator_agrees_with_postgis_st_covers(city_store: Store) -> None:
    locator = Locator(city_store.current_areas(), city_store.current_version(), cell_m=20.0)
    micro = [a.geometry for a in locator.areas(Level.MICRO_GRID)]
    rng = np.random.default_rng(2024)
    minx, miny, maxx, maxy = shapely.total_bounds(micro)
    pad = 0.02
    random = rng.uniform([minx - pad, miny - pad], [maxx + pad, maxy + pad], size=(N_RANDOM, 2))
    all_geoms = [a.geometry for level in LEVELS for a in locator.areas(level)]
    on_edges = exact_edge_points(all_geoms, rng)
    phone = random[:5_000]
    via_gcj = np.stack(gcj02_to_wgs84(*wgs84_to_gcj02(phone[:, 0], phone[:, 1])), axis=1)
    via_bd = np.stack(bd09_to_wgs84(*wgs84_to_bd09(phone[:, 0], phone[:, 1])), axis=1)
    points = np.concatenate([random, on_edges, via_gcj, via_bd])
    assert on_edges.shape[0] > 3_500

    found = locator.codes(points[:, 0], points[:, 1])
    truth = postgis_truth(city_store, points)
    for level in LEVELS:
        ours = np.array(found[level], dtype=object)
        wrong = np.flatnonzero(ours != truth[level.depth])
        theirs = truth[level.depth]
        assert wrong.size == 0, (
            f"{level.value}: {wrong.size} of {points.shape[0]} differ, e.g. "
            f"{points[wrong[:3]].tolist()} ours {ours[wrong[:3]]} PostGIS {theirs[wrong[:3]]}"
        )
    # The sample must exercise every level, including points in no grid and outside the city.
    assert all(any(c is not None for c in found[level]) for level in LEVELS)
    assert any(c is None for c in found[Level.DISTRICT])
