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
    "AreaWrite",
    "BoundaryRequest",
    "EditAnswer",
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


class AreaWrite(EditOptions):
    feature: FeatureIn


class SplitRequest(EditOptions):
    code: str = Field(max_length=18)
    line: dict[str, Any] = Field(description="GeoJSON LineString crossing the area")
    version: int | None = Field(default=None, description="the version you split (If-Match)")
    preview: bool = False


class MergeRequest(EditOptions):
    codes: list[str] = Field(min_length=2, max_length=100)
    name: str | None = Field(default=None, max_length=200)
    versions: dict[str, int] = Field(default_factory=dict)
    preview: bool = False


class BoundaryRequest(EditOptions):
    codes: list[str] = Field(min_length=2, max_length=2, description="[changed area, neighbour]")
    geometry: dict[str, Any] = Field(description="the new geometry of the first area")
    versions: dict[str, int] = Field(default_factory=dict)
    preview: bool = False


class RevertRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class PreviewAnswer(BaseModel):
    ok: bool
    problems: dict[str, Any] = Field(description="FeatureCollection of problems to draw")
    impact: dict[str, Any]
    areas: list[dict[str, Any]] = Field(description="the areas as the edit would write them")
    retired: list[str]


class EditAnswer(PreviewAnswer):
    changeset: dict[str, Any]
    version: int


def geometry_from(data: dict[str, Any] | None, *, field: str) -> BaseGeometry:
    if not data:
        raise InvalidInputError("geometry is missing", field=field)
    if not _finite(data.get("coordinates")):
        raise InvalidInputError("geometry has NaN or infinite coordinates", field=field)
    try:
        geom = shape(data)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise InvalidInputError(f"not a GeoJSON geometry: {exc}", field=field) from None
    if geom.is_empty:
        raise InvalidInputError("geometry is empty", field=field)
    if not shapely.is_valid_input(geom):
        raise InvalidInputError("geometry has unusable coordinates", field=field)
    return geom


def _finite(value: Any) -> bool:
    """False when any number in (nested) coordinates is NaN or infinite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return True


def new_area_from(feature: FeatureIn) -> NewArea:
    """A new area from a Feature whose properties carry at least ``code`` and ``name``."""
    props = feature.properties
    code = props.get("code")
    if not isinstance(code, str):
        raise InvalidInputError("properties.code must be a string", field="feature.properties.code")
    level = level_of_code(code, field="feature.properties.code")
    if "level" in props and props["level"] != level.value:
        raise InvalidInputError(
            f"level {props['level']!r} does not match the code's level {level.value}",
            field="feature.properties.level",
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
            "team must be an object with a name", field="feature.properties.team"
        )
    return Team.from_dict(value)


def version_from_etag(if_match: str | None, *, required: bool) -> int | None:
    """The version an ``If-Match`` header names (``"12"`` or ``W/"12"``)."""
    if if_match is None or not if_match.strip():
        if required:
            raise PreconditionRequiredError(
                "send If-Match with the ETag of the version you edit (GET /v1/areas/{code})",
                field="If-Match",
            )
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        message = f'If-Match must be an ETag like "12", got {if_match!r}'
        raise InvalidInputError(message, field="If-Match")
    return int(text)
