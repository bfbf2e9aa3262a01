"""The standard address library over HTTP: parse, compare, geocode, reverse, list, add, import.

Text endpoints (parse, compare) are pure functions of the request. Geocode and reverse are
answered from the worker's in-memory :class:`~geo.geocode.geocoder.Geocoder`, kept current by a
:class:`~geo.geocode.holder.GeocoderHolder`. Reads and writes of the library go to the store;
each write is one changeset with its audit entry, and the geocoder picks it up at its next
poll.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from address_normalizer import AddressInputError, compare, parse
from api.addresses.geocoder import current_geocoder
from api.addresses.imports import import_addresses, new_address
from api.addresses.schemas import (
    AddressItem,
    AddressList,
    CompareRequest,
    CompareResponse,
    GeocodeRequest,
    GeocodeResponse,
    ImportResponse,
    NewAddress,
    NewAddressResponse,
    ParseRequest,
    ParseResponse,
    ReverseResponse,
    chain_model,
)
from api.auth import ApiKeyHeader, Dispatcher, Editor, Viewer, check_dispatcher
from api.deps import StoreDep
from api.schemas import ErrorBody
from geo.access import ApiKey
from geo.addresses import AddressQuery, AddressRecord
from geo.areas import AreaLabel
from geo.crs import Crs, convert_point
from geo.errors import ForbiddenError, InvalidInputError
from geo.geocode import Geocoder, GeocoderHolder, Match
from geo.stores import Store

__all__ = ["router"]

router = APIRouter(tags=["addresses"])

ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "empty, over-long or non-text input; bad field"},
}
LOADING: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorBody, "description": "the address library is still loading"},
}
CRS_HELP = "wgs84 (default), cgcs2000, gcj02 (Amap, Tencent, WeChat) or bd09 (Baidu)"
MAX_LIST = 1000


# -- text ----------------------------------------------------------------------------------------
@router.post("/v1/addresses/parse", response_model=ParseResponse, responses=ERRORS)
def parse_address(body: ParseRequest, key: Dispatcher) -> dict[str, Any]:
    """Split an address into labelled components (CCKS 2021 element types) with spans.

    Spans (`start`, `end`) index the text as given, even where it had full-width digits,
    radical look-alikes or punctuation; `normalized` is the canonical form used for matching.
    """
    result = _text_call(parse, body.address)
    return {
        "normalized": result.normalized,
        "components": [
            {"label": c.label, "text": c.text, "start": c.start, "end": c.end}
            for c in result.components
        ],
    }


@router.post("/v1/addresses/compare", response_model=CompareResponse, responses=ERRORS)
def compare_addresses(body: CompareRequest, key: Dispatcher) -> dict[str, Any]:
    """Do two addresses name the same place (`exact`), a related one (`partial`), or not?"""
    result = compare(body.a, body.b)
    return {"relation": result.relation, "score": result.score, "kind": result.kind}


def _text_call(func: Any, text: str) -> Any:
    try:
        return func(text)
    except AddressInputError as exc:  # the schema already checks; this keeps the field name
        raise InvalidInputError(exc.message, field=exc.field) from None


# -- geocoding -----------------------------------------------------------------------------------
@router.post("/v1/geocode", response_model=GeocodeResponse, responses={**ERRORS, **LOADING})
async def geocode(request: Request, body: GeocodeRequest, api_key: ApiKeyHeader) -> dict[str, Any]:
    """Address text → the standard address, its point, confidence and area chain.

    Below the confidence threshold the answer is `resolved: false` with `address`, `point`
    and `areas` null and the candidates listed: the service never guesses silently.
    `grid_confidence` is the calibrated probability that the answer's grid is right, what
    dispatch depends on; `confidence` that the exact standard address is. A scoped key gets
    403 (naming `address`) when the best answer lies outside its subtree, and candidates
    from inside it only.
    """
    key = check_dispatcher(request, api_key)
    holder: GeocoderHolder = request.app.state.geocoder
    if holder.is_ready():  # a match costs well under a millisecond: answer on the event loop
        return _geocode_answer(holder.current(), body, key)
    geocoder = await run_in_threadpool(current_geocoder, request)  # may wait for the build
    return _geocode_answer(geocoder, body, key)


def _geocode_answer(geocoder: Geocoder, body: GeocodeRequest, key: ApiKey) -> dict[str, Any]:
    result = _text_call(lambda text: geocoder.geocode(text, limit=body.limit), body.address)
    best = result.best
    if best is not None:
        check_address_scope(key, best.areas, field="address")
    candidates = [m for m in result.candidates if in_scope(key, m.areas)]
    return {
        "resolved": result.resolved,
        "normalized": result.normalized,
        "confidence": best.confidence if best else None,
        "grid_confidence": result.grid_confidence,
        "threshold": geocoder.threshold,
        "address": _match(best) if best else None,
        "point": {"lon": best.lon, "lat": best.lat} if best else None,
        "areas": chain_model(best.areas) if best else None,
        "candidates": [_match(m) for m in candidates],
        "version": result.version,
        "match_level": result.match_level if result.resolved else "none",
    }


@router.get("/v1/reverse", response_model=ReverseResponse, responses={**ERRORS, **LOADING})
def reverse(
    request: Request,
    key: Dispatcher,
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False, description="longitude")],
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False, description="latitude")],
    crs: Annotated[str, Query(description=CRS_HELP)] = "wgs84",
    max_distance_m: Annotated[
        float | None, Query(gt=0, le=100_000, description="farther addresses are not offered")
    ] = None,
) -> dict[str, Any]:
    """The nearest standard address to a point (with its distance) and the point's areas.

    A scoped key is refused a point outside its subtree (403 naming `lon`, as locate does),
    and is never offered an address across its scope's edge.
    """
    source = Crs.parse(crs)
    if source is not Crs.WGS84 and source is not Crs.CGCS2000:
        lon, lat = convert_point(lon, lat, src=source, dst=Crs.CGCS2000)
    result = current_geocoder(request).reverse(lon, lat, max_distance_m=max_distance_m)
    if key.scope is not None and not in_scope(key, result.areas):
        raise ForbiddenError(f"point ({lon}, {lat}) lies outside this key's scope {key.scope}",
                             field="lon", details={"scope": key.scope})  # fmt: skip
    nearest = result.address
    if nearest is not None and not in_scope(key, nearest.areas):
        nearest = None  # the nearest address is across the scope's edge: not this key's to read
    return {
        "address": _match(nearest) if nearest else None,
        "areas": chain_model(result.areas),
        "covered": result.covered,
        "version": result.version,
    }


def _match(match: Match) -> dict[str, Any]:
    return {
        "id": match.id, "code": match.code, "full_text": match.full_text, "lon": match.lon,
        "lat": match.lat, "confidence": match.confidence, "score": match.score,
        "areas": chain_model(match.areas), "distance_m": match.distance_m,
        "level": match.level, "contradicts": list(match.contradicts),
    }  # fmt: skip


# -- the library ---------------------------------------------------------------------------------
@router.get("/v1/addresses", response_model=AddressList, responses=ERRORS)
def list_addresses(
    store: StoreDep,
    key: Viewer,
    area: Annotated[
        str | None, Query(description="an area code: addresses in that area's subtree")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST, description="page size")] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")] = 0,
) -> dict[str, Any]:
    """Standard addresses in id order; a scoped key sees only its own subtree."""
    within = _scope_for_listing(key, area)
    page = store.list_addresses(AddressQuery(area=area, within=within, limit=limit, offset=offset))
    return {
        "items": address_items(store, page.items),
        "total": page.total,
        "limit": limit,
        "offset": offset,
    }


@router.get("/v1/addresses/{address_id}", response_model=AddressItem, responses=ERRORS)
def get_address(
    store: StoreDep, key: Viewer, address_id: Annotated[int, Path(ge=1, le=2**62)]
) -> dict[str, Any]:
    """One standard address with its components, aliases and area chain."""
    record = store.get_address(address_id)
    check_address_scope(key, record.areas)
    return address_items(store, [record])[0]


@router.post(
    "/v1/addresses", status_code=201, response_model=NewAddressResponse,
    responses={**ERRORS, **LOADING},
)  # fmt: skip
async def add_address(
    request: Request, store: StoreDep, key: Editor, body: NewAddress
) -> dict[str, Any]:
    """Add one standard address; its area chain is derived from the current boundaries.

    Possible duplicates (existing addresses with almost the same text) are reported with the
    address they match; the address is stored all the same, for the editor to review.
    """
    geocoder = await run_in_threadpool(current_geocoder, request)
    record, changeset, duplicates = await run_in_threadpool(
        new_address, store, geocoder, key, body, request.app.state.geocode_settings
    )
    return {
        "address": address_items(store, [record])[0],
        "changeset": changeset,
        "duplicates": duplicates,
    }


@router.post(
    "/v1/addresses/import", status_code=201, response_model=ImportResponse,
    responses={**ERRORS, **LOADING},
    openapi_extra={"requestBody": {"required": True, "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/geo+json": {"schema": {"type": "object"}},
    }}},
)  # fmt: skip
async def import_address_file(
    request: Request,
    store: StoreDep,
    key: Editor,
    reason: Annotated[str, Query(min_length=1, max_length=2000)] = "address import",
    file_format: Annotated[
        str | None,
        Query(
            alias="format",
            pattern="^(csv|geojson)$",
            description="csv or geojson; by default from the Content-Type",
        ),
    ] = None,
    dry_run: Annotated[bool, Query(description="validate and report only")] = False,
) -> dict[str, Any]:
    """Import a CSV (`full_text`, `lon`, `lat`, optional `code`, `components`, `aliases`) or a
    GeoJSON FeatureCollection of points.

    Every row is validated; if any is rejected nothing is stored and the 422 lists each
    rejected row (`index`, `code`, `field`, `reason`). Possible duplicates are reported.
    """
    fmt = file_format or _format_of(request.headers.get("content-type", ""))
    body = await request.body()
    geocoder = await run_in_threadpool(current_geocoder, request)
    return await run_in_threadpool(
        import_addresses, store, geocoder, key, body, fmt,
        reason=reason, dry_run=dry_run, settings=request.app.state.geocode_settings,
    )  # fmt: skip


def _format_of(content_type: str) -> str:
    media = content_type.split(";")[0].strip().lower()
    if media in ("text/csv", "application/csv", "text/plain"):
        return "csv"
    if media in ("application/geo+json", "application/json"):
        return "geojson"
    raise InvalidInputError(
        "send the file as text/csv or application/geo+json, or say ?format=csv|geojson",
        field="content-type",
    )


def _scope_for_listing(key: ApiKey, area: str | None) -> str | None:
    """A scoped key lists only its subtree; an area outside it is refused, not emptied."""
    if key.scope is None:
        return None
    if area is not None and not (area.startswith(key.scope) or key.scope.startswith(area)):
        raise ForbiddenError(f"area {area} lies outside this key's scope {key.scope}",
                             field="area")  # fmt: skip
    return key.scope


def in_scope(key: ApiKey, areas: Mapping[str, str | AreaLabel | None]) -> bool:
    """Whether some area of a chain lies inside the key's scope (always, for an unscoped key).

    The chain is a stored record's (codes) or a geocoder match's (labels with their codes).
    """
    if key.scope is None:
        return True
    codes = (a.code if isinstance(a, AreaLabel) else a for a in areas.values())
    return any(code is not None and key.covers(code) for code in codes)


def check_address_scope(
    key: ApiKey, areas: Mapping[str, str | AreaLabel | None], *, field: str = "id"
) -> None:
    """Refuse an address none of whose areas lies inside the key's scope."""
    if not in_scope(key, areas):
        raise ForbiddenError(f"this address lies outside this key's scope {key.scope}",
                             field=field)  # fmt: skip


def address_items(store: Store, records: list[AddressRecord]) -> list[dict[str, Any]]:
    """Records as API items, their area codes resolved to names in one query."""
    labels = store.area_labels(c for r in records for c in r.areas.values() if c)
    return [
        {
            "id": r.id,
            "code": r.code,
            "full_text": r.full_text,
            "components": r.components,
            "aliases": list(r.aliases),
            "lon": r.lon,
            "lat": r.lat,
            "status": r.status,
            "areas": chain_model({lv: labels.get(c) if c else None for lv, c in r.areas.items()}),
        }
        for r in records
    ]
