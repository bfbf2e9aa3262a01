"""A thematic layer's registry entry: what it holds, how it looks, and who may see it.

Departments bring their own data (民政 households, 住建 buildings, 市场监管 enterprises, 城管
部件 such as manholes and lamps); each dataset becomes one named layer whose every feature is
tied to the area chain that answers for it. Visibility is decided here, in the domain, so the
registry listing, the features, the tiles and the statistics all apply the same rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from geo.access import ApiKey, Role
from geo.errors import InvalidInputError

__all__ = [
    "FIELD_TYPES",
    "FieldSpec",
    "GeometryKind",
    "LayerDef",
    "LayerRecord",
    "check_layer_name",
]

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
FIELD_TYPES = ("text", "integer", "number", "boolean")
_RESERVED = {"districts", "streets", "communities", "grids", "micro_grids", "addresses", "reports"}


class GeometryKind(StrEnum):
    """What a layer's features are; a file of another kind is refused row by row."""

    POINT = "point"
    LINE = "line"
    POLYGON = "polygon"

    @classmethod
    def parse(cls, value: str, *, field: str = "geometry_type") -> GeometryKind:
        try:
            return cls(value)
        except ValueError:
            raise InvalidInputError(
                f"unknown geometry type {value!r}; accepted: point, line, polygon", field=field
            ) from None


def check_layer_name(name: str, *, field: str = "name") -> str:
    """A layer's name is its URL segment: lower-case ASCII, 2-40 characters, not an area layer."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InvalidInputError(
            f"layer name {name!r} must be 2-40 of a-z, 0-9 and _, starting with a letter",
            field=field,
        )
    if name in _RESERVED:
        raise InvalidInputError(f"layer name {name!r} is taken by a built-in layer", field=field)
    return name


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One attribute column of a layer; ``required`` ones may not be empty in any row."""

    name: str
    type: str = "text"
    required: bool = False
    title: str | None = None

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise InvalidInputError(
                f"field {self.name!r}: unknown type {self.type!r}; accepted: "
                + ", ".join(FIELD_TYPES),
                field="fields",
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "title": self.title,
        }


@dataclass(frozen=True, slots=True)
class LayerDef:
    """A layer as registered.

    Visibility: a key needs at least ``min_role``; a ``sensitive`` layer (人口, say) is shown
    only to the roles listed in ``roles`` (and to admins, who manage the registry). A layer
    with ``scopes`` (area codes) is shown only to unscoped keys and to keys whose scope lies
    inside, or contains, one of them. Whoever sees a layer sees only the features inside their
    own scope. ``parts`` marks a 部件 layer whose ``class_code`` column carries GB/T 30428.2
    class codes (checked at import and shown with their names).
    """

    name: str
    title: str
    department: str
    geometry_type: GeometryKind
    fields: tuple[FieldSpec, ...] = ()
    style: dict[str, Any] = field(default_factory=dict)
    min_role: Role = Role.VIEWER
    sensitive: bool = False
    roles: tuple[Role, ...] = ()
    scopes: tuple[str, ...] = ()
    parts: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        check_layer_name(self.name)
        if not self.title.strip():
            raise InvalidInputError("a layer needs a title", field="title")
        if not self.department.strip():
            raise InvalidInputError("a layer needs a department", field="department")
        if self.sensitive and not self.roles:
            raise InvalidInputError(
                "a sensitive layer must name the roles that may see it", field="roles"
            )
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise InvalidInputError("field names repeat", field="fields")
        for code in self.scopes:
            if not (code.isdigit() and len(code) in (6, 9, 12, 15, 18)):
                raise InvalidInputError(f"scope {code!r} is not an area code", field="scopes")

    def visible_to(self, key: ApiKey | None) -> bool:
        """Whether a key (None: an anonymous caller of a public map) may see this layer."""
        if key is None:
            return not self.sensitive and not self.scopes and self.min_role is Role.VIEWER
        if key.role is Role.ADMIN:
            return True
        if not key.role.allows(self.min_role):
            return False
        if self.sensitive and key.role not in self.roles:
            return False
        if self.scopes and key.scope is not None:
            return any(key.scope.startswith(s) or s.startswith(key.scope) for s in self.scopes)
        return True

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class LayerRecord:
    """A registered layer with what the store knows of it: revision, size and times.

    ``revision`` grows with every write to the layer's features (imports, re-assignments
    after a boundary edit), so cached tiles of an older revision are never served.
    """

    definition: LayerDef
    revision: int
    feature_count: int
    created_at: datetime
    updated_at: datetime
    bounds: tuple[float, float, float, float] | None = None

    @property
    def name(self) -> str:
        return self.definition.name

    def as_dict(self) -> dict[str, Any]:
        d = self.definition
        return {
            "name": d.name,
            "title": d.title,
            "department": d.department,
            "geometry_type": d.geometry_type.value,
            "fields": [f.as_dict() for f in d.fields],
            "style": d.style,
            "min_role": d.min_role.value,
            "sensitive": d.sensitive,
            "roles": [r.value for r in d.roles],
            "scopes": list(d.scopes),
            "parts": d.parts,
            "description": d.description,
            "revision": self.revision,
            "feature_count": self.feature_count,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "bbox": None if self.bounds is None else list(self.bounds),
        }
