"""Point layers fed by a pluggable source: reports today, anything point-like tomorrow.

Reports change without changesets (intake, status transitions), so their layer is neither
cached nor drawn by SQL templates: a :class:`PointSource` answers "the points in this box" and
the tile is encoded in Python. The default source reads the ``reports`` table the schema
already has and is simply empty until reports arrive; the report service can register a
richer one (SLA state, say) with :meth:`tiles.service.TileService.register_points`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import numpy as np
import shapely
from sqlalchemy import Connection, null, select

from geo.clock import utc_now
from geo.stores.schema import reports
from tiles.embedded import address_scope, search_box
from tiles.encode import encode_layer, point_tile_coords
from tiles.layers import LayerSpec
from tiles.tms import LonLatBox, Tile

__all__ = [
    "CLOSED_STATUSES",
    "PointFeature",
    "PointQuery",
    "PointSource",
    "ReportsTable",
    "render_points",
]

CLOSED_STATUSES = ("resolved", "closed")


@dataclass(frozen=True, slots=True)
class PointFeature:
    """One point (CGCS2000 lon/lat) and its public properties; ``sla`` is optional."""

    lon: float
    lat: float
    code: str
    name: str | None
    level: str
    kind: str | None
    sla: str | None = None


@dataclass(frozen=True, slots=True)
class PointQuery:
    """Which points: in ``box``, valid at ``as_of``, inside the key's ``scope`` subtree and
    the ``area`` subtree (both area codes), only open ones if ``open_only``."""

    box: LonLatBox
    as_of: datetime | None = None
    scope: str | None = None
    area: str | None = None
    open_only: bool = False
    limit: int = 50_000


class PointSource(Protocol):
    """Anything that can list points for a box; must answer ``[]`` when it has none."""

    def points(self, conn: Connection, query: PointQuery) -> list[PointFeature]: ...


class ReportsTable:
    """Reports from the store's ``reports`` table: id, category and status, never text.

    Empty until the report service writes rows. ``as_of`` keeps reports created by then (the
    table holds no status history, so their status is today's). A report whose current SLA
    deadline (``sla_due_at``, when the schema has it) has passed is marked ``overdue``.
    """

    def points(self, conn: Connection, query: PointQuery) -> list[PointFeature]:
        box = query.box
        due = reports.c.get("sla_due_at")
        columns = [
            reports.c.id,
            reports.c.category,
            reports.c.status,
            reports.c.lon,
            reports.c.lat,
            due if due is not None else null().label("sla_due_at"),
        ]
        stmt = select(*columns).where(
            reports.c.lon.between(box.west, box.east),
            reports.c.lat.between(box.south, box.north),
        )
        if query.as_of is not None:
            stmt = stmt.where(reports.c.created_at <= query.as_of)
        for prefix in (query.scope, query.area):
            if prefix is not None:
                stmt = stmt.where(address_scope(reports, prefix))
        if query.open_only:
            stmt = stmt.where(reports.c.status.not_in(CLOSED_STATUSES))
        rows = conn.execute(stmt.order_by(reports.c.id.desc()).limit(query.limit)).all()
        now = utc_now()
        return [
            PointFeature(
                float(r.lon),
                float(r.lat),
                str(r.id),
                r.category,
                "report",
                r.status,
                "overdue" if _passed(r.sla_due_at, now) else None,
            )
            for r in rows
        ]


def _passed(deadline: datetime | None, now: datetime) -> bool:
    if deadline is None:
        return False
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=UTC)
    return deadline < now


def render_points(
    conn: Connection,
    source: PointSource,
    spec: LayerSpec,
    tile: Tile,
    *,
    as_of: datetime | None,
    scope: str | None,
) -> bytes:
    """One MVT layer of a source's points in a tile; ``b""`` when there are none."""
    found = source.points(conn, PointQuery(search_box(tile), as_of=as_of, scope=scope))
    if not found:
        return b""
    lon = np.array([p.lon for p in found], dtype=np.float64)
    lat = np.array([p.lat for p in found], dtype=np.float64)
    tx, ty, inside = point_tile_coords(lon, lat, tile)
    keep = np.flatnonzero(inside)
    geoms = np.asarray(shapely.points(tx[keep].astype(np.float64), ty[keep].astype(np.float64)))
    props = [
        {
            "code": found[i].code,
            "name": found[i].name,
            "level": found[i].level,
            "kind": found[i].kind,
        }
        for i in keep.tolist()
    ]
    return encode_layer(spec.name, list(geoms), props)
