"""OGC API - Features Part 4: create (POST), replace (PUT), update (PATCH, JSON merge patch)
and delete (DELETE) areas, through exactly the plans and checks of ``/v1/areas``.

What clients get back, documented in the README:

* a refused edit is the usual JSON error (422 for topology) whose ``details`` is a GeoJSON
  FeatureCollection of the problems, as ``/v1`` answers; a stale ``If-Match`` is 412; QGIS
  gets the same as an OGC exception report (``api.ogc.exceptions``), the only body it reads;
* an accepted edit answers ``{"id", "version", "warnings"}`` (``warnings`` a FeatureCollection:
  gaps the edit leaves in its parent) with the new ``ETag``, and the header
  ``OGC-Edit-Warnings: N`` when there are any, for clients that ignore bodies;
* the changeset's reason is the ``X-Reason`` header (percent-encoded UTF-8 allowed), else a
  default naming the client from its ``User-Agent`` (``QGIS/34006 via OGC API: update``).

Bodies are JSON whatever their ``Content-Type`` says, or when it is missing: OWSLib sends
string bodies without one, or as ``text/xml``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import unquote

import shapely
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from api.auth import Editor, require_in_scope
from api.deps import StoreDep
from api.editing import FeatureIn, geometry_from, new_area_from, team_from
from api.ogc.common import EPSG4490, base_url, collection_level, crs_of, swap_axes
from api.ogc.exceptions import OgcWriteRoute
from geo.access import ApiKey
from geo.areas import (
    AreaRecord,
    EditOutcome,
    EditPlan,
    level_of_code,
    plan_create,
    plan_replace,
    plan_retire,
)
from geo.errors import InvalidInputError, NotFoundError, VersionMismatchError
from geo.stores import Store

__all__ = ["area_of", "router"]

router = APIRouter(route_class=OgcWriteRoute)

JSON_TYPES = {"", "application/json", "application/geo+json", "application/merge-patch+json",
              "text/plain"}  # fmt: skip
READ_ONLY = ("level", "parent_code", "version", "valid_from", "valid_to")
MAX_REASON = 2000


async def json_body(request: Request) -> Any:
    """The body as JSON, whatever (or whether) its ``Content-Type``.

    Clients mislabel it: OWSLib posts its string bodies as ``text/xml`` or with no type at
    all. A body that is not JSON is refused, naming the type it claimed.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        if media in JSON_TYPES or media.endswith("+json"):
            raise InvalidInputError("the body is not JSON", field="body") from None
        raise InvalidInputError(f"send the feature as GeoJSON, not {media}",
                                field="Content-Type") from None  # fmt: skip


Body = Annotated[Any, Depends(json_body)]
IfMatch = Annotated[str | None, Header(description='ETag of the version you edit, e.g. "12"')]
ContentCrs = Annotated[str | None, Header(description="CRS of the body (default CRS84)")]
ReasonHeader = Annotated[str | None, Header(alias="X-Reason", description="why (the changeset)")]


def area_of(store: Store, key: ApiKey, collection_id: str, feature_id: str,
            as_of: datetime | None = None) -> AreaRecord:  # fmt: skip
    level = collection_level(collection_id)
    if level_of_code(feature_id, field="featureId") is not level:
        raise NotFoundError(f"{feature_id} is not in collection {collection_id}", field="featureId")
    require_in_scope(key, feature_id, field="featureId")
    return store.get_area(feature_id, as_of=as_of)


def reason_of(request: Request, header: str | None, operation: str) -> str:
    """``X-Reason`` (percent-decoded), or a default naming the client and the operation."""
    if header and header.strip():
        return unquote(header.strip())[:MAX_REASON]
    agent = request.headers.get("user-agent", "").split(" ")
    client = next((a for a in agent if "/" in a and not a.startswith("Mozilla")), agent[0])
    return f"{client or 'an OGC API client'} via OGC API: {operation}"[:MAX_REASON]


