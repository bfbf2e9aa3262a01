"""Response models of the area API (GeoJSON features, pages): for OpenAPI and the tests."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas import TeamModel
from geo.areas import Level

__all__ = ["AreaCollection", "AreaFeature", "AreaProperties", "Link"]


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
