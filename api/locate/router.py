"""Point-in-grid for dispatch systems: the chain of areas covering a point, one or in bulk.

A key scoped to an area (a street office, a grid worker) locates only inside its subtree, as
it reads and files reports only there: a single point outside it is refused (403, naming the
point), and in a batch each point outside it answers as located nowhere (every level null),
with the count of such points in the ``X-Outside-Scope`` header, so one stray point does not
fail a dispatch system's whole batch.
"""

from __future__ import annotations

import math
import weakref
from typing import Annotated, Any
from urllib.parse import parse_qsl

import numpy as np
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.auth import ApiKeyHeader, check_dispatcher
from api.deps import parse_as_of
from api.locate.batch import AnswerWriter, TooManyPointsError, parse_batch
from api.locate.fast import ScopeTables
from api.locate.schemas import (
    FEATURE_COLLECTION_EXAMPLE,
    BatchCodes,
    BatchFull,
    BatchRequest,
    LocateResult,
)
from api.locate.settings import LocateSettings
from api.schemas import ErrorBody
from api.settings import Settings
from geo.areas import LEVELS
from geo.crs import Crs, convert_point
from geo.errors import ForbiddenError, InvalidInputError, PayloadTooLargeError
from geo.locate import Locator, LocatorHolder
from geo.stores import Store

__all__ = ["HOT_ROUTES", "router", "start_locator"]

router = APIRouter(prefix="/v1", tags=["locate"])

JSON = "application/json"
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "the point lies outside the key's area scope"},
    422: {"model": ErrorBody, "description": "bad lon/lat, crs, as_of or body"},
    503: {"model": ErrorBody, "description": "the index is still loading"},
}
CRS_HELP = "wgs84 (default), cgcs2000, gcj02 (Amap, Tencent, WeChat) or bd09 (Baidu)"
AS_OF_HELP = "ISO 8601 time: answer from the areas valid then (default: now)"
# Slack on top of the points themselves for the largest body read (whitespace, properties).
_BYTES_PER_POINT = 2_000
OUTSIDE_SCOPE_HEADER = "X-Outside-Scope"
# Scope tables per locator (a version) and scope; they go with the locator they index.
_scope_tables: weakref.WeakKeyDictionary[Locator, dict[str, ScopeTables]] = (
    weakref.WeakKeyDictionary()
)


def scope_tables(locator: Locator, scope: str) -> ScopeTables:
    """Which of ``locator``'s areas lie inside ``scope``, built once per version and scope."""
    per_scope = _scope_tables.get(locator)
    if per_scope is None:
        per_scope = _scope_tables.setdefault(locator, {})
    tables = per_scope.get(scope)
    if tables is None:
        tables = ScopeTables([locator.code_table(level) for level in LEVELS], scope)
        if len(per_scope) >= 64:  # many scoped keys: keep memory bounded
            per_scope.clear()
        per_scope[scope] = tables
    return tables


def start_locator(app: FastAPI, store: Store) -> LocatorHolder:
    """Create the app's locator holder and start refreshing it (the lifespan calls this)."""
    settings = LocateSettings()
    holder = LocatorHolder(
        store,
        poll_interval=settings.poll_interval_s,
        history_size=settings.as_of_cache_size,
        build=lambda areas, version: Locator(areas, version, cell_m=settings.cell_m),
    )
    app.state.locator = holder
    app.state.locate_settings = settings
    return holder.start(wait=settings.wait_on_start)


def _locator(request: Request, as_of: str | None) -> Locator:
    holder: LocatorHolder = request.app.state.locator
    if as_of is None or as_of == "":
        return holder.current()
    settings: Settings = request.app.state.settings
    return holder.at(parse_as_of(as_of, settings))


def query(request: Request) -> dict[str, str]:
    """The query string's parameters (the last of repeated ones), as Starlette reads them.

    Plain strings (no ``%`` escape, no ``+``) are split directly: building Starlette's
    multi-dict through ``parse_qsl`` costs more than locating the point.
    """
    raw: bytes = request.scope["query_string"]
    if b"%" in raw or b"+" in raw:
        return dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
    params: dict[str, str] = {}
    for pair in raw.decode("latin-1").split("&"):
        if pair:
            name, _, value = pair.partition("=")
            params[name] = value
    return params


def _number(params: dict[str, str], name: str, low: float, high: float) -> float:
    """A finite number in [low, high] from the query string, or a 422 naming ``name``."""
    raw = params.get(name)
    if raw is None or raw == "":
        raise InvalidInputError(f"{name} is required", field=name)
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInputError(f"{name} must be a number, got {raw[:40]!r}", field=name) from None
    if not math.isfinite(value):
        raise InvalidInputError(f"{name} must be a finite number, got {raw[:40]!r}", field=name)
    if not low <= value <= high:
        raise InvalidInputError(f"{name} must be between {low:g} and {high:g}, got {value}",
                                field=name)  # fmt: skip
    return value


_SINGLE_PARAMETERS = [
    {"name": "lon", "in": "query", "required": True, "description": "longitude in degrees",
     "schema": {"type": "number", "minimum": -180, "maximum": 180}},
    {"name": "lat", "in": "query", "required": True, "description": "latitude in degrees",
     "schema": {"type": "number", "minimum": -90, "maximum": 90}},
    {"name": "crs", "in": "query", "required": False, "description": CRS_HELP,
     "schema": {"type": "string", "default": "wgs84"}},
    {"name": "as_of", "in": "query", "required": False, "description": AS_OF_HELP,
     "schema": {"type": "string", "format": "date-time"}},
]  # fmt: skip


