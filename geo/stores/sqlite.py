"""The embedded store: one SQLite file, geometry as WKB, spatial work in Shapely.

It exists so that ``onemap demo`` runs on a fresh machine with nothing but ``pip install``;
it answers the same queries as PostGIS (the store tests run against both).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, Select

from geo.areas import AreaQuery, Bbox, Page
from geo.records import AreaRecord
from geo.schema import areas
from geo.stores.base import Store, area_from_row

__all__ = ["SqliteStore"]


class SqliteStore(Store):
    backend = "sqlite"

    def _page_in_bbox(
        self, conn: Connection, stmt: Select[Any], query: AreaQuery, bbox: Bbox
    ) -> Page[AreaRecord]:
        # The bbox columns narrow the candidates in SQL; Shapely then keeps the exact hits,
        # so the total and the pages match what PostGIS's ST_Intersects returns.
        stmt = stmt.where(
            areas.c.minx <= bbox.east,
            areas.c.maxx >= bbox.west,
            areas.c.miny <= bbox.north,
            areas.c.maxy >= bbox.south,
        ).order_by(areas.c.code)
        rows = conn.execute(stmt).all()
        if not rows:
            return Page([], 0, query.limit, query.offset)
        geoms = np.array([r.geom for r in rows], dtype=object)
        hits = shapely.intersects(geoms, shapely.box(bbox.west, bbox.south, bbox.east, bbox.north))
        matching = [row for row, hit in zip(rows, hits, strict=True) if hit]
        page = matching[query.offset : query.offset + query.limit]
        return Page([area_from_row(r) for r in page], len(matching), query.limit, query.offset)
