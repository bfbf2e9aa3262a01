"""Plain records the stores read and write: areas, changesets, standard addresses.

Geometries are Shapely objects in CGCS2000 geographic coordinates (EPSG:4490, lon/lat), which
equal WGS84 to well under a metre. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

from geo.levels import Level

__all__ = [
    "AREA_SRID",
    "AddressRecord",
    "AreaRecord",
    "Changeset",
    "NewArea",
    "Team",
    "utc_now",
]

AREA_SRID = 4490


def utc_now() -> datetime:
    return datetime.now(UTC)


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
class AddressRecord:
    """A standard address (标准地址) of the library.

    ``components`` maps GB/T 39609 / CCKS element tags (district, town, community, road,
    roadno, poi, houseno, cellno, floorno, roomno, ...) to their text. ``areas`` maps each
    level to the code of the area holding the point, derived from the boundaries.
    """

    id: int | None
    code: str
    full_text: str
    components: dict[str, str]
    lon: float
    lat: float
    aliases: tuple[str, ...] = ()
    status: str = "active"
    areas: dict[str, str | None] = field(default_factory=dict)
    valid_from: datetime | None = None
    valid_to: datetime | None = None
