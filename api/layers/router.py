"""Thematic layers over HTTP: the registry, imports, features, GB/T 30428.2 classes, tiles.

| call | role |
| --- | --- |
| GET /v1/layers, GET /v1/layers/{name} | viewer (only the layers the key may see) |
| POST /v1/layers, PUT /v1/layers/{name} | admin (register; change schema, style, visibility) |
| POST /v1/layers/{name}/import | editor, unscoped: CSV, GeoJSON, GeoPackage, zipped Shapefile |
| GET /v1/layers/{name}/features | viewer: GeoJSON, inside the key's scope |
| GET /v1/parts/classes | viewer: the 部件 class table |
| GET /tiles/layers/{name}/{z}/{x}/{y}.mvt | viewer (or anyone on a public map) |
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import Admin, Editor, Viewer, require_in_scope
from api.deps import StoreDep
from api.layers.schemas import ImportOut, LayerIn, LayerList, LayerOut
from api.layers.service import (
    ImportOptions,
    definition_from,
    file_format,
    layer_out,
    registry,
    run_import,
    thematic_spec,
    visible_layer,
    visible_layers,
)
from api.map import map_access, map_settings
from api.schemas import ErrorBody
from api.tiles.responses import tile_response
from geo.areas import Bbox, level_of_code
from geo.errors import InvalidInputError
from geo.layers import MAJOR_CLASSES, MINOR_CLASSES, PROBLEM_LIST_LIMIT, part_class
from tiles import Tile, TileService

__all__ = ["router"]

router = APIRouter(tags=["layers"])
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no such layer, or not one this key may see"},
    422: {"model": ErrorBody, "description": "bad input; an import lists every refused row"},
}
LayerName = Annotated[str, Path(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]{1,39}$")]
MAX_FEATURES = 10_000


@router.get("/v1/layers", response_model=LayerList)
def list_layers(request: Request, key: Viewer) -> dict[str, Any]:
    """The thematic layers this key may see, with their tile URL templates."""
    return {"layers": [layer_out(request, r) for r in visible_layers(request, key)]}


@router.get("/v1/layers/{name}", response_model=LayerOut, responses=ERRORS)
def get_layer(request: Request, name: LayerName, key: Viewer, store: StoreDep) -> dict[str, Any]:
    visible_layer(request, key, name)
    return layer_out(request, store.get_layer(name))


@router.post(
    "/v1/layers",
    response_model=LayerOut,
    status_code=201,
    responses={409: {"model": ErrorBody}, **ERRORS},
)
def register_layer(request: Request, body: LayerIn, key: Admin, store: StoreDep) -> dict[str, Any]:
    """Register a layer: name, department, schema, style, who may see it."""
    record = store.register_layer(definition_from(body), author=key.name, key_id=key.id)
    registry(request).forget()
    return layer_out(request, record)


@router.put("/v1/layers/{name}", response_model=LayerOut, responses=ERRORS)
def update_layer(
    request: Request, name: LayerName, body: LayerIn, key: Admin, store: StoreDep
) -> dict[str, Any]:
    """Change a layer's title, department, schema, style or visibility."""
    if body.name != name:
        raise InvalidInputError(
            f"the body names layer {body.name!r}, the URL {name!r}", field="name"
        )
    store.get_layer(name)
    record = store.register_layer(
        definition_from(body), author=key.name, key_id=key.id, replace=True
    )
    registry(request).forget()
    return layer_out(request, record)