def _feature_in(raw: Any, content_crs: str | None) -> FeatureIn:
    if not isinstance(raw, dict):
        raise InvalidInputError("the body must be a GeoJSON Feature", field="body")
    try:
        feature = FeatureIn.model_validate(raw)
    except Exception:
        raise InvalidInputError("the body must be a GeoJSON Feature", field="body") from None
    if crs_of(content_crs, field="Content-Crs") == EPSG4490 and feature.geometry is not None:
        swapped = swap_axes(geometry_from(feature.geometry, field="geometry"))
        feature = feature.model_copy(update={"geometry": json.loads(shapely.to_geojson(swapped))})
    return feature


def _expected(current: AreaRecord, if_match: str | None) -> int:
    """The version the edit is based on: ``If-Match`` when sent (412 if stale), else current."""
    if if_match is None or not if_match.strip() or if_match.strip() == "*":
        return current.version
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise InvalidInputError(f'If-Match must be an ETag like "12", got {if_match!r}',
                                field="If-Match")  # fmt: skip
    if int(text) != current.version:
        raise VersionMismatchError(
            f"{current.code} has changed: you edited version {text}, the current one is "
            f"{current.version}",
            field="If-Match",
            details={"code": current.code, "current_version": current.version},
        )
    return current.version


FollowChildren = Annotated[
    bool,
    Query(description="children along a moved boundary move with it, in the same changeset "
                      "(as `follow_children` of /v1/areas); otherwise such an edit is refused "
                      "while a child would stick out"),
]  # fmt: skip


def _commit(
    store: Store, key: ApiKey, plan: EditPlan, reason: str, *, follow_children: bool = False
) -> EditOutcome:
    for code in plan.touched:
        require_in_scope(key, code)
    outcome = store.commit(plan, author=key.name, key_id=key.id, reason=reason,
                           follow_children=follow_children)  # fmt: skip
    assert outcome.changeset is not None
    return outcome


def _answer(
    outcome: EditOutcome, code: str, status: int, headers: dict[str, str] | None = None
) -> Response:
    assert outcome.changeset is not None
    warnings = [p.as_feature() for p in outcome.problems if p.severity == "warning"]
    version = outcome.changeset.id
    body = {"id": code, "version": version,
            "warnings": {"type": "FeatureCollection", "features": warnings}}  # fmt: skip
    out = {"ETag": f'"{version}"', **(headers or {})}
    if warnings:
        out["OGC-Edit-Warnings"] = str(len(warnings))
    return JSONResponse(body, status_code=status, headers=out)


def _properties(raw: dict[str, Any], current: AreaRecord | None) -> dict[str, Any]:
    """Writable properties; read-only ones are ignored unless they contradict the area."""
    props = dict(raw)
    if current is not None and props.get("code") not in (None, current.code):
        raise InvalidInputError("properties.code cannot change; create a new area instead",
                                field="properties.code")  # fmt: skip
    for name in READ_ONLY:
        props.pop(name, None)
    return props


@router.post("/collections/{collection_id}/items", status_code=201)
def create_item(
    request: Request,
    collection_id: str,
    body: Body,
    key: Editor,
    store: StoreDep,
    content_crs: ContentCrs = None,
    reason: ReasonHeader = None,
) -> Response:
    """Create an area; 201 with its ``Location``, or 422 with the topology problems."""
    level = collection_level(collection_id)
    feature = _feature_in(body, content_crs)
    # QGIS sends every field of the layer, the server-kept ones (level, version, ...) as null
    props = {k: v for k, v in feature.properties.items() if v is not None}
    if not props.get("code") and isinstance(body.get("id"), str):
        props["code"] = body["id"]
    area = new_area_from(feature.model_copy(update={"properties": props}))
    if area.level is not level:
        raise InvalidInputError(f"a {area.level.value} code does not belong in {collection_id}",
                                field="properties.code")  # fmt: skip
    outcome = _commit(store, key, plan_create(area), reason_of(request, reason, "create"))
    location = f"{base_url(request)}/collections/{collection_id}/items/{area.code}"
    return _answer(outcome, area.code, 201, {"Location": location})


