"""Request and response bodies of the edit endpoints, and turning GeoJSON into domain records."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

import shapely
from pydantic import BaseModel, Field
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.areas import GridKind, Level, NewArea, Team, level_of_code
from geo.errors import InvalidInputError, PreconditionRequiredError

__all__ = [
    "AreaCreate",
    "AreaWrite",
    "BoundaryRequest",
    "EditAnswer",
    "EditorSession",
    "MergeRequest",
    "PreviewAnswer",
    "RevertRequest",
    "SplitRequest",
    "geometry_from",
    "version_from_etag",
]


class FeatureIn(BaseModel):
    """A GeoJSON Feature as an editor sends it; lon/lat in EPSG:4490."""

    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any] | None = Field(default=None, description="Polygon or MultiPolygon")
    properties: dict[str, Any] = Field(default_factory=dict)


class EditOptions(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="why: kept in the changeset")
    effective_at: datetime | None = Field(default=None, description="default: now")
    adjust_neighbours: bool = Field(
        default=False, description="clip overlapping siblings to make room (shown in preview)"
    )
    follow_children: bool = Field(
        default=False,
        description="children along a moved boundary move with it, in the same changeset "
        "(shown in preview); without it such an edit is refused while a child would stick out",
    )
    versions: dict[str, int] = Field(
        default_factory=dict,
        description="the version of every area you edit, as the preview's `changes` list them; "
        "a stale one is a 412",
    )
    exact_areas: bool = Field(
        default=False,
        description="the save must change exactly the areas named in `versions` (409 "
        "edit_areas_differ otherwise): what the editor confirmed is what is written",
    )


class AreaWrite(EditOptions):
    feature: FeatureIn


class AreaCreate(AreaWrite):
    """A new area; without ``properties.code`` it gets the next code its parent never had."""

    preview: bool = Field(default=False, description="check only; store nothing")


class SplitRequest(EditOptions):
    code: str = Field(max_length=18)
    line: dict[str, Any] = Field(description="GeoJSON LineString crossing the area")
    version: int | None = Field(default=None, description="the version you split (If-Match)")
    preview: bool = False


class MergeRequest(EditOptions):
    codes: list[str] = Field(min_length=2, max_length=100)
    name: str | None = Field(default=None, max_length=200)
    preview: bool = False


class BoundaryRequest(EditOptions):
    codes: list[str] = Field(min_length=2, max_length=2, description="[changed area, neighbour]")
    geometry: dict[str, Any] = Field(description="the new geometry of the first area")
    preview: bool = False


class RevertRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class AreaChange(BaseModel):
    code: str
    name: str | None
    level: str | None
    action: Literal["create", "update", "retire"]
    version: int | None = Field(description="the version this edit replaces (null: new)")
    role: Literal["edited", "recoded", "clipped", "child"] = Field(
        description="named by the request, re-coded under a split or merged parent, clipped "
        "to make room (adjust_neighbours), or a child following its parent (follow_children)"
    )
    area_change_m2: float
    previous_code: str | None = None


class PreviewAnswer(BaseModel):
    ok: bool
    problems: dict[str, Any] = Field(description="FeatureCollection of problems to draw")
    impact: dict[str, Any]
    areas: list[dict[str, Any]] = Field(description="the areas as the edit would write them")
    retired: list[str]
    changes: list[AreaChange] = Field(
        description="every area the edit writes or closes: send their versions back with "
        "exact_areas to save exactly these"
    )


class EditAnswer(PreviewAnswer):
    changeset: dict[str, Any]
    version: int


class EditorSession(BaseModel):
    """Who a key is, so that the editor can say at login whether it may edit."""

    name: str
    role: str
    scope: str | None = Field(description="the subtree the key may touch; null: everywhere")
    can_edit: bool


def geometry_from(data: dict[str, Any] | None, *, field: str) -> BaseGeometry:
    if not data:
        raise InvalidInputError("geometry is missing", field=field, kind="geometry_missing")
    if not _finite(data.get("coordinates")):
        raise InvalidInputError(
            "geometry has NaN or infinite coordinates", field=field, kind="geometry_not_finite"
        )
    try:
        geom = shape(data)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise InvalidInputError(
            f"not a GeoJSON geometry: {exc}", field=field, kind="geometry_malformed"
        ) from None
    if geom.is_empty:
        raise InvalidInputError("geometry is empty", field=field, kind="geometry_empty")
    if not shapely.is_valid_input(geom):
        raise InvalidInputError(
            "geometry has unusable coordinates", field=field, kind="geometry_malformed"
        )
    return geom


def _finite(value: Any) -> bool:
    """False when any number in (nested) coordinates is NaN or infinite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return True


def new_area_from(feature: FeatureIn, *, code: str | None = None) -> NewArea:
    """A new area from a Feature whose properties carry at least ``code`` and ``name``.

    ``code`` is used when the properties carry none (a code the service chose).
    """
    props = feature.properties
    code = props.get("code", code)
    if not isinstance(code, str):
        raise InvalidInputError(
            "properties.code must be a string",
            field="feature.properties.code",
            kind="code_not_digits",
            params={"value": str(code)[:40]},
        )
    level = level_of_code(code, field="feature.properties.code")
    if "level" in props and props["level"] != level.value:
        raise InvalidInputError(
            f"level {props['level']!r} does not match the code's level {level.value}",
            field="feature.properties.level",
            kind="level_mismatch",
            params={"level": str(props["level"])[:20], "code_level": level.value},
        )
    parent = props.get("parent_code", code[:-3] if level is not Level.DISTRICT else None)
    is_grid = level in (Level.GRID, Level.MICRO_GRID)
    kind = props.get("kind", GridKind.BASIC.value if is_grid else None)
    return NewArea(
        code=code,
        level=level,
        name=str(props.get("name") or ""),
        geometry=geometry_from(feature.geometry, field="feature.geometry"),
        parent_code=parent,
        kind=kind,
        team=team_from(props.get("team")),
        attributes=dict(props.get("attributes") or {}),
    )


def team_from(value: Any) -> Team | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise InvalidInputError(
            "team must be an object with a name",
            field="feature.properties.team",
            kind="team_invalid",
        )
    return Team.from_dict(value)


def version_from_etag(if_match: str | None, *, required: bool) -> int | None:
    """The version an ``If-Match`` header names (``"12"`` or ``W/"12"``)."""
    if if_match is None or not if_match.strip():
        if required:
            raise PreconditionRequiredError(
                "send If-Match with the ETag of the version you edit (GET /v1/areas/{code})",
                field="If-Match",
                kind="if_match_missing",
            )
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        message = f'If-Match must be an ETag like "12", got {if_match!r}'
        raise InvalidInputError(message, field="If-Match", kind="if_match_malformed")
    return int(text)
