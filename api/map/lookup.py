"""A read-only lookup for the one-map page: what a leader's click and search need.

Dispatch's ``/v1/locate`` and ``/v1/geocode`` need a dispatcher key (and count against its
quota); a leader holds a viewer key. These calls answer the same questions for the page, from
the same in-memory locator, without opening dispatch's endpoints to viewers: the chain of
areas under a clicked point (with the responsible team), and a search over area names and
standard addresses. A scoped key sees only its own subtree.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from api.auth import Viewer
from api.schemas import ErrorBody
from geo.access import ApiKey
from geo.areas import LEVELS, AreaRecord
from geo.crs import Crs, convert_point
from geo.errors import ForbiddenError, InvalidInputError
from geo.locate import LocatorHolder
from geo.stores import Store

__all__ = ["router"]

router = APIRouter(tags=["map"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "the point lies outside the key's scope"},
    422: {"model": ErrorBody, "description": "bad lon, lat, crs or q"},
}
_ZOOM = {"district": 12, "street": 14, "community": 15, "grid": 16, "micro_grid": 17}


def _area(area: AreaRecord | None) -> dict[str, Any] | None:
    if area is None:
        return None
    team = area.team.as_dict() if area.team else None
    return {"code": area.code, "name": area.name, "kind": area.kind, "team": team}


@router.get("/v1/lookup", responses=ERRORS)
def lookup(
    request: Request,
    key: Viewer,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    crs: Annotated[str, Query(description="wgs84, cgcs2000, gcj02 or bd09")] = "wgs84",
) -> dict[str, Any]:
    """The chain of areas holding a point, for a viewer's click on the map."""
    source = Crs.parse(crs, field="crs")
    if source is not Crs.WGS84 and source is not Crs.CGCS2000:
        lon, lat = convert_point(lon, lat, src=source, dst=Crs.CGCS2000)
    holder: LocatorHolder = request.app.state.locator
    locator = holder.current()
    chain = locator.chain(lon, lat)
    codes = [a.code for a in chain.values() if a is not None]
    if key.scope is not None and not any(c.startswith(key.scope) for c in codes):
        raise ForbiddenError(
            f"the point ({lon}, {lat}) lies outside this key's scope {key.scope}", field="lon"
        )
    return {
        "covered": chain[LEVELS[-1]] is not None or chain[LEVELS[-2]] is not None,
        "areas": {level.value: _area(area) for level, area in chain.items()},
        "version": locator.version,
    }


def _area_hits(request: Request, key: ApiKey, text: str, limit: int) -> list[dict[str, Any]]:
    holder: LocatorHolder = request.app.state.locator
    locator = holder.current()
    hits: list[tuple[int, int, AreaRecord]] = []
    for level in LEVELS[:-1]:
        for area in locator.areas(level):
            if key.scope is not None and not (
                area.code.startswith(key.scope) or key.scope.startswith(area.code)
            ):
                continue
            if text in area.name:
                hits.append((0 if area.name.startswith(text) else 1, level.depth, area))
    hits.sort(key=lambda h: (h[0], h[1], len(h[2].name), h[2].code))
    out = []
    for _, _, area in hits[:limit]:
        point = area.geometry.representative_point()
        out.append(
            {
                "kind": "area",
                "level": area.level.value,
                "code": area.code,
                "name": area.name,
                "lon": point.x,
                "lat": point.y,
                "bbox": list(area.geometry.bounds),
                "zoom": _ZOOM[area.level.value],
            }
        )
    return out


@router.get("/v1/lookup/search", responses=ERRORS)
async def search(
    request: Request,
    key: Viewer,
    q: Annotated[str, Query(min_length=1, max_length=100, description="a name or address")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Areas whose name contains ``q`` (outer levels first), then standard addresses."""
    text = q.strip()
    if not text:
        raise InvalidInputError("q is empty", field="q")
    areas = _area_hits(request, key, text, limit)
    store: Store = request.app.state.store
    within = [key.scope] if key.scope else []
    found = await run_in_threadpool(store.search_addresses, text, within=within, limit=limit)
    addresses = [
        {
            "kind": "address",
            "code": a["code"],
            "name": a["full_text"],
            "lon": a["lon"],
            "lat": a["lat"],
            "grid": a["grid"],
            "zoom": 18,
        }
        for a in found
    ]
    return {"q": text, "areas": areas, "addresses": addresses}
