"""The query parameters of ``/items`` as OGC API - Features Parts 1 and 2 define them.

Each reader follows the standard where the first version of this service did not: a ``bbox``
in ``bbox-crs`` EPSG:4490 is latitude-first and is swapped *before* it is range-checked, a
``datetime`` may be an interval with open ends (``..``), and a ``limit`` above the maximum is
served at the maximum instead of refused (Part 1, /req/core/fc-limit-response-1).
"""

from __future__ import annotations

from datetime import datetime

from api.deps import parse_as_of
from api.ogc.common import EPSG4490, crs_of
from api.settings import Settings
from geo.areas import Bbox
from geo.errors import InvalidInputError

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "bbox_of", "clamp_limit", "interval_of"]

# GDAL before 3.9 and QGIS page with the server's default (or the limit the OpenAPI document
# advertises): 10 features a page made a city's micro-grids take 1,000 requests.
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000

Interval = tuple[datetime | None, datetime | None]


def bbox_of(value: str | None, bbox_crs: str | None) -> Bbox | None:
    """The bbox as lon/lat in CGCS2000, read in the axis order its CRS defines."""
    if value is None:
        return None
    if crs_of(bbox_crs, field="bbox-crs") != EPSG4490:
        return Bbox.parse(value)
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 4:
        raise InvalidInputError(
            f"bbox must be four numbers 'south,west,north,east' in EPSG:4490, got {len(parts)}",
            field="bbox",
        )
    south, west, north, east = parts
    return Bbox.parse(f"{west},{south},{east},{north}")


def clamp_limit(limit: int | None) -> int:
    """The page size to serve: the default when absent, at most ``MAX_LIMIT``."""
    if limit is None:
        return DEFAULT_LIMIT
    return min(limit, MAX_LIMIT)


def interval_of(value: str | None, settings: Settings) -> tuple[datetime | None, Interval | None]:
    """``datetime`` as (instant, None) or (None, interval); (None, None) when absent.

    An instant reads the map as it was then; an interval ``start/end`` (either end ``..`` or
    empty for open) selects every area valid at some time inside it.
    """
    if value is None or value.strip() in ("", ".."):
        return None, None
    if "/" not in value:
        return parse_as_of(value.strip(), settings, field="datetime"), None
    start_text, _, end_text = value.partition("/")
    start = _end(start_text, settings)
    end = _end(end_text, settings)
    if start is not None and end is not None and start > end:
        raise InvalidInputError("datetime interval must not end before it starts",
                                field="datetime")  # fmt: skip
    return None, (start, end)


def _end(text: str, settings: Settings) -> datetime | None:
    text = text.strip()
    if text in ("", ".."):
        return None
    if "/" in text:
        raise InvalidInputError("datetime is an instant or one interval 'start/end'",
                                field="datetime")  # fmt: skip
    return parse_as_of(text, settings, field="datetime")
