"""What the OGC API routes share: the collections, the CRSs, features as GeoJSON, who may edit.

The collection list is data (``COLLECTIONS``): a new kind of layer becomes a collection by
adding an entry, and every route, OPTIONS answer and test follows it.
"""

from __future__ import annotations

import json
from typing import Any

import shapely
from fastapi import Request
from shapely.geometry.base import BaseGeometry

from api.areas import area_properties
from geo.access import ApiKey, Role
from geo.areas import AreaRecord, Level
from geo.errors import InvalidInputError, NotFoundError

__all__ = [
    "COLLECTIONS",
    "CONFORMANCE",
    "CRS84",
    "CRS_URIS",
    "EPSG4490",
    "GEOJSON",
    "allowed_methods",
    "base_url",
    "collection_level",
    "crs_of",
    "feature",
    "swap_axes",
]

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
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
]
COLLECTIONS: dict[str, tuple[Level, str]] = {
    "districts": (Level.DISTRICT, "区县"),
    "streets": (Level.STREET, "街道乡镇"),
    "communities": (Level.COMMUNITY, "社区村"),
    "grids": (Level.GRID, "网格"),
    "micro_grids": (Level.MICRO_GRID, "微网格"),
}
READ_METHODS = ("GET", "OPTIONS")


def collection_level(collection_id: str) -> Level:
    if collection_id not in COLLECTIONS:
        raise NotFoundError(
            f"no collection {collection_id!r}; collections: {', '.join(COLLECTIONS)}",
            field="collectionId",
        )
    return COLLECTIONS[collection_id][0]


def crs_of(value: str | None, *, field: str) -> str:
    """The CRS URI a parameter or header names (CRS84 when absent); 422 for any other."""
    value = (value or "").strip().strip("<>").strip()
    if not value:
        return CRS84
    if value not in CRS_URIS:
        raise InvalidInputError(f"unsupported {field} {value!r}; supported: {', '.join(CRS_URIS)}",
                                field=field)  # fmt: skip
    return value


def swap_axes(geom: BaseGeometry) -> BaseGeometry:
    """lon, lat <-> lat, lon: EPSG:4490 is latitude-first by its definition."""
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def feature(area: AreaRecord, crs: str, base: str, collection_id: str) -> dict[str, Any]:
    geometry = swap_axes(area.geometry) if crs == EPSG4490 else area.geometry
    return {
        "type": "Feature",
        "id": area.code,
        "geometry": json.loads(shapely.to_geojson(geometry)),
        "properties": area_properties(area),
        "links": [{"rel": "self", "type": GEOJSON,
                   "href": f"{base}/collections/{collection_id}/items/{area.code}"}],
    }  # fmt: skip


def allowed_methods(key: ApiKey, *, item: str | None, items: bool) -> list[str]:
    """What this key may do here, as the ``Allow`` header lists it.

    Clients (QGIS 3.34 and later) enable editing from it: ``POST`` on ``/items`` for an editor,
    ``PUT``/``PATCH``/``DELETE`` on ``/items/{id}`` for an editor whose scope covers the item.
    An item id outside every scope (QGIS probes ``/items/unknown_id`` on an empty collection)
    is judged as the collection is.
    """
    methods = list(READ_METHODS)
    if not key.role.allows(Role.EDITOR):
        return methods
    if items:
        methods.append("POST")
    elif item is not None and (key.covers(item) or not item.isdigit()):
        methods += ["PUT", "PATCH", "DELETE"]
    return methods
