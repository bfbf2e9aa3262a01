"""Label points for area names: a point inside each area, where its name is written.

Vector tiles clip an area into pieces, so a name drawn per tile would repeat or fall off the
edge; the page instead places one label per area, at a point guaranteed to lie inside it
(``point_on_surface``, unlike the centroid of a crescent-shaped community). On PostGIS the
points are computed in the database, so the large boundaries never leave it; elsewhere GEOS
does the same through Shapely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import Connection, func, select

from geo.areas import Level
from geo.stores.schema import areas

__all__ = ["Label", "area_labels"]


@dataclass(frozen=True, slots=True)
class Label:
    """Where to write an area's name: lon/lat in CGCS2000 degrees."""

    code: str
    name: str
    lon: float
    lat: float


def area_labels(conn: Connection, level: Level, *, scope: str | None = None) -> list[Label]:
    """One label per current area of ``level`` (inside the ``scope`` subtree), by code."""
    where = [areas.c.level == level.value, areas.c.valid_to.is_(None)]
    if scope is not None:
        where.append(areas.c.code.startswith(scope))
    if conn.dialect.name == "postgresql":
        point = func.ST_PointOnSurface(areas.c.geom)
        stmt = select(areas.c.code, areas.c.name, func.ST_X(point), func.ST_Y(point))
        rows = conn.execute(stmt.where(*where).order_by(areas.c.code)).all()
        return [Label(c, n, round(float(x), 6), round(float(y), 6)) for c, n, x, y in rows]
    found = conn.execute(
        select(areas.c.code, areas.c.name, areas.c.geom).where(*where).order_by(areas.c.code)
    ).all()
    if not found:
        return []
    points = shapely.point_on_surface(np.array([r.geom for r in found], dtype=object))
    xs, ys = shapely.get_x(points), shapely.get_y(points)
    return [
        Label(r.code, r.name, round(float(x), 6), round(float(y), 6))
        for r, x, y in zip(found, xs, ys, strict=True)
    ]
