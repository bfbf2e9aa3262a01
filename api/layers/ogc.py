"""Thematic layers as OGC API - Features collections (``layer-<name>``), for GDAL and QGIS.

A small, data-driven addition to ``/ogc``: every layer the key may see is one read-only
collection (GeoJSON, CRS84), paged, with ``bbox``. The ``/ogc/collections`` listing asks
:func:`collections_for` through ``app.state.ogc_extra_collections``, so the OGC router needs
to know nothing of layers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from api.auth import Viewer
from api.deps import StoreDep
from api.layers.service import visible_layer, visible_layers
from geo.access import ApiKey
from geo.areas import Bbox
from geo.errors import NotFoundError
from geo.layers import LayerRecord

__all__ = ["PREFIX", "collections_for", "router"]

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])
PREFIX = "layer-"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
MAX_LIMIT = 10_000


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _collection(request: Request, record: LayerRecord) -> dict[str, Any]:
    here = f"{_base(request)}/collections/{PREFIX}{record.name}"
    d = record.definition
    return {
        "id": f"{PREFIX}{record.name}",
        "title": d.title,
        "description": f"{d.department}: {d.description or d.title} ({d.geometry_type.value})",
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {
            "spatial": {"bbox": [list(record.bounds)] if record.bounds else [], "crs": CRS84}
        },
        "links": [
            {"rel": "self", "type": "application/json", "href": here},
            {"rel": "items", "type": GEOJSON, "href": f"{here}/items"},
        ],
    }


def collections_for(request: Request, key: ApiKey | None) -> list[dict[str, Any]]:
    """The collection documents of the layers this key may see."""
    return [_collection(request, r) for r in visible_layers(request, key)]


def _layer(request: Request, key: ApiKey, collection_id: str) -> str:
    if not collection_id.startswith(PREFIX):
        raise NotFoundError(f"no collection {collection_id!r}", field="collectionId")
    return visible_layer(request, key, collection_id[len(PREFIX) :]).name


@router.get("/collections/layer-{name}")
def layer_collection(request: Request, name: str, key: Viewer, store: StoreDep) -> dict[str, Any]:
    visible_layer(request, key, name)
    return _collection(request, store.get_layer(name))


@router.get("/collections/layer-{name}/items")
def layer_items(
    request: Request,
    name: str,
    key: Viewer,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
    bbox: Annotated[str | None, Query()] = None,
) -> Response:
    """Features of a layer, paged, with their area chains (read-only)."""
    layer = _layer(request, key, PREFIX + name)
    page = store.layer_features_page(
        layer,
        bbox=Bbox.parse(bbox) if bbox else None,
        within=[key.scope] if key.scope else [],
        limit=limit,
        offset=offset,
    )
    links = [{"rel": "self", "type": GEOJSON, "href": str(request.url)}]
    if offset + len(page.items) < page.total:
        following = str(request.url.include_query_params(offset=offset + limit))
        links.append({"rel": "next", "type": GEOJSON, "href": following})
    body = {
        "type": "FeatureCollection",
        "features": [f.as_feature() for f in page.items],
        "numberMatched": page.total,
        "numberReturned": len(page.items),
        "timeStamp": datetime.now(UTC).isoformat(),
        "links": links,
    }
    return JSONResponse(body, media_type=GEOJSON, headers={"Content-Crs": f"<{CRS84}>"})


@router.get("/collections/layer-{name}/items/{feature_id}")
def layer_item(
    request: Request, name: str, feature_id: int, key: Viewer, store: StoreDep
) -> Response:
    layer = _layer(request, key, PREFIX + name)
    found = store.layer_feature(layer, feature_id)
    if found is None or (
        key.scope is not None
        and not any((c or "").startswith(key.scope) for c in found.chain.values())
    ):
        raise NotFoundError(f"no feature {feature_id} in layer {layer!r}", field="featureId")
    return JSONResponse(found.as_feature(), media_type=GEOJSON)
