"""Request and response models of the locate API: they document it in OpenAPI, and the tests
validate answers against them. The endpoints build their JSON directly for speed."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas import TeamModel

__all__ = [
    "BatchCodes",
    "BatchFull",
    "BatchRequest",
    "LocateArea",
    "LocateAreas",
    "LocateResult",
    "PointResult",
]

LEVEL_NAMES = ("district", "street", "community", "grid", "micro_grid")


class LocateArea(BaseModel):
    code: str = Field(description="6/9/12/15/18 digits; starts with the parent's code")
    name: str
    kind: str | None = Field(description="basic or dedicated for grids and micro-grids")
    team: TeamModel | None = Field(description="the responsible team, where known")


class LocateAreas(BaseModel):
    """The covering area at each level; null where no area of the level covers the point."""

    district: LocateArea | None
    street: LocateArea | None
    community: LocateArea | None
    grid: LocateArea | None
    micro_grid: LocateArea | None


class PointResult(BaseModel):
    covered: bool = Field(description="whether any area covers the point")
    areas: LocateAreas


class LocateResult(PointResult):
    version: int = Field(description="data version (newest changeset id) the answer comes from")


class BatchRequest(BaseModel):
    """Up to 100,000 points; a GeoJSON FeatureCollection of Point features is accepted too."""

    crs: str = Field(default="wgs84", description="wgs84, cgcs2000, gcj02 or bd09")
    points: list[list[float]] = Field(description="[[lon, lat], ...] in the order to answer")


class BatchFull(BaseModel):
    version: int
    results: list[PointResult] = Field(description="one per input point, in input order")


class BatchCodes(BaseModel):
    """The compact answer (``fields=codes``): one row of five codes (or nulls) per point."""

    version: int
    levels: list[Literal["district", "street", "community", "grid", "micro_grid"]]
    results: list[list[str | None]]


FEATURE_COLLECTION_EXAMPLE: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [120.7555, 30.7467]},
            "properties": {"report": "A-1"},
        }
    ],
}
