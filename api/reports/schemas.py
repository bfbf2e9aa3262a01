"""Request and response models of the report API.

They document the API in OpenAPI and the tests validate answers against them; the endpoints
parse bodies with :mod:`geo.reports.intake` (one set of rules and messages for JSON, forms and
files) and write answers directly, for speed at 10,000 reports a batch.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.locate import LocateAreas

__all__ = [
    "BatchIn",
    "BatchOut",
    "ReportIn",
    "ReportList",
    "ReportOut",
    "ReportPatch",
]

StatusName = Literal["needs_location", "new", "dispatched", "in_progress", "resolved", "closed"]


# -- requests --------------------------------------------------------------------------------------
class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    crs: str = Field(default="wgs84", description="wgs84, cgcs2000, gcj02 (Amap, WeChat) or bd09")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=100)


class ReportIn(BaseModel):
    """One report: an address text, a point, or both."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "source": "12345", "external_id": "GD20250101-0001", "category": "environment",
                "description": "小区门口垃圾堆放三天无人清理，请回电13812345678",
                "address": "南湖区建设街道百福弄社区上海路165号",
                "point": {"lon": 120.7844, "lat": 30.7300, "crs": "gcj02"},
                "reported_at": "2025-01-01T08:00:00+08:00",
            }
        },
    )  # fmt: skip

    source: str = Field(description="channel: 12345, 110, app, patrol, wechat, mediation, ...")
    external_id: str | None = Field(default=None, max_length=100,
                                    description="the sender's id; unique per source")  # fmt: skip
    category: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=5000)
    address: str | None = Field(default=None, max_length=200, description="address text")
    point: PointIn | None = None
    reported_at: str | None = Field(
        default=None, description="ISO 8601; without an offset, the city's time zone; default now"
    )
    contact: ContactIn | None = Field(default=None, description="the reporter; masked in answers")


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reports: list[ReportIn] = Field(min_length=1, max_length=10_000)


class ReportPatch(BaseModel):
    """A transition, a location fix (point or grid), a note: any combination."""

    model_config = ConfigDict(extra="forbid")

    status: StatusName | None = None
    location: PointIn | None = Field(default=None, description="the report's true location")
    grid: str | None = Field(default=None, description="a grid code chosen by a person")
    note: str | None = Field(default=None, max_length=2000)


# -- answers ---------------------------------------------------------------------------------------
class GeocodedOut(BaseModel):
    lon: float
    lat: float
    address: str
    address_id: int
    confidence: float


class Location(BaseModel):
    lon: float | None = Field(description="CGCS2000 (EPSG:4490)")
    lat: float | None
    crs: Literal["cgcs2000"]
    method: str | None = Field(description="point, address, point+address, manual or none")
    confidence: float | None = Field(description="in [0, 1]; null when not placed")
    flags: list[str] = Field(description="near_boundary, location_mismatch, no_grid, ...")
    details: dict[str, Any] = Field(description="the numbers behind the flags")
    input: PointIn | None = Field(description="the point as sent")
    geocoded: GeocodedOut | None = Field(description="the standard address the text matched")
    candidates: list[dict[str, Any]] = Field(description="grids a person may choose from")
    version: int | None = Field(description="data version of the boundaries used")


class Sla(BaseModel):
    review_due_at: str | None
    response_due_at: str | None
    due_at: str | None = Field(description="the deadline of the current status")
    overdue: bool
    dispatched_at: str | None
    in_progress_at: str | None
    resolved_at: str | None
    closed_at: str | None
    reopen_count: int


class EventOut(BaseModel):
    at: str
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    from_grid: str | None
    to_grid: str | None
    note: str | None
    changeset_id: int | None


class ReportOut(BaseModel):
    id: int
    status: StatusName
    source: str
    external_id: str | None
    category: str | None
    description: str | None = Field(description="phone and ID-card numbers masked")
    address: str | None = Field(description="the address text as sent, numbers masked")
    contact: dict[str, str] | None
    reported_at: str
    created_at: str
    updated_at: str
    location: Location
    areas: LocateAreas
    sla: Sla
    revision: int = Field(description="grows with every change; send it as If-Match")
    events: list[EventOut] | None = None


class BatchItem(BaseModel):
    index: int
    created: bool
    report: ReportOut


class BatchOut(BaseModel):
    created: int
    existing: int
    items: list[BatchItem]


class ReportList(BaseModel):
    items: list[ReportOut]
    total: int
    limit: int
    offset: int
