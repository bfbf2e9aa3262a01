"""The production store: PostgreSQL with PostGIS, spatial filters answered by GiST indexes."""

from __future__ import annotations

from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Select, func, select

from geo.areas import AreaQuery, AreaRecord, Bbox, Level
from geo.crs import AREA_SRID
from geo.paging import Page
from geo.stores.area_rows import area_from_row, valid_at
from geo.stores.base import Store
from geo.stores.schema import areas

__all__ = ["PostgisStore"]


class PostgisStore(Store):
    backend = "postgis"

    def _areas_touching(
        self, conn: Connection, level: Level, geom: BaseGeometry
    ) -> list[AreaRecord]:
        shape = func.ST_GeomFromText(geom.wkt, AREA_SRID)
        rows = conn.execute(
            select(areas).where(
                valid_at(areas, None),
                areas.c.level == level.value,
                func.ST_Intersects(areas.c.geom, shape),
            )
        ).all()
        return [area_from_row(r) for r in rows]

    def _page_in_bbox(
        self, conn: Connection, stmt: Select[Any], query: AreaQuery, bbox: Bbox
    ) -> Page[AreaRecord]:
        envelope = func.ST_MakeEnvelope(bbox.west, bbox.south, bbox.east, bbox.north, AREA_SRID)
        stmt = stmt.where(func.ST_Intersects(areas.c.geom, envelope))
        total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        rows = conn.execute(
            stmt.order_by(areas.c.code).limit(query.limit).offset(query.offset)
        ).all()
        return Page([area_from_row(r) for r in rows], int(total), query.limit, query.offset)
