"""Tiles of the thematic layers (专题图层): one MVT layer per registered department layer.

Their data change without a changeset (imports, re-assignments), so their cache key carries
the layer's own revision instead of the data version: a new revision simply misses the
cache, and the old tiles age out. Points are drawn from zoom 13 and lines and polygons from
zoom 12, where a city-scale layer (a million lamps) puts at most a few thousand features in a
tile; below that the page shows the layer's statistics instead of its features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, select

from geo.layers import GeometryKind
from geo.stores.schema import layer_features
from tiles.embedded import address_scope, search_box
from tiles.encode import encode_layer, to_tile_geometries
from tiles.layers import BUFFER, EXTENT, simplify_tolerance_deg
from tiles.postgis import load_sql
from tiles.tms import Tile

__all__ = ["ThematicSpec", "render_thematic"]

MAXZOOM = 18


@dataclass(frozen=True, slots=True)
class ThematicSpec:
    """A thematic layer as the tiles see it: name, geometry kind and revision."""

    name: str
    kind: GeometryKind
    revision: int

    @property
    def minzoom(self) -> int:
        return 13 if self.kind is GeometryKind.POINT else 12

    @property
    def tile_layer(self) -> str:
        """The MVT layer name inside the tile (``layer_<name>``, apart from area layers)."""
        return f"layer_{self.name}"

    def covers_zoom(self, z: int) -> bool:
        return self.minzoom <= z <= MAXZOOM


def render_thematic(
    conn: Connection, spec: ThematicSpec, tile: Tile, *, scope: str | None
) -> bytes:
    """One MVT layer of a thematic layer's features in a tile; ``b""`` when none."""
    if not spec.covers_zoom(tile.z):
        return b""
    tolerance = 0.0 if spec.kind is GeometryKind.POINT else simplify_tolerance_deg(tile.z)
    if conn.dialect.name == "postgresql":
        data = conn.execute(load_sql("layer_tile"), {
            "z": tile.z, "x": tile.x, "y": tile.y, "margin": BUFFER / EXTENT, "extent": EXTENT,
            "buffer": BUFFER, "tolerance": tolerance, "scope": scope, "name": spec.name,
            "layer": spec.tile_layer,
        }).scalar()  # fmt: skip
        return bytes(data) if data else b""
    box = search_box(tile)
    c = layer_features.c
    stmt = select(c.id, c.properties, c.class_code, c.geom).where(
        c.layer == spec.name, c.minx <= box.east, c.maxx >= box.west,
        c.miny <= box.north, c.maxy >= box.south,
    )  # fmt: skip
    if spec.kind is GeometryKind.POINT:  # a point's lon is its minx: the (layer, lon) index
        stmt = stmt.where(c.lon.between(box.west, box.east))
    if scope is not None:
        stmt = stmt.where(address_scope(layer_features, scope))
    rows = conn.execute(stmt.order_by(c.id)).all()
    if not rows:
        return b""
    geoms = np.asarray([r.geom for r in rows], dtype=object)
    shapes = to_tile_geometries(geoms, tile, simplify_deg=tolerance)
    props = [{"code": str(r.id), "name": (r.properties or {}).get("name"), "level": spec.name,
              "kind": r.class_code} for r in rows]  # fmt: skip
    return encode_layer(spec.tile_layer, list(shapes), props)
