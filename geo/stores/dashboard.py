"""What the leaders' view reads: recent and open reports, address counts, address search.

A store part like the others. The dashboard reads only the reports of the last weeks plus
the open ones (a few tens of thousands at city scale, through the ``reported_at`` and
``status`` indexes), so it is answered straight from the database, always current.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, or_, select

from geo.areas import level_of_code
from geo.reports import OPEN_STATUSES, ReportStatus
from geo.stores.schema import addresses, reports

__all__ = ["DashboardMixin"]

_OPEN = [s.value for s in OPEN_STATUSES] + [ReportStatus.NEEDS_LOCATION.value]


class DashboardMixin:
    """The leaders' view's reads; mixed into :class:`geo.stores.base.Store`."""

    engine: Engine

    def dashboard_rows(
        self, *, since: datetime, within: str | None = None
    ) -> list[tuple[Any, ...]]:
        """(status, street, reported_at, resolved_at, response_due_at, sla_due_at, closed_at)
        of every report reported since ``since`` or still open, inside an area's subtree."""
        c = reports.c
        stmt = select(
            c.status,
            c.street,
            c.reported_at,
            c.resolved_at,
            c.response_due_at,
            c.sla_due_at,
            c.closed_at,
            c.community,
            c.grid,
        ).where(or_(c.reported_at >= since, c.status.in_(_OPEN)))
        if within is not None:
            level = level_of_code(within, field="area")
            stmt = stmt.where(c[level.value] == within)
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(stmt)]

    def address_counts(self, area: str) -> dict[str, int]:
        """Current standard addresses in an area's subtree, and how many are rooms (households)."""
        level = level_of_code(area, field="area")
        column = addresses.c[level.value]
        rooms = func.sum(func.cast(addresses.c.full_text.like("%室"), type_=addresses.c.lon.type))
        stmt = select(func.count(), rooms).where(column == area, addresses.c.valid_to.is_(None))
        with self.engine.connect() as conn:
            total, households = conn.execute(stmt).one()
        return {"addresses": int(total or 0), "households": int(households or 0)}

    def search_addresses(
        self, text: str, *, within: Sequence[str] = (), limit: int = 10
    ) -> list[dict[str, Any]]:
        """Current addresses whose text contains ``text``, shortest (the building) first."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = select(
            addresses.c.code,
            addresses.c.full_text,
            addresses.c.lon,
            addresses.c.lat,
            addresses.c.grid,
        ).where(addresses.c.valid_to.is_(None), addresses.c.full_text.like(pattern, escape="\\"))
        for code in within:
            level = level_of_code(code, field="area")
            stmt = stmt.where(addresses.c[level.value] == code)
        stmt = stmt.order_by(func.length(addresses.c.full_text), addresses.c.code).limit(limit)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]