@router.get(
    "/locate",
    response_model=LocateResult,
    responses=ERRORS,
    openapi_extra={"parameters": _SINGLE_PARAMETERS, "security": [{"APIKeyHeader": []}]},
)
async def locate(request: Request) -> Response:
    """The areas covering one point at every level; on a shared edge the smallest code wins.

    A point inside a community but in no grid answers the community with `grid` and
    `micro_grid` null; a point outside every area answers `covered: false`. A key scoped to an
    area gets 403 for a point outside that area.
    """
    # Parameters are read by hand: FastAPI's per-parameter machinery costs more than the
    # lookup itself on this hot path. The OpenAPI text above documents them all the same.
    key = check_dispatcher(request, request.headers.get("x-api-key"))
    params = query(request)
    lon = _number(params, "lon", -180.0, 180.0)
    lat = _number(params, "lat", -90.0, 90.0)
    crs = params.get("crs")
    if crs is not None and crs != "wgs84" and crs != "cgcs2000":
        source = Crs.parse(crs)
        if source is not Crs.WGS84 and source is not Crs.CGCS2000:
            lon, lat = convert_point(lon, lat, src=source, dst=Crs.CGCS2000)
    as_of = params.get("as_of")
    if as_of:  # building a past index can take seconds: keep it off the event loop
        locator = await run_in_threadpool(_locator, request, as_of)
    else:
        locator = _locator(request, None)
    positions = locator.locate_one(lon, lat) if math.isfinite(lon + lat) else [-1] * 5
    if key.scope is not None and not scope_tables(locator, key.scope).inside_one(positions):
        raise ForbiddenError(
            f"the point lon={lon:.7f}, lat={lat:.7f} lies outside this key's scope {key.scope}",
            field="lon", details={"scope": key.scope},
        )  # fmt: skip
    return Response(AnswerWriter.of(locator).single(positions), media_type=JSON)


# The same endpoint answered at the application's front door (api.app.OnemapApp), ahead of
# the middleware stack, the router's walk and FastAPI's dependency solving, which on this hot
# path cost more than the lookup. The route above stays for the OpenAPI document and an app
# without the door, and answers identically.
HOT_ROUTES = {("GET", "/v1/locate"): locate}


@router.post(
    "/locate/batch",
    responses={
        200: {
            "description": "one answer per point in input order; with a FeatureCollection, the "
            "features with the areas added to their properties",
            "content": {
                JSON: {
                    "schema": {
                        "oneOf": [
                            BatchFull.model_json_schema(
                                ref_template="#/components/schemas/{model}"
                            ),
                            BatchCodes.model_json_schema(
                                ref_template="#/components/schemas/{model}"
                            ),
                        ]
                    }
                }
            },
        },
        413: {"model": ErrorBody, "description": "more than 100,000 points"},
        **ERRORS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                JSON: {
                    "schema": BatchRequest.model_json_schema(),
                    "examples": {
                        "points": {"value": {"crs": "gcj02", "points": [[120.7555, 30.7467]]}},
                        "features": {"value": FEATURE_COLLECTION_EXAMPLE},
                    },
                }
            },
        }
    },
)
async def locate_batch(
    request: Request,
    api_key: ApiKeyHeader,
    fields: Annotated[
        str, Query(pattern="^(full|codes)$", description="full area objects, or codes only")
    ] = "full",
    crs: Annotated[str | None, Query(description=CRS_HELP + "; overrides the body's")] = None,
    as_of: Annotated[str | None, Query(description=AS_OF_HELP)] = None,
) -> Response:
    """Locate up to 100,000 points at once; answers come back in input order.

    The body is `{"crs": "gcj02", "points": [[lon, lat], ...]}` or a GeoJSON FeatureCollection
    of Point features. `fields=codes` answers with rows of five codes, the fastest form.
    For a key scoped to an area, points outside it answer with every level null and the
    `X-Outside-Scope` header counts them.
    """
    key = await run_in_threadpool(check_dispatcher, request, api_key)
    settings: LocateSettings = request.app.state.locate_settings
    limit = settings.max_batch_points
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit * _BYTES_PER_POINT:
        raise PayloadTooLargeError(f"the body is too large for {limit} points", field="points")
    body = await request.body()
    return await run_in_threadpool(
        _answer_batch, request, body, fields == "codes", crs, as_of, key.scope
    )


def _answer_batch(
    request: Request,
    body: bytes,
    codes_only: bool,
    crs: str | None,
    as_of: str | None,
    scope: str | None,
) -> Response:
    settings: LocateSettings = request.app.state.locate_settings
    try:
        batch = parse_batch(body, crs=crs, max_points=settings.max_batch_points)
    except TooManyPointsError as exc:
        field = "features" if exc.features else "points"
        raise PayloadTooLargeError(str(exc), field=field, details={"limit": exc.limit}) from None
    locator = _locator(request, as_of)
    found = locator.locate(batch.lon, batch.lat)
    headers: dict[str, str] | None = None
    if scope is not None:  # points outside the key's subtree answer as located nowhere
        inside = scope_tables(locator, scope).inside(found)
        found = np.where(inside, found, -1).astype(found.dtype, copy=False)
        headers = {OUTSIDE_SCOPE_HEADER: str(int(inside.size - np.count_nonzero(inside)))}
    writer = AnswerWriter.of(locator)
    if batch.features is not None:
        content = writer.features(found, batch, codes_only=codes_only)
        return Response(content, media_type="application/geo+json", headers=headers)
    return Response(writer.batch(found, codes_only=codes_only), media_type=JSON, headers=headers)
