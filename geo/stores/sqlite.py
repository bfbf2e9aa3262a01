"""The embedded store: one SQLite file, geometry as WKB, spatial work in Shapely.

It exists so that ``onemap demo`` runs on a fresh machine with nothing but ``pip install``;
it answers the same queries as PostGIS (the store tests run against both).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Select, select

from geo.areas import AreaQuery, AreaRecord, Bbox, Level
from geo.paging import Page
from geo.stores.area_rows import area_from_row, valid_at
from geo.stores.base import Store
from geo.stores.schema import areas

__all__ = ["SqliteStore"]


class SqliteStore(Store):
    backend = "sqlite"
    # SQLite has one writer at a time; serialising writers in-process turns "database is
    # locked" races between threads of one worker into an orderly queue.
    _writer_lock = threading.Lock()

    @contextmanager
    def _write_transaction(self) -> Iterator[Connection]:
        with self._writer_lock, self.engine.begin() as conn:
            yield conn

    def _areas_touching(
        self, conn: Connection, level: Level, geom: BaseGeometry
    ) -> list[AreaRecord]:
        west, south, east, north = geom.bounds
        rows = conn.execute(
            select(areas).where(
                valid_at(areas, None),
                areas.c.level == level.value,
                areas.c.minx <= east,
                areas.c.maxx >= west,
                areas.c.miny <= north,
                areas.c.maxy >= south,
            )
        ).all()
        return [area_from_row(r) for r in rows if r.geom.intersects(geom)]

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
