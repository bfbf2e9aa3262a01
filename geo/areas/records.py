"""Plain records the stores read and write: areas, their versions and the changesets.

Geometries are Shapely objects in CGCS2000 geographic coordinates (EPSG:4490, lon/lat), which
equal WGS84 to well under a metre. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

from geo.areas.levels import Level

__all__ = [
    "AreaLabel",
    "AreaRecord",
    "Changeset",
    "NewArea",
    "Team",
]


@dataclass(frozen=True, slots=True)
class Team:
    """The people responsible for an area. Phone numbers are stored already masked."""

    name: str
    leader: str | None = None
    phone: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "leader": self.leader, "phone": self.phone}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Team | None:
        if not data:
            return None
        return cls(name=str(data["name"]), leader=data.get("leader"), phone=data.get("phone"))


@dataclass(frozen=True, slots=True)
class NewArea:
    """An area as a writer supplies it, before the store gives it a version."""

    code: str
    level: Level
    name: str
    geometry: BaseGeometry
    parent_code: str | None = None
    kind: str | None = None
    team: Team | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AreaRecord:
    """One stored version of an area.

    ``version`` is the id of the changeset that wrote this row, so it changes with every edit
    of the area and serves as its ETag. ``valid_to`` is None while the version is current.
    """

    code: str
    level: Level
    name: str
    geometry: BaseGeometry
    parent_code: str | None
    kind: str | None
    team: Team | None
    attributes: dict[str, Any]
    version: int
    valid_from: datetime
    valid_to: datetime | None

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


@dataclass(frozen=True, slots=True)
class Changeset:
    """Who changed what, when and why. Every write to the store is exactly one changeset."""

    id: int
    author: str
    reason: str
    created_at: datetime
    effective_at: datetime


@dataclass(frozen=True, slots=True)
class AreaLabel:
    """What an answer shows of an area: enough to name it, not its geometry."""

    code: str
    name: str
    kind: str | None
