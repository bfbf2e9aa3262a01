"""OGC API - Features: Part 1 (core, GeoJSON), Part 2 (CRS84 and EPSG:4490) and Part 4
(create, replace, delete) over the areas, so GDAL and QGIS read and edit grids with no plugin.

Collections are the five levels. Writes go through exactly the same plans and checks as the
``/v1/areas`` endpoints (topology, If-Match when sent, audit). EPSG:4490 is latitude-first
by its definition, so with ``crs=…/EPSG/0/4490`` coordinates are served (and read) lat, lon.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from shapely.geometry.base import BaseGeometry

from api.areas import area_properties
from api.auth import Editor, Viewer, require_in_scope
from api.deps import SettingsDep, StoreDep, parse_as_of
from api.editing import FeatureIn, geometry_from, new_area_from, team_from, version_from_etag
from geo.access import ApiKey
from geo.areas import (
    AreaQuery,
    AreaRecord,
    Bbox,
    EditPlan,
    Level,
    level_of_code,
    plan_create,
    plan_replace,
    plan_retire,
)
from geo.errors import InvalidInputError, NotFoundError, VersionMismatchError
from geo.stores import Store

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
CRS_URIS = (CRS84, EPSG4490)
GEOJSON = "application/geo+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
]
COLLECTIONS: dict[str, tuple[Level, str]] = {
    "districts": (Level.DISTRICT, "区县"),
    "streets": (Level.STREET, "街道乡镇"),
    "communities": (Level.COMMUNITY, "社区村"),
    "grids": (Level.GRID, "网格"),
    "micro_grids": (Level.MICRO_GRID, "微网格"),
}
MAX_LIMIT = 10_000


def _collection_level(collection_id: str) -> Level:
    if collection_id not in COLLECTIONS:
        raise NotFoundError(
            f"no collection {collection_id!r}; collections: {', '.join(COLLECTIONS)}",
            field="collectionId",
        )
    return COLLECTIONS[collection_id][0]


def _crs(value: str | None, *, field: str) -> str:
    if value is None or value == "":
        return CRS84
    if value not in CRS_URIS:
        raise InvalidInputError(f"unsupported {field} {value!r}; supported: {', '.join(CRS_URIS)}",
                                field=field)  # fmt: skip
    return value


def _swap(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def _feature(area: AreaRecord, crs: str, base: str, collection_id: str) -> dict[str, Any]:
    geometry = _swap(area.geometry) if crs == EPSG4490 else area.geometry
    return {
        "type": "Feature",
        "id": area.code,
        "geometry": json.loads(shapely.to_geojson(geometry)),
        "properties": area_properties(area),
        "links": [{"rel": "self", "type": GEOJSON,
                   "href": f"{base}/collections/{collection_id}/items/{area.code}"}],
    }  # fmt: skip


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


@router.get("")
def landing(request: Request) -> dict[str, Any]:
    """The landing page: where the API description, conformance and collections are."""
    base = _base(request)
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
    base = _base(request)
    bounds = store.level_bounds(level)
    here = f"{base}/collections/{collection_id}"
    return {
        "id": collection_id,
        "title": title,
        "description": f"{level.value} areas; datetime selects the versions valid at an instant",
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
    base = _base(request)
    return {
        "collections": [_collection(request, store, cid) for cid in COLLECTIONS]
        + _extra_collections(request, key),
        "links": [{"rel": "self", "type": "application/json", "href": f"{base}/collections"}],
    }


@router.get("/collections/{collection_id}")
def collection(
    request: Request, collection_id: str, key: Viewer, store: StoreDep
) -> dict[str, Any]:
    _collection_level(collection_id)
    return _collection(request, store, collection_id)


def _as_of(value: str | None, settings: Any) -> datetime | None:
    if value is None or value in ("", ".."):
        return None
    if "/" in value:
        raise InvalidInputError("datetime must be one instant (the map as it was then)",
                                field="datetime")  # fmt: skip
    return parse_as_of(value, settings, field="datetime")


@router.get("/collections/{collection_id}/items")
def items(
    request: Request,
    collection_id: str,
    key: Viewer,
    store: StoreDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
    bbox: Annotated[str | None, Query()] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    crs: Annotated[str | None, Query()] = None,
    datetime_: Annotated[str | None, Query(alias="datetime")] = None,
) -> Response:
    """Areas of one level, paged; ``bbox``, ``datetime`` (an instant) and ``crs`` as in Part 2."""
    level = _collection_level(collection_id)
    out_crs = _crs(crs, field="crs")
    box = None
    if bbox is not None:
        box = Bbox.parse(bbox)
        if _crs(bbox_crs, field="bbox-crs") == EPSG4490:
            box = Bbox.parse(f"{box.south},{box.west},{box.north},{box.east}")
    result = store.list_areas(AreaQuery(level=level, within=key.scope, bbox=box,
                                        as_of=_as_of(datetime_, settings), limit=limit,
                                        offset=offset))  # fmt: skip
    base = _base(request)
    links = [{"rel": "self", "type": GEOJSON, "href": str(request.url)}]
    if offset + len(result.items) < result.total:
        following = str(request.url.include_query_params(offset=offset + limit))
        links.append({"rel": "next", "type": GEOJSON, "href": following})
    body = {
        "type": "FeatureCollection",
        "features": [_feature(a, out_crs, base, collection_id) for a in result.items],
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
    area = _area_of(store, key, collection_id, feature_id, as_of=_as_of(datetime_, settings))
    out_crs = _crs(crs, field="crs")
    headers = {"Content-Crs": f"<{out_crs}>", "ETag": f'"{area.version}"'}
    body = _feature(area, out_crs, _base(request), collection_id)
    return JSONResponse(body, media_type=GEOJSON, headers=headers)


def _area_of(store: Store, key: ApiKey, collection_id: str, feature_id: str,
             as_of: datetime | None = None) -> AreaRecord:  # fmt: skip
    level = _collection_level(collection_id)
    if level_of_code(feature_id, field="featureId") is not level:
        raise NotFoundError(f"{feature_id} is not in collection {collection_id}", field="featureId")
    require_in_scope(key, feature_id, field="featureId")
    return store.get_area(feature_id, as_of=as_of)


def _body_feature(raw: dict[str, Any], content_crs: str | None) -> FeatureIn:
    try:
        feature = FeatureIn.model_validate(raw)
    except Exception:
        raise InvalidInputError("the body must be a GeoJSON Feature", field="body") from None
    crs = (content_crs or "").strip("<> ") or CRS84
    if crs not in CRS_URIS:
        raise InvalidInputError(f"unsupported Content-Crs {crs!r}", field="Content-Crs")
    if crs == EPSG4490 and feature.geometry is not None:
        swapped = _swap(geometry_from(feature.geometry, field="geometry"))
        feature = feature.model_copy(update={"geometry": json.loads(shapely.to_geojson(swapped))})
    return feature


def _commit(store: Store, key: ApiKey, plan: EditPlan, reason: str) -> Any:
    for code in plan.touched:
        require_in_scope(key, code)
    return store.commit(plan, author=key.name, key_id=key.id, reason=reason)


Reason = Annotated[str, Header(alias="X-Reason", description="why (kept in the changeset)")]


@router.post("/collections/{collection_id}/items", status_code=201)
def create_item(request: Request, collection_id: str, body: dict[str, Any], key: Editor,
                store: StoreDep, content_crs: Annotated[str | None, Header()] = None,
                reason: Reason = "OGC API create") -> Response:  # fmt: skip
    """Create an area; 201 with its Location, or 422 with the topology problems."""
    level = _collection_level(collection_id)
    feature = _body_feature(body, content_crs)
    props = dict(feature.properties)
    if "code" not in props and isinstance(body.get("id"), str):
        props["code"] = body["id"]
    area = new_area_from(feature.model_copy(update={"properties": props}))
    if area.level is not level:
        raise InvalidInputError(f"a {area.level.value} code does not belong in {collection_id}",
                                field="properties.code")  # fmt: skip
    outcome = _commit(store, key, plan_create(area), reason)
    location = f"{_base(request)}/collections/{collection_id}/items/{area.code}"
    return Response(status_code=201, headers={"Location": location,
                                              "ETag": f'"{outcome.changeset.id}"'})  # fmt: skip


@router.put("/collections/{collection_id}/items/{feature_id}", status_code=204)
def replace_item(collection_id: str, feature_id: str, body: dict[str, Any], key: Editor,
                 store: StoreDep, if_match: Annotated[str | None, Header()] = None,
                 content_crs: Annotated[str | None, Header()] = None,
                 reason: Reason = "OGC API replace") -> Response:  # fmt: skip
    """Replace an area (If-Match honoured when sent: 412 on a stale version)."""
    current = _area_of(store, key, collection_id, feature_id)
    version = version_from_etag(if_match, required=False)
    if version is not None and version != current.version:
        raise VersionMismatchError(f"{feature_id} is now version {current.version}",
                                   field="If-Match",
                                   details={"current_version": current.version})  # fmt: skip
    feature = _body_feature(body, content_crs)
    props = feature.properties
    plan = plan_replace(
        current, expected_version=current.version,
        name=props.get("name"), kind=props.get("kind"), attributes=props.get("attributes"),
        geometry=geometry_from(feature.geometry, field="geometry") if feature.geometry else None,
        **({"team": team_from(props["team"])} if "team" in props else {}),
    )  # fmt: skip
    outcome = _commit(store, key, plan, reason)
    return Response(status_code=204, headers={"ETag": f'"{outcome.changeset.id}"'})


@router.delete("/collections/{collection_id}/items/{feature_id}", status_code=204)
def delete_item(collection_id: str, feature_id: str, key: Editor, store: StoreDep,
                if_match: Annotated[str | None, Header()] = None,
                reason: Reason = "OGC API delete") -> Response:  # fmt: skip
    """Retire an area (it stays in history)."""
    current = _area_of(store, key, collection_id, feature_id)
    version = version_from_etag(if_match, required=False)
    _commit(store, key, plan_retire(current, expected_version=version or current.version), reason)
    return Response(status_code=204)
