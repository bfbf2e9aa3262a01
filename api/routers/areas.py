"""Reading areas as GeoJSON: lists by level, subtree and bbox; one area; its history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from api.deps import AsOf, BboxDep, PageDep, StoreDep
from api.geojson import feature_collection_text, feature_text
from api.schemas import AreaCollection, AreaFeature, ErrorBody
from geo.areas import AreaQuery
from geo.levels import Level

router = APIRouter(prefix="/v1/areas", tags=["areas"])

GEOJSON = "application/geo+json"
ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
}
CodePath = Annotated[str, Path(description="area code (6, 9, 12, 15 or 18 digits)")]


@router.get("", response_model=AreaCollection, responses=ERRORS)
def list_areas(
    request: Request,
    store: StoreDep,
    page: PageDep,
    bbox: BboxDep,
    as_of: AsOf,
    level: Annotated[Level | None, Query(description="only areas of this level")] = None,
    parent: Annotated[
        str | None,
        Query(description="only areas inside this area's subtree (its code)", max_length=18),
    ] = None,
) -> Response:
    """Areas as a GeoJSON FeatureCollection ordered by code, one page at a time."""
    query = AreaQuery(
        level=level, parent=parent, bbox=bbox, as_of=as_of, limit=page.limit, offset=page.offset
    )
    result = store.list_areas(query)
    version = store.current_version()
    links = []
    if page.offset + len(result.items) < result.total:
        next_url = request.url.include_query_params(offset=page.offset + page.limit)
        links.append({"rel": "next", "href": str(next_url)})
    if page.offset > 0:
        prev_url = request.url.include_query_params(offset=max(0, page.offset - page.limit))
        links.append({"rel": "prev", "href": str(prev_url)})
    members = {
        "numberMatched": result.total,
        "numberReturned": len(result.items),
        "limit": page.limit,
        "offset": page.offset,
        "version": version,
        "links": links,
    }
    body = feature_collection_text(result.items, members)
    return Response(body, media_type=GEOJSON, headers={"ETag": f'W/"{version}"'})


@router.get("/{code}", response_model=AreaFeature, responses={**ERRORS, 304: {}})
def get_area(
    code: CodePath,
    store: StoreDep,
    as_of: AsOf,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One area as a GeoJSON Feature; the ETag is its version, for If-Match on edits."""
    area = store.get_area(code, as_of=as_of)
    etag = f'"{area.version}"'
    if if_none_match is not None and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(feature_text(area), media_type=GEOJSON, headers={"ETag": etag})


@router.get("/{code}/history", response_model=AreaCollection, responses=ERRORS)
def area_history(code: CodePath, store: StoreDep) -> Response:
    """Every stored version of an area, oldest first (closed versions carry valid_to)."""
    versions = store.area_history(code)
    members = {
        "numberMatched": len(versions),
        "numberReturned": len(versions),
        "limit": len(versions),
        "offset": 0,
        "version": store.current_version(),
        "links": [],
    }
    return Response(feature_collection_text(versions, members), media_type=GEOJSON)
