"""Tiles rendered in Python: the embedded SQLite store's renderer (it also runs on PostGIS).

Rows are narrowed in SQL by the bounding-box columns every area row carries (and lon/lat for
addresses), then Shapely and mapbox-vector-tile do what ``ST_AsMVTGeom``/``ST_AsMVT`` do on
PostGIS. The queries use only portable SQL, so the parity tests can run this renderer and the
PostGIS one over the very same database and compare their features.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, Select, func, select
from sqlalchemy.sql.elements import ColumnElement

from geo.areas import LEVELS
from geo.stores.area_rows import valid_at
from geo.stores.schema import addresses, areas
from tiles.encode import encode_layer, point_tile_coords, to_tile_geometries
from tiles.layers import BUFFER, EXTENT, LayerSpec, Source, simplify_tolerance_deg
from tiles.tms import LonLatBox, Tile

__all__ = ["EmbeddedRenderer", "address_scope", "search_box"]


def search_box(tile: Tile) -> LonLatBox:
    """The lon/lat box whose features can reach the tile once its buffer is drawn."""
    return tile.lonlat_bounds(margin=BUFFER / EXTENT)


def address_scope(table: Any, scope: str) -> ColumnElement[bool]:
    """Rows whose deepest known area lies in the scope subtree (codes nest by prefix)."""
    deepest = func.coalesce(*(table.c[level.value] for level in reversed(LEVELS)))
    return func.substr(deepest, 1, len(scope)) == scope


class EmbeddedRenderer:
    """Render area and address layers with Shapely and mapbox-vector-tile."""

    def render(
        self,
        conn: Connection,
        spec: LayerSpec,
        tile: Tile,
        *,
        as_of: datetime | None,
        scope: str | None,
    ) -> bytes:
        """One MVT layer (``b""`` when empty) of the areas or addresses valid at ``as_of``."""
        if spec.source is Source.AREAS:
            return self._areas(conn, spec, tile, as_of=as_of, scope=scope)
        if spec.source is Source.ADDRESSES:
            return self._addresses(conn, spec, tile, as_of=as_of, scope=scope)
        raise ValueError(f"the embedded renderer does not draw {spec.source} layers")

    @staticmethod
    def _areas(
        conn: Connection,
        spec: LayerSpec,
        tile: Tile,
        *,
        as_of: datetime | None,
        scope: str | None,
    ) -> bytes:
        assert spec.level is not None
        box = search_box(tile)
        stmt = select(areas.c.code, areas.c.name, areas.c.level, areas.c.kind, areas.c.geom).where(
            areas.c.level == spec.level.value,
            valid_at(areas, as_of),
            areas.c.minx <= box.east,
            areas.c.maxx >= box.west,
            areas.c.miny <= box.north,
            areas.c.maxy >= box.south,
        )
        if scope is not None:
            stmt = stmt.where(areas.c.code.startswith(scope))
        rows = conn.execute(stmt.order_by(areas.c.code)).all()
        if not rows:
            return b""
        geoms = np.array([r.geom for r in rows], dtype=object)
        shapes = to_tile_geometries(geoms, tile, simplify_deg=simplify_tolerance_deg(tile.z))
        props = [{"code": r.code, "name": r.name, "level": r.level, "kind": r.kind} for r in rows]
        return encode_layer(spec.name, list(shapes), props)

    @staticmethod
    def _addresses(
        conn: Connection,
        spec: LayerSpec,
        tile: Tile,
        *,
        as_of: datetime | None,
        scope: str | None,
    ) -> bytes:
        rows = conn.execute(_address_query(search_box(tile), as_of=as_of, scope=scope)).all()
        if not rows:
            return b""
        lon = np.array([r.lon for r in rows], dtype=np.float64)
        lat = np.array([r.lat for r in rows], dtype=np.float64)
        tx, ty, inside = point_tile_coords(lon, lat, tile)
        keep = np.flatnonzero(inside)
        points = np.asarray(
            shapely.points(tx[keep].astype(np.float64), ty[keep].astype(np.float64))
        )
        props = [
            {"code": rows[i].code, "name": rows[i].name, "level": "address", "kind": rows[i].kind}
            for i in keep.tolist()
        ]
        return encode_layer(spec.name, list(points), props)


def _address_query(box: LonLatBox, *, as_of: datetime | None, scope: str | None) -> Select[Any]:
    """One address per location: the shortest text there (the building, not its rooms).

    Many standard addresses share a point (every room of a building); drawing them all would
    stack identical dots, so each location shows its building-level address.
    """
    rank = (
        func.row_number()
        .over(
            partition_by=(addresses.c.lon, addresses.c.lat),
            order_by=(func.length(addresses.c.full_text), addresses.c.code),
        )
        .label("rank")
    )
    inner = select(
        addresses.c.code,
        addresses.c.full_text.label("name"),
        addresses.c.status.label("kind"),
        addresses.c.lon,
        addresses.c.lat,
        rank,
    ).where(
        valid_at(addresses, as_of),
        addresses.c.lon.between(box.west, box.east),
        addresses.c.lat.between(box.south, box.north),
    )
    if scope is not None:
        inner = inner.where(address_scope(addresses, scope))
    ranked = inner.subquery()
    return select(ranked.c.code, ranked.c.name, ranked.c.kind, ranked.c.lon, ranked.c.lat).where(
        ranked.c.rank == 1
    )
