"""Column types that behave the same on PostGIS and on the embedded SQLite store.

The Python side always sees Shapely geometries and timezone-aware UTC datetimes. On PostgreSQL
a geometry is a real PostGIS ``geometry(…, 4490)`` column (through GeoAlchemy2, so GiST indexes
and ``ST_*`` functions work); on SQLite it is WKB in a BLOB and all spatial work happens in
Shapely, so the embedded store needs nothing beyond the Python standard library.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import shapely
from geoalchemy2 import Geometry
from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import JSON, DateTime, LargeBinary
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from geo.crs import AREA_SRID

__all__ = ["Geom", "JsonDoc", "UtcDateTime"]

JsonDoc = JSON().with_variant(JSONB(), "postgresql")


def _is_postgres(dialect: Dialect | None) -> bool:
    return dialect is not None and dialect.name == "postgresql"


class Geom(TypeDecorator[BaseGeometry]):
    """A geometry column: PostGIS geometry on PostgreSQL, WKB bytes on SQLite."""

    impl = LargeBinary
    cache_ok = True
    # GeoAlchemy2's DDL hooks inspect these on every geometry-like column; indexes are made
    # explicitly by the migrations instead.
    spatial_index = False
    use_N_D_index = False  # noqa: N815 (GeoAlchemy2's attribute name)

    def __init__(self, geometry_type: str = "GEOMETRY", srid: int = AREA_SRID) -> None:
        super().__init__()
        self.geometry_type = geometry_type
        self.srid = srid

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is_postgres(dialect):
            return dialect.type_descriptor(
                Geometry(self.geometry_type, srid=self.srid, spatial_index=False)
            )
        if dialect is None:  # GeoAlchemy2's hooks probe with no dialect
            return LargeBinary()
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if _is_postgres(dialect):
            return from_shape(value, srid=self.srid)
        return shapely.to_wkb(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        if isinstance(value, WKBElement):
            return to_shape(value)
        return shapely.from_wkb(value)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python; ``timestamptz`` on PostgreSQL, naive UTC text on SQLite.

    SQLite has no time zone type, so values are normalised to naive UTC there; that keeps
    lexical order equal to time order, which the ``as_of`` queries rely on.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value if _is_postgres(dialect) else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
