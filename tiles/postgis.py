"""Tiles rendered inside PostGIS with ``ST_AsMVTGeom``/``ST_AsMVT``: the production path.

The database clips, simplifies, projects and encodes next to the GiST index, and only the
finished layer bytes cross the wire. The SQL lives in ``tiles/sql/*.sql`` (package resources)
and takes bound parameters only.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib.resources import files

from sqlalchemy import Connection, TextClause, text

from tiles.layers import BUFFER, EXTENT, LayerSpec, Source, simplify_tolerance_deg
from tiles.tms import Tile

__all__ = ["PostgisRenderer", "load_sql"]

_CURRENT = "infinity"  # valid_from <= infinity < valid_to selects the current rows


@cache
def load_sql(name: str) -> TextClause:
    """A statement from ``tiles/sql/<name>.sql``, read once per process."""
    return text(files("tiles").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8"))


class PostgisRenderer:
    """Render area and address layers with one SQL statement each."""

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
        params: dict[str, object] = {
            "z": tile.z,
            "x": tile.x,
            "y": tile.y,
            "margin": BUFFER / EXTENT,
            "extent": EXTENT,
            "buffer": BUFFER,
            "at": _CURRENT if as_of is None else as_of.isoformat(),
            "scope": scope,
            "layer": spec.name,
        }
        if spec.source is Source.AREAS:
            assert spec.level is not None
            params.update(level=spec.level.value, tolerance=simplify_tolerance_deg(tile.z))
            statement = load_sql("area_tile")
        elif spec.source is Source.ADDRESSES:
            statement = load_sql("address_tile")
        else:
            raise ValueError(f"the PostGIS renderer does not draw {spec.source} layers")
        data = conn.execute(statement, params).scalar()
        return bytes(data) if data else b""
