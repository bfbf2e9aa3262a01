"""Reading area rows: the helpers every part of the store shares (no part imports another).

``valid_at`` is the one definition of "the version valid at a time" for every table with
``valid_from``/``valid_to``; ``area_from_row`` turns a row of ``areas`` into a record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, exists, or_, true
from sqlalchemy.sql.elements import ColumnElement

from geo.areas import AreaRecord, Level, Team

__all__ = ["area_from_row", "valid_at", "valid_during"]


def valid_at(table: Any, as_of: datetime | None) -> ColumnElement[bool]:
    """Rows current now (``as_of`` None) or valid at ``as_of``."""
    if as_of is None:
        return table.c.valid_to.is_(None)
    return and_(
        table.c.valid_from <= as_of, or_(table.c.valid_to.is_(None), table.c.valid_to > as_of)
    )


def _overlaps(table: Any, start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [true()]
    if end is not None:
        conditions.append(table.c.valid_from <= end)
    if start is not None:
        conditions.append(or_(table.c.valid_to.is_(None), table.c.valid_to > start))
    return and_(*conditions)


def valid_during(table: Any, start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
    """Rows valid at some time in [start, end] (None: open), the latest such row per code.

    One row per code keeps feature ids unique for clients (GDAL and QGIS key features by id);
    the latest is what the area had become by the end of the interval.
    """
    later = table.alias()
    newer = exists().where(
        later.c.code == table.c.code,
        later.c.valid_from > table.c.valid_from,
        _overlaps(later, start, end),
    )
    return and_(_overlaps(table, start, end), ~newer)


def area_from_row(row: Row[Any]) -> AreaRecord:
    return AreaRecord(
        code=row.code,
        level=Level(row.level),
        name=row.name,
        geometry=row.geom,
        parent_code=row.parent_code,
        kind=row.kind,
        team=Team.from_dict(row.team),
        attributes=dict(row.attributes or {}),
        version=row.version,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )
