"""Writing and reading rows of ``layer_features``: the bulk paths of both backends.

A city's department layer can hold a million features. On PostgreSQL they go in with one
``COPY`` (geometry as hex EWKB, attributes as JSON text), which PostgreSQL parses next to the
table; on SQLite, in chunks of ``executemany``. Both run inside the caller's transaction, so
an import is stored whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Row, insert

from geo.areas import LEVELS, Level
from geo.crs import AREA_SRID
from geo.layers import FeatureBatch, part_class
from geo.stores.schema import layer_features

__all__ = ["COLUMNS", "LayerFeature", "feature_from_row", "insert_features"]

COLUMNS = ("layer", "properties", "class_code", "geom", "lon", "lat", "minx", "miny", "maxx",
           "maxy", "district", "street", "community", "grid", "micro_grid")  # fmt: skip
_CHUNK = 50_000
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class LayerFeature:
    """One stored feature: its id, layer, attributes, 部件 class, geometry and area chain."""

    id: int
    layer: str
    properties: dict[str, Any]
    class_code: str | None
    geometry: BaseGeometry
    chain: dict[Level, str | None]

    def as_feature(self) -> dict[str, Any]:
        """A GeoJSON Feature; a 部件 class comes with its names."""
        properties: dict[str, Any] = dict(self.properties)
        if self.class_code is not None:
            found = part_class(self.class_code)
            properties["class_code"] = self.class_code
            if found is not None:
                properties["class_name"] = found.name
                properties["major_class"] = found.major_name
        properties["areas"] = {level.value: code for level, code in self.chain.items()}
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": shapely.geometry.mapping(self.geometry),
            "properties": properties,
        }


def feature_from_row(row: Row[Any]) -> LayerFeature:
    m = row._mapping
    return LayerFeature(int(m["id"]), m["layer"], dict(m["properties"] or {}), m["class_code"],
                        m["geom"], {lv: m[lv.value] for lv in LEVELS})  # fmt: skip


def _columns(layer: str, batch: FeatureBatch, start: int, end: int) -> Iterator[tuple[Any, ...]]:
    geoms = batch.geoms[start:end]
    where = shapely.point_on_surface(geoms)
    lon, lat = shapely.get_x(where), shapely.get_y(where)
    bounds = shapely.bounds(geoms)
    chains = [batch.chains.get(level) or [None] * len(batch) for level in LEVELS]
    for i in range(end - start):
        j = start + i
        yield (layer, batch.properties[j], batch.class_codes[j], geoms[i], float(lon[i]),
               float(lat[i]), *(float(b) for b in bounds[i]), *(c[j] for c in chains))  # fmt: skip


def insert_features(
    conn: Connection, layer: str, batch: FeatureBatch, progress: Progress | None = None
) -> None:
    """Write a validated, assigned batch into ``layer_features`` (the caller's transaction)."""
    report = progress or (lambda done: None)
    if conn.dialect.name == "postgresql":
        _copy(conn, layer, batch, report)
        return
    for start in range(0, len(batch), _CHUNK):
        end = min(start + _CHUNK, len(batch))
        rows = [dict(zip(COLUMNS, values, strict=True))
                for values in _columns(layer, batch, start, end)]  # fmt: skip
        conn.execute(insert(layer_features), rows)
        report(end)


def _copy(conn: Connection, layer: str, batch: FeatureBatch, report: Progress) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    names = ", ".join(COLUMNS)
    with raw.cursor() as cursor, cursor.copy(f"COPY layer_features ({names}) FROM STDIN") as copy:
        for start in range(0, len(batch), _CHUNK):
            end = min(start + _CHUNK, len(batch))
            ewkb = shapely.to_wkb(
                shapely.set_srid(batch.geoms[start:end], AREA_SRID), hex=True, include_srid=True
            )
            for i, values in enumerate(_columns(layer, batch, start, end)):
                row = list(values)
                row[1] = orjson.dumps(row[1]).decode()
                row[3] = ewkb[i]
                copy.write_row(row)
            report(end)
