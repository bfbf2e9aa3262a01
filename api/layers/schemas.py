"""Request and response models of the thematic layers API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FieldIn", "ImportOut", "LayerIn", "LayerList", "LayerOut"]

RoleName = Literal["viewer", "dispatcher", "editor", "admin"]


class FieldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    type: Literal["text", "integer", "number", "boolean"] = "text"
    required: bool = False
    title: str | None = Field(default=None, max_length=100)


class LayerIn(BaseModel):
    """A layer to register: its schema, style and who may see it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=2,
        max_length=40,
        pattern=r"^[a-z][a-z0-9_]{1,39}$",
        description="URL name: a-z, 0-9, _",
        examples=["hydrants"],
    )
    title: str = Field(min_length=1, max_length=200, examples=["消火栓"])
    department: str = Field(min_length=1, max_length=200, examples=["消防救援支队"])
    geometry_type: Literal["point", "line", "polygon"]
    fields: list[FieldIn] = Field(default_factory=list, max_length=200)
    style: dict[str, Any] = Field(
        default_factory=dict, description='Leaflet path options, e.g. {"color": "#c00"}'
    )
    min_role: RoleName = "viewer"
    sensitive: bool = Field(default=False, description="only the roles in `roles` see it")
    roles: list[RoleName] = Field(default_factory=list)
    scopes: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="area codes; scoped keys outside them do not see it",
    )
    parts: bool = Field(default=False, description="a 部件 layer with GB/T 30428.2 class codes")
    description: str = Field(default="", max_length=2000)


class LayerOut(BaseModel):
    name: str
    title: str
    department: str
    geometry_type: str
    fields: list[dict[str, Any]]
    style: dict[str, Any]
    min_role: str
    sensitive: bool
    roles: list[str]
    scopes: list[str]
    parts: bool
    description: str
    revision: int
    feature_count: int
    created_at: str
    updated_at: str
    bbox: list[float] | None
    tiles: str = Field(description="URL template of the layer's vector tiles")
    minzoom: int


class LayerList(BaseModel):
    layers: list[LayerOut]


class ImportOut(BaseModel):
    layer: LayerOut
    rows_read: int
    imported: int
    skipped: int = Field(description="rows refused and skipped (skip_bad_rows=true)")
    problems: list[dict[str, Any]] = Field(description="the skipped rows: row, field, reason")
    seconds: float
