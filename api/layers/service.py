"""What the layer routes share: the registry as each worker sees it, visibility, imports.

The registry is read at most once a second per worker (:class:`LayerRegistry`), so a map full
of layer tiles costs no registry query per tile; an import or a re-assignment changes a
layer's revision, which the next read picks up and which keys its tiles.
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request

from geo.access import ApiKey, Role
from geo.errors import ForbiddenError, InvalidInputError, NotFoundError
from geo.layers import (
    FieldSpec,
    GeometryKind,
    LayerDef,
    LayerRecord,
    PreparedImport,
    prepare_import,
    read_layer_file,
)
from geo.locate import LocatorHolder
from geo.stores import Store
from tiles import ThematicSpec

__all__ = [
    "FORMATS",
    "ImportOptions",
    "LayerRegistry",
    "definition_from",
    "layer_out",
    "registry",
    "run_import",
    "visible_layer",
    "visible_layers",
]

FORMATS = {"csv": ".csv", "geojson": ".geojson", "gpkg": ".gpkg", "shp": ".zip"}
_CONTENT_TYPES = {
    "text/csv": "csv",
    "application/geo+json": "geojson",
    "application/json": "geojson",
    "application/geopackage+sqlite3": "gpkg",
    "application/zip": "shp",
}


class LayerRegistry:
    """The store's registry, re-read when older than ``ttl`` seconds."""

    def __init__(self, store: Store, ttl: float = 1.0) -> None:
        self.store, self.ttl = store, ttl
        self._lock = threading.Lock()
        self._records: dict[str, LayerRecord] = {}
        self._read_at = -1e9

    def all(self) -> dict[str, LayerRecord]:
        if time.monotonic() - self._read_at > self.ttl:
            with self._lock:
                if time.monotonic() - self._read_at > self.ttl:
                    self._records = {r.name: r for r in self.store.list_layers()}
                    self._read_at = time.monotonic()
        return self._records

    def forget(self) -> None:
        self._read_at = -1e9


def registry(request: Request) -> LayerRegistry:
    found: LayerRegistry | None = getattr(request.app.state, "layer_registry", None)
    if found is None:
        found = LayerRegistry(request.app.state.store)
        request.app.state.layer_registry = found
    return found


def visible_layers(request: Request, key: ApiKey | None) -> list[LayerRecord]:
    return [r for r in registry(request).all().values() if r.definition.visible_to(key)]


def visible_layer(request: Request, key: ApiKey | None, name: str) -> LayerRecord:
    """The layer if this key may see it; unknown and hidden layers alike answer 404, so a
    sensitive layer's name is not disclosed to those who may not see it."""
    found = registry(request).all().get(name)
    if found is None:
        registry(request).forget()
        found = registry(request).all().get(name)
    if found is None or not found.definition.visible_to(key):
        raise NotFoundError(f"no layer named {name!r}", field="name")
    return found


def thematic_spec(record: LayerRecord) -> ThematicSpec:
    return ThematicSpec(record.name, record.definition.geometry_type, record.revision)


def layer_out(request: Request, record: LayerRecord) -> dict[str, Any]:
    root = request.scope.get("root_path", "").rstrip("/")
    body = record.as_dict()
    body["tiles"] = f"{root}/tiles/layers/{record.name}/{{z}}/{{x}}/{{y}}.mvt?r={record.revision}"
    body["minzoom"] = thematic_spec(record).minzoom
    return body


def definition_from(body: Any) -> LayerDef:
    return LayerDef(
        name=body.name,
        title=body.title,
        department=body.department,
        geometry_type=GeometryKind.parse(body.geometry_type),
        fields=tuple(FieldSpec(f.name, f.type, f.required, f.title) for f in body.fields),
        style=body.style,
        min_role=Role(body.min_role),
        sensitive=body.sensitive,
        roles=tuple(Role(r) for r in body.roles),
        scopes=tuple(body.scopes),
        parts=body.parts,
        description=body.description,
    )


@dataclass(frozen=True, slots=True)
class ImportOptions:
    format: str
    crs: str | None = None
    skip_bad_rows: bool = False
    replace: bool = False
    lon_column: str | None = None
    lat_column: str | None = None


def file_format(requested: str | None, content_type: str | None) -> str:
    if requested is not None:
        if requested not in FORMATS:
            raise InvalidInputError(
                f"unknown format {requested!r}; accepted: " + ", ".join(FORMATS), field="format"
            )
        return requested
    media = (content_type or "").split(";")[0].strip().lower()
    if media in _CONTENT_TYPES:
        return _CONTENT_TYPES[media]
    raise InvalidInputError(
        "say the file's format: ?format=csv|geojson|gpkg|shp (a zipped "
        "Shapefile) or a matching Content-Type",
        field="format",
    )


def run_import(
    store: Store,
    locator: LocatorHolder,
    key: ApiKey,
    record: LayerRecord,
    body: bytes,
    options: ImportOptions,
) -> tuple[LayerRecord, PreparedImport]:
    """Read, check, assign and store one uploaded file (all rows or, skipping, the good ones)."""
    if key.scope is not None:
        raise ForbiddenError("layer imports need an unscoped editor key", field="X-API-Key")
    if not body:
        raise InvalidInputError("the request body (the file) is empty", field="file")
    with tempfile.TemporaryDirectory(prefix="onemap-layer-") as folder:
        path = Path(folder) / f"upload{FORMATS[options.format]}"
        path.write_bytes(body)
        raw = read_layer_file(
            path, crs=options.crs, lon_column=options.lon_column, lat_column=options.lat_column
        )
    prepared = prepare_import(
        record.definition, raw, locator.current(), skip_bad_rows=options.skip_bad_rows
    )
    stored = store.import_layer_features(
        record.name,
        prepared.batch,
        author=key.name,
        key_id=key.id,
        replace=options.replace,
        note=f"{prepared.skipped_rows} rows skipped" if prepared.skipped_rows else None,
    )
    return stored, prepared