@router.put("/collections/{collection_id}/items/{feature_id}")
def replace_item(
    request: Request,
    collection_id: str,
    feature_id: str,
    body: Body,
    key: Editor,
    store: StoreDep,
    if_match: IfMatch = None,
    content_crs: ContentCrs = None,
    reason: ReasonHeader = None,
    follow_children: FollowChildren = False,
) -> Response:
    """Replace an area's geometry and properties (``If-Match`` honoured: 412 when stale)."""
    current = area_of(store, key, collection_id, feature_id)
    expected = _expected(current, if_match)
    feature = _feature_in(body, content_crs)
    props = _properties(feature.properties, current)
    plan = plan_replace(
        current, expected_version=expected,
        name=props.get("name"), kind=props.get("kind"), attributes=props.get("attributes"),
        geometry=geometry_from(feature.geometry, field="geometry") if feature.geometry else None,
        **({"team": team_from(props["team"])} if "team" in props else {}),
    )  # fmt: skip
    outcome = _commit(store, key, plan, reason_of(request, reason, "replace"),
                      follow_children=follow_children)  # fmt: skip
    return _answer(outcome, feature_id, 200)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge key by key, ``null`` removes, the rest replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


@router.patch("/collections/{collection_id}/items/{feature_id}")
def update_item(
    request: Request,
    collection_id: str,
    feature_id: str,
    body: Body,
    key: Editor,
    store: StoreDep,
    if_match: IfMatch = None,
    content_crs: ContentCrs = None,
    reason: ReasonHeader = None,
    follow_children: FollowChildren = False,
) -> Response:
    """Change some properties and/or the geometry (``application/merge-patch+json``)."""
    current = area_of(store, key, collection_id, feature_id)
    expected = _expected(current, if_match)
    if not isinstance(body, dict):
        raise InvalidInputError("a merge patch is a JSON object", field="body")
    raw_props = body.get("properties") or {}
    if not isinstance(raw_props, dict):
        raise InvalidInputError("properties must be an object", field="properties")
    props = _properties(raw_props, current)
    if props.get("name", "") is None or props.get("kind", "") is None:
        field = "properties.name" if props.get("name", "") is None else "properties.kind"
        raise InvalidInputError(f"{field} cannot be removed", field=field)
    geometry = None
    if body.get("geometry") is not None:
        patch = _feature_in({"type": "Feature", "geometry": body["geometry"]}, content_crs)
        geometry = geometry_from(patch.geometry, field="geometry")
    team = current.team.as_dict() if current.team else None
    plan = plan_replace(
        current, expected_version=expected, name=props.get("name"), kind=props.get("kind"),
        geometry=geometry,
        attributes=merge_patch(current.attributes, props["attributes"])
        if "attributes" in props else None,
        **({"team": team_from(merge_patch(team, props["team"]) or None)}
           if "team" in props else {}),
    )  # fmt: skip
    outcome = _commit(store, key, plan, reason_of(request, reason, "update"),
                      follow_children=follow_children)  # fmt: skip
    return _answer(outcome, feature_id, 200)


@router.delete("/collections/{collection_id}/items/{feature_id}")
def delete_item(
    request: Request,
    collection_id: str,
    feature_id: str,
    key: Editor,
    store: StoreDep,
    if_match: IfMatch = None,
    reason: ReasonHeader = None,
) -> Response:
    """Retire an area (it stays in history); refused while it has children."""
    current = area_of(store, key, collection_id, feature_id)
    plan = plan_retire(current, expected_version=_expected(current, if_match))
    outcome = _commit(store, key, plan, reason_of(request, reason, "delete"))
    return _answer(outcome, feature_id, 200)
