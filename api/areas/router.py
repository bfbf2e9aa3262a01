"""Reading areas as GeoJSON: lists by level, subtree and bbox; one area; its history."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from api.areas.geojson import feature_collection_text, feature_text
from api.areas.schemas import AreaCollection, AreaFeature
from api.auth import Editor, Viewer, require_in_scope
from api.deps import AsOf, BboxDep, PageDep, StoreDep
from api.schemas import ErrorBody
from geo.access import ApiKey
from geo.areas import (
    EXPORT_FORMATS,
    AreaExport,
    AreaQuery,
    AreaRecord,
    Level,
    export_areas,
    level_of_code,
    parse_crs,
    zip_shapefile,
)
from geo.areas.exports import subtree_overlaps
from geo.errors import ForbiddenError

router = APIRouter(prefix="/v1/areas", tags=["areas"])

GEOJSON = "application/geo+json"
ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
}
EXPORT_MEDIA = {
    "geojson": GEOJSON,
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
}
CodePath = Annotated[str, PathParam(description="area code (6, 9, 12, 15 or 18 digits)")]


@router.get("", response_model=AreaCollection, responses=ERRORS)
def list_areas(
    request: Request,
    key: Viewer,
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
    if parent is not None:
        level_of_code(parent, field="parent")
    query = AreaQuery(
        level=level,
        parent=parent,
        within=_scope_for_listing(key, parent),
        bbox=bbox,
        as_of=as_of,
        limit=page.limit,
        offset=page.offset,
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


def _scope_for_listing(key: ApiKey, parent: str | None) -> str | None:
    """A scoped key lists only its subtree; a parent outside it is refused, not emptied."""
    if key.scope is None:
        return None
    if parent is not None and not (parent.startswith(key.scope) or key.scope.startswith(parent)):
        raise ForbiddenError(f"area {parent} lies outside this key's scope {key.scope}",
                             field="parent")  # fmt: skip
    return key.scope


@router.get(
    "/export",
    response_class=FileResponse,
    responses={**ERRORS, 200: {"content": {m: {} for m in EXPORT_MEDIA.values()}}},
)
def export(
    key: Editor,
    store: StoreDep,
    as_of: AsOf,
    fmt: Annotated[
        Literal["geojson", "gpkg", "shp"],
        Query(alias="format", description="geojson, gpkg (GeoPackage) or shp (zipped Shapefile)"),
    ] = "gpkg",
    level: Annotated[Level | None, Query(description="only areas of this level")] = None,
    under: Annotated[
        str | None, Query(description="only this area and its subtree (its code)", max_length=18)
    ] = None,
    crs: Annotated[
        str | None, Query(description="output CRS: EPSG:4490 (default), CRS84, EPSG:4549 ...")
    ] = None,
) -> FileResponse:
    """Areas as a file download that ``onemap import areas`` reads back unchanged (editors).

    A scoped key exports only inside its subtree; ``under`` outside it is refused.
    """
    if under is not None:
        level_of_code(under, field="under")
        if not subtree_overlaps(under, key.scope):
            raise ForbiddenError(f"area {under} lies outside this key's scope {key.scope}",
                                 field="under")  # fmt: skip
    target = parse_crs(crs)
    folder = Path(tempfile.mkdtemp(prefix="onemap-export-"))
    stem = "-".join(["areas", *(p for p in (level.value if level else None, under) if p)])
    path = folder / f"{stem}{EXPORT_FORMATS[fmt][1]}"

    def page(query: AreaQuery) -> tuple[list[AreaRecord], int]:
        found = store.list_areas(query)
        return found.items, found.total

    try:
        export_areas(page, path, query=AreaExport(level, under, as_of), scope=key.scope,
                     fmt=fmt, crs=target)  # fmt: skip
        if fmt == "shp":
            path = zip_shapefile(path, folder / f"{stem}.zip")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=EXPORT_MEDIA[fmt],
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/{code}", response_model=AreaFeature, responses={**ERRORS, 304: {}})
def get_area(
    code: CodePath,
    key: Viewer,
    store: StoreDep,
    as_of: AsOf,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One area as a GeoJSON Feature; the ETag is its version, for If-Match on edits."""
    level_of_code(code)
    require_in_scope(key, code)
    area = store.get_area(code, as_of=as_of)
    etag = f'"{area.version}"'
    if if_none_match is not None and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(feature_text(area), media_type=GEOJSON, headers={"ETag": etag})


@router.get("/{code}/history", response_model=AreaCollection, responses=ERRORS)
def area_history(code: CodePath, key: Viewer, store: StoreDep) -> Response:
    """Every stored version of an area, oldest first (closed versions carry valid_to)."""
    level_of_code(code)
    require_in_scope(key, code)
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
