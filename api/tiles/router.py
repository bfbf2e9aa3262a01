"""Vector tiles and TileJSON: the HTTP face of the ``tiles`` package.

The handlers are ``async`` so that a cached tile is answered on the event loop without a
thread hop; only cache misses (database work) go to the thread pool.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import parse_as_of
from api.map import MapSettings, map_access, map_settings
from api.schemas import ErrorBody
from api.settings import Settings
from api.tiles.responses import MVT, cache_control, tile_response
from api.tiles.shortcut import CachedTileShortcut
from geo.stores import Store
from tiles import LAYERS, Tile, TileService, parse_layers, tile_url_template, tilejson
from tiles.cache import etag_of

__all__ = ["install", "router", "start_tiles"]

router = APIRouter(prefix="/tiles", tags=["tiles"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "missing or unknown API key"},
    403: {"model": ErrorBody, "description": "the key's role is too low"},
    404: {"model": ErrorBody, "description": "unknown layer (field `layer`)"},
    422: {"model": ErrorBody, "description": "bad z, x, y, v or as_of (field named)"},
}
LayerPath = Annotated[
    str,
    Path(
        max_length=200,
        description=f"a layer or comma-separated layers: {', '.join(LAYERS)}",
        examples=["grids,micro_grids"],
    ),
]
AS_OF_HELP = "ISO 8601 time: the map as it was then (default: now)"
V_HELP = "the data version from the TileJSON URL; a newer one makes this worker catch up first"


def install(app: FastAPI) -> None:
    """Add the tile routes, and the shortcut that answers cached tiles ahead of routing."""
    app.include_router(router)
    app.add_middleware(CachedTileShortcut)


def start_tiles(app: FastAPI, store: Store) -> TileService:
    """Create the app's tile service and start following the store (the lifespan calls this).

    Tests may set ``app.state.map_settings`` before the lifespan starts; otherwise the
    settings come from the environment.
    """
    settings: MapSettings | None = getattr(app.state, "map_settings", None)
    if settings is None:
        settings = MapSettings()
        app.state.map_settings = settings
    service = TileService(
        store,
        cache_bytes=settings.tile_cache_mb * 1024 * 1024,
        poll_interval=settings.tile_poll_interval_s,
        db_pool_size=settings.tile_db_pool_size,
        warm_zoom=settings.tile_warm_zoom,
    )
    app.state.tile_service = service
    return service.start()


def _service(request: Request) -> TileService:
    service: TileService = request.app.state.tile_service
    return service


@router.get(
    "/{layer}/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={
        200: {"content": {MVT: {}}, "description": "a Mapbox Vector Tile"},
        204: {"description": "no feature in this tile"},
        304: {"description": "not modified (If-None-Match)"},
        **ERRORS,
    },
)
async def get_tile(
    request: Request,
    layer: LayerPath,
    z: Annotated[int, Path(ge=0, le=24, description="zoom")],
    x: Annotated[int, Path(ge=0, description="column, from the west")],
    y: Annotated[int, Path(ge=0, description="row, from the north")],
    v: Annotated[int | None, Query(ge=0, description=V_HELP)] = None,
    as_of: Annotated[str | None, Query(description=AS_OF_HELP)] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One vector tile of one layer or several (``grids,micro_grids``).

    Features carry `code`, `name`, `level` and `kind`. An empty tile answers 204. Tiles
    reflect every committed edit: use the URL of the layer's TileJSON, whose `v` changes
    with each edit.
    """
    key = map_access(request)
    specs = parse_layers(layer)
    tile = Tile.checked(z, x, y)
    settings = map_settings(request)
    service = _service(request)
    scope = key.scope if key is not None else None
    when = None
    if as_of:
        app_settings: Settings = request.app.state.settings
        when = parse_as_of(as_of, app_settings)
    if v is None and when is None:
        # No version named: as fresh as the database, at the price of one indexed query.
        answer = await run_in_threadpool(service.current_tile, specs, tile, scope=scope)
    else:
        if v is not None and v > service.version:
            await run_in_threadpool(service.ensure_version, v)
        found = service.cached(specs, tile, scope=scope) if when is None else None
        if found is None:
            found = await run_in_threadpool(service.render, specs, tile, as_of=when, scope=scope)
        answer = found
    return tile_response(
        answer, key, settings, v=v, as_of=when is not None, if_none_match=if_none_match
    )


@router.get("/{layer}.json", responses={200: {"description": "TileJSON 3.0.0"}, **ERRORS})
async def get_tilejson(
    request: Request,
    layer: LayerPath,
    as_of: Annotated[str | None, Query(description=AS_OF_HELP)] = None,
) -> Response:
    """TileJSON 3.0.0 of a layer (or comma-separated layers); its tile URL carries the data
    version, so it changes with every committed edit."""
    key = map_access(request)
    specs = parse_layers(layer)
    if as_of:
        app_settings: Settings = request.app.state.settings
        parse_as_of(as_of, app_settings)
    service = _service(request)
    store: Store = request.app.state.store
    version = await run_in_threadpool(store.current_version)
    await run_in_threadpool(service.ensure_version, version)
    scope = key.scope if key is not None else None
    bounds = await run_in_threadpool(service.bounds, scope)
    url = tile_url_template(str(request.base_url), specs, version, as_of=as_of)
    doc = tilejson(specs, url=url, version=version, bounds=bounds)
    response = JSONResponse(doc)
    response.headers["ETag"] = etag_of(bytes(response.body))
    response.headers["Cache-Control"] = cache_control(key, "no-cache")
    response.headers["Vary"] = "X-API-Key, Authorization"
    return response


@router.get("", responses=ERRORS)
async def list_layers(request: Request) -> dict[str, Any]:
    """The tile layers, their zoom ranges and where their TileJSON lives."""
    map_access(request)
    base = str(request.base_url).rstrip("/")
    return {
        "version": _service(request).version,
        "layers": [
            {
                "id": s.name,
                "title": s.title,
                "minzoom": s.minzoom,
                "maxzoom": s.maxzoom,
                "tilejson": f"{base}/tiles/{s.name}.json",
            }
            for s in LAYERS.values()
        ],
    }
