"""Reading area rows: the helpers every part of the store shares (no part imports another).

``valid_at`` is the one definition of "the version valid at a time" for every table with
``valid_from``/``valid_to``; ``area_from_row`` turns a row of ``areas`` into a record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, or_
from sqlalchemy.sql.elements import ColumnElement

from geo.areas import AreaRecord, Level, Team

__all__ = ["area_from_row", "valid_at"]


def valid_at(table: Any, as_of: datetime | None) -> ColumnElement[bool]:
    """Rows current now (``as_of`` None) or valid at ``as_of``."""
    if as_of is None:
        return table.c.valid_to.is_(None)
    return and_(
        table.c.valid_from <= as_of, or_(table.c.valid_to.is_(None), table.c.valid_to > as_of)
    )


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
