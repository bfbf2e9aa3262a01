"""TileJSON 3.0.0 documents and the data extent they advertise.

The tile URL template carries the data version (``?v=<changeset id>``): after an edit the
TileJSON names new URLs, so no browser or proxy can keep showing tiles from before it, and
tiles under a versioned URL may be cached for long.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, func, select

from geo.stores.schema import areas
from tiles.layers import FIELDS, LayerSpec
from tiles.tms import LonLatBox

__all__ = ["data_bounds", "tile_url_template", "tilejson"]

TILEJSON_VERSION = "3.0.0"


def tile_url_template(
    base_url: str, specs: Sequence[LayerSpec], version: int, *, as_of: str | None = None
) -> str:
    """``{base}/tiles/{layers}/{z}/{x}/{y}.mvt?v={version}`` (plus ``as_of`` when given)."""
    query = {"v": str(version)} | ({"as_of": as_of} if as_of else {})
    names = ",".join(s.name for s in specs)
    return f"{base_url.rstrip('/')}/tiles/{names}/{{z}}/{{x}}/{{y}}.mvt?{urlencode(query)}"


def data_bounds(conn: Connection, scope: str | None = None) -> LonLatBox | None:
    """The box around the current outermost areas (of a scope's subtree), None if none."""
    stmt = select(
        func.min(areas.c.minx),
        func.min(areas.c.miny),
        func.max(areas.c.maxx),
        func.max(areas.c.maxy),
    ).where(areas.c.valid_to.is_(None))
    if scope is None:
        stmt = stmt.where(areas.c.parent_code.is_(None))
    else:
        stmt = stmt.where(areas.c.code == scope)
    west, south, east, north = conn.execute(stmt).one()
    if west is None:
        return None
    return LonLatBox(float(west), float(south), float(east), float(north))


def tilejson(
    specs: Sequence[LayerSpec],
    *,
    url: str,
    version: int,
    bounds: LonLatBox | None,
) -> dict[str, Any]:
    """The TileJSON 3.0.0 document of one or several layers served together."""
    minzoom = min(s.minzoom for s in specs)
    maxzoom = max(s.maxzoom for s in specs)
    box = bounds or LonLatBox(-180.0, -85.051129, 180.0, 85.051129)
    center_zoom = max(minzoom, min(maxzoom, 10))
    return {
        "tilejson": TILEJSON_VERSION,
        "name": "onemap " + ",".join(s.name for s in specs),
        "description": "一张图 · " + "、".join(s.title for s in specs),
        "version": "1.0.0",
        "attribution": "onemap",
        "scheme": "xyz",
        "tiles": [url],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": [box.west, box.south, box.east, box.north],
        "center": [(box.west + box.east) / 2, (box.south + box.north) / 2, center_zoom],
        "vector_layers": [
            {
                "id": s.name,
                "description": s.title,
                "minzoom": s.minzoom,
                "maxzoom": s.maxzoom,
                "fields": dict(FIELDS),
            }
            for s in specs
        ],
        "onemap:data_version": version,
    }
