"""The repository both backends implement: versioned areas, addresses, changesets.

Everything that is plain SQL lives here and runs unchanged on PostgreSQL and SQLite; the two
subclasses supply only the spatial filters (PostGIS functions vs. bounding-box columns plus
Shapely). Each public method is one transaction: a write either stores all of its records
under one changeset or nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Engine, Select, func, select
from sqlalchemy.exc import OperationalError

from geo.areas import LEVELS, AreaQuery, AreaRecord, Bbox, Changeset, Level, level_of_code
from geo.errors import NotFoundError, StoreUnavailableError
from geo.paging import Page
from geo.stores.access import AccessMixin
from geo.stores.addresses import ADDRESS_COLUMNS, AddressMixin
from geo.stores.area_rows import area_from_row, valid_at, valid_during
from geo.stores.area_writes import AreaWriteMixin
from geo.stores.dashboard import DashboardMixin
from geo.stores.editing import EditingMixin
from geo.stores.layers import LayerMixin
from geo.stores.report_media import ReportMediaMixin
from geo.stores.reports import ReportMixin
from geo.stores.schema import addresses, areas, changesets

__all__ = ["ADDRESS_COLUMNS", "ProgressFn", "Store"]

ProgressFn = Callable[[str, int, int], None]
_CHUNK = 5000


class Store(
    AccessMixin,
    AddressMixin,
    ReportMixin,
    ReportMediaMixin,
    LayerMixin,
    DashboardMixin,
    EditingMixin,
    AreaWriteMixin,
    ABC,
):
    """A store of areas with full history, standard addresses and the changesets that wrote them."""

    backend: ClassVar[str]

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- lifecycle ---------------------------------------------------------------------------
    def upgrade(self) -> None:
        """Bring the schema to the newest Alembic revision (idempotent)."""
        from geo.stores.migrate import upgrade

        upgrade(self.engine)

    @property
    def url(self) -> str:
        """The database URL, password included: for handing the same store to another process."""
        return self.engine.url.render_as_string(hide_password=False)

    def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the store answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except OperationalError as exc:
            raise StoreUnavailableError("the store is unreachable") from exc

    def dispose(self) -> None:
        self.engine.dispose()

    # -- versions ----------------------------------------------------------------------------
    def current_version(self) -> int:
        """The id of the newest changeset: it grows with every write, so it versions the data."""
        with self.engine.connect() as conn:
            newest = conn.execute(select(func.max(changesets.c.id))).scalar()
        return int(newest or 0)

    def changeset_key(self, as_of: datetime | None) -> tuple[int, int]:
        """(newest changeset id, changeset count) effective at or before ``as_of``.

        The areas valid at a time are fixed by the changesets effective by then, so this pair
        changes exactly when a write, even a back-dated one, changes what was valid at ``as_of``.
        """
        stmt = select(func.max(changesets.c.id), func.count())
        if as_of is not None:
            stmt = stmt.where(changesets.c.effective_at <= as_of)
        with self.engine.connect() as conn:
            newest, count = conn.execute(stmt).one()
        return int(newest or 0), int(count)

    def list_changesets(self, *, limit: int = 100, offset: int = 0) -> Page[Changeset]:
        with self.engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(changesets)).scalar_one())
            rows = conn.execute(
                select(changesets).order_by(changesets.c.id.desc()).limit(limit).offset(offset)
            ).all()
        items = [Changeset(r.id, r.author, r.reason, r.created_at, r.effective_at) for r in rows]
        return Page(items, total, limit, offset)

    # -- areas: reads ------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Current areas per level and current addresses: what a health check or demo prints."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(areas.c.level, func.count())
                .where(areas.c.valid_to.is_(None))
                .group_by(areas.c.level)
            ).all()
            n_addresses = conn.execute(
                select(func.count()).select_from(addresses).where(addresses.c.valid_to.is_(None))
            ).scalar_one()
        result = {level.value: 0 for level in LEVELS}
        result.update({level: int(n) for level, n in rows})
        result["addresses"] = int(n_addresses)
        return result

    def get_area(self, code: str, *, as_of: datetime | None = None) -> AreaRecord:
        """The version of one area current now or at ``as_of``."""
        level_of_code(code)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(areas).where(areas.c.code == code, valid_at(areas, as_of))
            ).first()
        if row is None:
            when = "" if as_of is None else f" at {as_of.isoformat()}"
            raise NotFoundError(
                f"no area with code {code!r}{when}",
                field="code",
                kind="area_not_found",
                params={"code": code},
            )
        return area_from_row(row)

    def list_areas(self, query: AreaQuery) -> Page[AreaRecord]:
        """Areas matching the filters, ordered by code, one page of them."""
        when = (
            valid_at(areas, query.as_of)
            if query.during is None
            else valid_during(areas, *query.during)
        )
        stmt = select(areas).where(when)
        if query.level is not None:
            stmt = stmt.where(areas.c.level == query.level.value)
        if query.parent is not None:
            level_of_code(query.parent, field="parent")
            stmt = stmt.where(areas.c.code.startswith(query.parent), areas.c.code != query.parent)
        if query.within is not None:
            stmt = stmt.where(areas.c.code.startswith(query.within))
        with self.engine.connect() as conn:
            return self._page_of_areas(conn, stmt, query)

    def current_areas(
        self, level: Level | None = None, *, as_of: datetime | None = None
    ) -> list[AreaRecord]:
        """All areas of a level (or all levels) current now or at ``as_of``, ordered by code."""
        stmt = select(areas).where(valid_at(areas, as_of)).order_by(areas.c.code)
        if level is not None:
            stmt = stmt.where(areas.c.level == level.value)
        with self.engine.connect() as conn:
            return [area_from_row(r) for r in conn.execute(stmt)]

    def level_bounds(self, level: Level) -> tuple[float, float, float, float] | None:
        """The lon/lat extent of a level's current areas, for collection metadata."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(func.min(areas.c.minx), func.min(areas.c.miny),
                       func.max(areas.c.maxx), func.max(areas.c.maxy))
                .where(areas.c.valid_to.is_(None), areas.c.level == level.value)
            ).one()  # fmt: skip
        return None if row[0] is None else (row[0], row[1], row[2], row[3])

    def area_history(self, code: str) -> list[AreaRecord]:
        """Every stored version of an area, oldest first."""
        level_of_code(code)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(areas).where(areas.c.code == code).order_by(areas.c.valid_from)
            ).all()
        if not rows:
            raise NotFoundError(
                f"no area with code {code!r}",
                field="code",
                kind="area_not_found",
                params={"code": code},
            )
        return [area_from_row(r) for r in rows]

    def _page_of_areas(
        self, conn: Connection, stmt: Select[Any], query: AreaQuery
    ) -> Page[AreaRecord]:
        if query.bbox is not None:
            return self._page_in_bbox(conn, stmt, query, query.bbox)
        total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        rows = conn.execute(
            stmt.order_by(areas.c.code).limit(query.limit).offset(query.offset)
        ).all()
        return Page([area_from_row(r) for r in rows], int(total), query.limit, query.offset)

    # -- areas: what edits read inside their transaction ---------------------------------------
    def _area_rows(
        self, conn: Connection, codes: list[str], *, lock: bool
    ) -> dict[str, AreaRecord]:
        """Current rows of some codes; ``lock`` serialises writers of these codes until commit.

        On PostgreSQL an advisory lock per code (in code order, so editors never deadlock) is
        taken *before* reading: ``SELECT ... FOR UPDATE`` would not do, because under READ
        COMMITTED a waiter re-checks only the old row, which the first editor closed, and never
        sees the new one. On SQLite the store's writer lock already serialises writers.
        """
        if not codes:
            return {}
        if lock and conn.dialect.name == "postgresql":
            for code in sorted(codes):
                conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(code))))
        stmt = select(areas).where(areas.c.valid_to.is_(None), areas.c.code.in_(codes))
        return {r.code: area_from_row(r) for r in conn.execute(stmt)}

    def _current_children(self, conn: Connection, code: str) -> list[AreaRecord]:
        stmt = select(areas).where(areas.c.valid_to.is_(None), areas.c.parent_code == code)
        return [area_from_row(r) for r in conn.execute(stmt.order_by(areas.c.code))]

    def _current_subtree(self, conn: Connection, code: str) -> list[AreaRecord]:
        """Every current descendant of an area (not the area itself), parents first."""
        stmt = select(areas).where(
            areas.c.valid_to.is_(None), areas.c.code.startswith(code), areas.c.code != code
        )
        return [area_from_row(r) for r in conn.execute(stmt.order_by(areas.c.code))]

    def _codes_ever_used(self, conn: Connection, prefix: str) -> set[str]:
        """Codes under a prefix, history included: a retired code is never handed out again."""
        stmt = select(areas.c.code).where(areas.c.code.startswith(prefix)).distinct()
        return set(conn.execute(stmt).scalars())

    def codes_ever_used(self, prefix: str) -> set[str]:
        with self.engine.connect() as conn:
            return self._codes_ever_used(conn, prefix)

    def _level_geometries(
        self, conn: Connection, level: Level, codes: set[str]
    ) -> dict[str, BaseGeometry]:
        wanted = sorted(codes)
        result: dict[str, BaseGeometry] = {}
        for start in range(0, len(wanted), _CHUNK):
            stmt = select(areas.c.code, areas.c.geom).where(
                areas.c.valid_to.is_(None),
                areas.c.level == level.value,
                areas.c.code.in_(wanted[start : start + _CHUNK]),
            )
            result.update({code: geom for code, geom in conn.execute(stmt)})
        return result

    @abstractmethod
    def _areas_touching(
        self, conn: Connection, level: Level, geom: BaseGeometry
    ) -> list[AreaRecord]:
        """Current areas of a level that intersect a geometry."""

    # -- spatial, backend-specific -------------------------------------------------------------
    @abstractmethod
    def _page_in_bbox(
        self, conn: Connection, stmt: Select[Any], query: AreaQuery, bbox: Bbox
    ) -> Page[AreaRecord]:
        """Keep the areas that intersect ``bbox``, count them, order by code and paginate."""
