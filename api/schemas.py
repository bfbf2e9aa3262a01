"""Response models: they document the API in OpenAPI and tests validate bodies against them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from geo.levels import Level

__all__ = [
    "AreaCollection",
    "AreaFeature",
    "AreaProperties",
    "ErrorBody",
    "Health",
    "Readiness",
    "TeamModel",
]


class TeamModel(BaseModel):
    name: str
    leader: str | None = None
    phone: str | None = Field(default=None, description="masked, e.g. 138****1234")


class AreaProperties(BaseModel):
    code: str = Field(description="6/9/12/15/18 digits; starts with the parent's code")
    name: str
    level: Level
    kind: str | None = Field(description="basic or dedicated for grids and micro-grids")
    parent_code: str | None
    team: TeamModel | None
    attributes: dict[str, Any]
    version: int = Field(description="id of the changeset that wrote this version")
    valid_from: str
    valid_to: str | None


class AreaFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any] = Field(description="GeoJSON MultiPolygon, lon/lat EPSG:4490")
    properties: AreaProperties


class Link(BaseModel):
    rel: str
    href: str


class AreaCollection(BaseModel):
    type: Literal["FeatureCollection"]
    numberMatched: int  # noqa: N815 (OGC API - Features member name)
    numberReturned: int  # noqa: N815 (OGC API - Features member name)
    limit: int
    offset: int
    version: int = Field(description="data version (newest changeset id)")
    links: list[Link]
    features: list[AreaFeature]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    backend: str
    version: int | None = None
    counts: dict[str, int] | None = None
    reason: str | None = None
    geocoder: Literal["ready", "loading", "on_first_use"] | None = None


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail
