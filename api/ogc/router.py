"""OGC API - Features: Part 1 (core, GeoJSON), Part 2 (CRS84 and EPSG:4490) and Part 4
(create, replace, update, delete) over the areas, so GDAL and QGIS read and edit grids with no
plugin.

Collections are the levels (``api.ogc.common.COLLECTIONS``). This module serves the reads and
the ``OPTIONS`` answers clients discover editing from; ``api.ogc.writes`` serves the edits.
EPSG:4490 is latitude-first by its definition, so with ``crs=…/EPSG/0/4490`` coordinates are
served (and read) lat, lon.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from api.auth import Viewer, require_in_scope
from api.deps import SettingsDep, StoreDep
from api.ogc.common import (
    COLLECTIONS,
    CONFORMANCE,
    CRS84,
    CRS_URIS,
    EPSG4490,
    GEOJSON,
    allowed_methods,
    base_url,
    collection_level,
    crs_of,
    feature,
)
from api.ogc.params import DEFAULT_LIMIT, MAX_LIMIT, bbox_of, clamp_limit, interval_of
from api.ogc.writes import area_of
from api.ogc.writes import router as writes
from geo.access import ApiKey
from geo.areas import AreaQuery
from geo.stores import Store

__all__ = ["router"]

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])


@router.get("")
def landing(request: Request) -> dict[str, Any]:
    """The landing page: where the API description, conformance and collections are."""
    base = base_url(request)
    return {
        "title": "onemap 一张图",
        "description": "Districts, streets, communities, grids and micro-grids with history.",
        "links": [
            {"rel": "self", "type": "application/json", "href": base},
            {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0",
             "href": str(request.base_url) + "openapi.json"},
            {"rel": "conformance", "type": "application/json", "href": f"{base}/conformance"},
            {"rel": "data", "type": "application/json", "href": f"{base}/collections"},
        ],
    }  # fmt: skip


@router.get("/conformance")
def conformance() -> dict[str, list[str]]:
    return {"conformsTo": CONFORMANCE}


def _collection(request: Request, store: Store, collection_id: str) -> dict[str, Any]:
    level, title = COLLECTIONS[collection_id]
    bounds = store.level_bounds(level)
    here = f"{base_url(request)}/collections/{collection_id}"
    return {
        "id": collection_id,
        "title": title,
        "description": f"{level.value} areas; datetime selects the versions valid at an instant "
        "or during an interval",
        "itemType": "feature",
        "crs": list(CRS_URIS),
        "storageCrs": EPSG4490,
        "extent": {"spatial": {"bbox": [list(bounds)] if bounds else [], "crs": CRS84}},
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{here}"},
            {"rel": "items", "type": GEOJSON, "href": f"{here}/items"},
        ],
    }  # fmt: skip


def _extra_collections(request: Request, key: ApiKey) -> list[dict[str, Any]]:
    """Collections other capabilities add (thematic layers), through ``app.state``."""
    extra = getattr(request.app.state, "ogc_extra_collections", None)
    return [] if extra is None else list(extra(request, key))


@router.get("/collections")
def collections(request: Request, key: Viewer, store: StoreDep) -> dict[str, Any]:
    base = base_url(request)
    return {
        "collections": [_collection(request, store, cid) for cid in COLLECTIONS]
        + _extra_collections(request, key),
        "links": [{"rel": "self", "type": "application/json", "href": f"{base}/collections"}],
    }


@router.get("/collections/{collection_id}")
def collection(
    request: Request, collection_id: str, key: Viewer, store: StoreDep
) -> dict[str, Any]:
    collection_level(collection_id)
    return _collection(request, store, collection_id)


@router.get("/collections/{collection_id}/items")
def items(
    request: Request,
    collection_id: str,
    key: Viewer,
    store: StoreDep,
    settings: SettingsDep,
    limit: Annotated[
        int,
        Query(ge=1, description=f"page size; above {MAX_LIMIT} the maximum is served",
              json_schema_extra={"maximum": MAX_LIMIT}),
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0)] = 0,
    bbox: Annotated[str | None, Query()] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    crs: Annotated[str | None, Query()] = None,
    datetime_: Annotated[str | None, Query(alias="datetime",
                                           description="an instant, or an interval start/end "
                                           "with '..' for an open end")] = None,
) -> Response:  # fmt: skip
    """Areas of one level, paged; ``bbox`` (in ``bbox-crs``), ``datetime`` and ``crs``."""
    level = collection_level(collection_id)
    out_crs = crs_of(crs, field="crs")
    size = clamp_limit(limit)
    as_of, during = interval_of(datetime_, settings)
    result = store.list_areas(AreaQuery(
        level=level, within=key.scope, bbox=bbox_of(bbox, bbox_crs), as_of=as_of, during=during,
        limit=size, offset=offset,
    ))  # fmt: skip
    base = base_url(request)
    links = [{"rel": "self", "type": GEOJSON, "href": str(request.url)}]
    if offset + len(result.items) < result.total:
        following = request.url.include_query_params(offset=offset + size, limit=size)
        links.append({"rel": "next", "type": GEOJSON, "href": str(following)})
    body = {
        "type": "FeatureCollection",
        "features": [feature(a, out_crs, base, collection_id) for a in result.items],
        "numberMatched": result.total,
        "numberReturned": len(result.items),
        "timeStamp": datetime.now(UTC).isoformat(),
        "links": links,
    }
    return JSONResponse(body, media_type=GEOJSON, headers={"Content-Crs": f"<{out_crs}>"})


@router.get("/collections/{collection_id}/items/{feature_id}")
def item(
    request: Request,
    collection_id: str,
    feature_id: str,
    key: Viewer,
    store: StoreDep,
    settings: SettingsDep,
    crs: Annotated[str | None, Query()] = None,
    datetime_: Annotated[str | None, Query(alias="datetime")] = None,
) -> Response:
    """One area; its ``ETag`` is its version (send it back in ``If-Match`` when editing)."""
    as_of, during = interval_of(datetime_, settings)
    if during is not None:
        as_of = during[1]  # the latest version valid in the interval: the one at its end
    area = area_of(store, key, collection_id, feature_id, as_of=as_of)
    out_crs = crs_of(crs, field="crs")
    headers = {"Content-Crs": f"<{out_crs}>", "ETag": f'"{area.version}"'}
    body = feature(area, out_crs, base_url(request), collection_id)
    return JSONResponse(body, media_type=GEOJSON, headers=headers)


def _options(methods: list[str]) -> Response:
    return Response(status_code=204, headers={"Allow": ", ".join(methods)})


@router.options("/collections/{collection_id}")
def collection_options(collection_id: str, key: Viewer) -> Response:
    """What may be done with a collection: read it."""
    collection_level(collection_id)
    return _options(allowed_methods(key, item=None, items=False))


@router.options("/collections/{collection_id}/items")
def items_options(collection_id: str, key: Viewer) -> Response:
    """``Allow`` names ``POST`` when this key may create areas here (QGIS enables adding)."""
    collection_level(collection_id)
    return _options(allowed_methods(key, item=None, items=True))


@router.options("/collections/{collection_id}/items/{feature_id}")
def item_options(collection_id: str, feature_id: str, key: Viewer) -> Response:
    """``Allow`` names ``PUT``, ``PATCH`` and ``DELETE`` when this key may edit the item."""
    collection_level(collection_id)
    if feature_id.isdigit():
        require_in_scope(key, feature_id, field="featureId")
    return _options(allowed_methods(key, item=feature_id, items=False))


router.include_router(writes)
