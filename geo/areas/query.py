"""Reading and filtering areas: the query options a store takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from geo.areas.levels import Level
from geo.errors import InvalidInputError

__all__ = ["AreaQuery", "Bbox"]


@dataclass(frozen=True, slots=True)
class Bbox:
    """A lon/lat box in CGCS2000 degrees: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str, *, field: str = "bbox") -> Bbox:
        """Parse ``"west,south,east,north"`` as the API and OGC API - Features spell it.

        Examples
        --------
        >>> Bbox.parse("120.7,30.7,120.8,30.8")
        Bbox(west=120.7, south=30.7, east=120.8, north=30.8)
        """
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise InvalidInputError(
                f"bbox must be four numbers 'west,south,east,north', got {len(parts)} values",
                field=field,
            )
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError:
            raise InvalidInputError(
                f"bbox must be four numbers 'west,south,east,north', got {text!r}", field=field
            ) from None
        values = (west, south, east, north)
        if any(v != v or v in (float("inf"), float("-inf")) for v in values):
            raise InvalidInputError("bbox values must be finite numbers", field=field)
        if not (-180 <= west <= 180 and -180 <= east <= 180):
            raise InvalidInputError("bbox longitudes must lie in [-180, 180]", field=field)
        if not (-90 <= south <= 90 and -90 <= north <= 90):
            raise InvalidInputError("bbox latitudes must lie in [-90, 90]", field=field)
        if west > east or south > north:
            raise InvalidInputError(
                "bbox must be ordered west <= east and south <= north", field=field
            )
        return cls(west, south, east, north)


@dataclass(frozen=True, slots=True)
class AreaQuery:
    """Filters for listing areas; all optional. ``as_of`` None means the current version.

    ``during`` (start, end), either end open as None, selects instead every area that had a
    version valid at some time inside the interval, in the latest such version (one per code);
    it is OGC API - Features' ``datetime`` interval.
    """

    level: Level | None = None
    parent: str | None = None
    within: str | None = None  # an area code: that area and its whole subtree (key scopes)
    bbox: Bbox | None = None
    as_of: datetime | None = None
    during: tuple[datetime | None, datetime | None] | None = None
    limit: int = 1000
    offset: int = 0