@router.post("/v1/layers/{name}/import", response_model=ImportOut, responses=ERRORS)
async def import_layer(
    request: Request,
    name: LayerName,
    key: Editor,
    store: StoreDep,
    file_format_: Annotated[
        str | None, Query(alias="format", description="csv, geojson, gpkg or shp (zip)")
    ] = None,
    crs: Annotated[
        str | None,
        Query(
            max_length=40,
            description=(
                "coordinates' system when the file does not say: wgs84, cgcs2000, gcj02, bd09, "
                "EPSG:<code>"
            ),
        ),
    ] = None,
    skip_bad_rows: Annotated[bool, Query(description="store the good rows, list the bad")] = False,
    replace: Annotated[bool, Query(description="drop the layer's features first")] = False,
    lon_column: Annotated[str | None, Query(max_length=60)] = None,
    lat_column: Annotated[str | None, Query(max_length=60)] = None,
) -> dict[str, Any]:
    """Import a file into a layer. Every row is checked; by default one refused row refuses
    the file (422 listing every refused row, nothing stored)."""
    record = visible_layer(request, key, name)
    options = ImportOptions(
        file_format(file_format_, request.headers.get("content-type")),
        crs,
        skip_bad_rows,
        replace,
        lon_column,
        lat_column,
    )
    body = await request.body()
    started = time.perf_counter()
    stored, prepared = await run_in_threadpool(
        run_import, store, request.app.state.locator, key, record, body, options
    )
    registry(request).forget()
    return {
        "layer": layer_out(request, stored),
        "rows_read": prepared.rows_read,
        "imported": len(prepared.batch),
        "skipped": prepared.skipped_rows,
        "problems": [p.as_dict() for p in prepared.problems[:PROBLEM_LIST_LIMIT]],
        "seconds": round(time.perf_counter() - started, 3),
    }


@router.get("/v1/layers/{name}/features", responses=ERRORS)
def layer_features(
    request: Request,
    name: LayerName,
    key: Viewer,
    store: StoreDep,
    bbox: Annotated[str | None, Query(description="west,south,east,north")] = None,
    area: Annotated[str | None, Query(max_length=18, description="an area's subtree")] = None,
    class_code: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FEATURES)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The layer's features as GeoJSON, each with its area chain (and class names for 部件)."""
    visible_layer(request, key, name)
    within = [c for c in (key.scope, area) if c is not None]
    if area is not None:
        level_of_code(area, field="area")
        if key.scope is not None and not key.scope.startswith(area):
            require_in_scope(key, area, field="area")
    page = store.layer_features_page(
        name,
        bbox=Bbox.parse(bbox) if bbox else None,
        within=within,
        class_code=class_code,
        limit=limit,
        offset=offset,
    )
    body = {
        "type": "FeatureCollection",
        "features": [f.as_feature() for f in page.items],
        "numberMatched": page.total,
        "numberReturned": len(page.items),
        "limit": limit,
        "offset": offset,
    }
    return JSONResponse(body, media_type="application/geo+json")


@router.get("/v1/parts/classes")
def part_classes(key: Viewer) -> dict[str, Any]:
    """城市部件 classes after GB/T 30428.2: 大类 and their 小类, by code."""
    return {
        "major": [{"code": c, "name": n} for c, n in MAJOR_CLASSES.items()],
        "minor": [part_class(c).as_dict() for c in MINOR_CLASSES],  # type: ignore[union-attr]
    }


@router.get(
    "/tiles/layers/{name}/{z}/{x}/{y}.mvt",
    tags=["tiles"],
    responses={204: {"description": "no feature in this tile"}, **ERRORS},
)
async def layer_tile(
    request: Request,
    name: LayerName,
    z: Annotated[int, Path(ge=0, le=22)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    r: Annotated[int | None, Query(ge=0, description="the layer's revision")] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A thematic layer's vector tile (MVT layer ``layer_<name>``), cached per revision."""
    key = await run_in_threadpool(map_access, request)
    record = visible_layer(request, key, name)
    tile = Tile.checked(z, x, y)
    service: TileService = request.app.state.tile_service
    scope = key.scope if key is not None else None
    spec = thematic_spec(record)
    answer = await run_in_threadpool(service.thematic, spec, tile, scope=scope)
    return tile_response(
        answer, key, map_settings(request), v=None, as_of=False, if_none_match=if_none_match
    )
