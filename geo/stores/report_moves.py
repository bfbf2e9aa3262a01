"""Following a boundary edit: open reports move to the area that now holds their point.

Runs inside the edit's transaction, after the old rows are closed and the new ones written,
so the store's current rows *are* the boundaries after the edit. For each level the edit
touches, the open reports (new, dispatched, in progress) filed under a changed area or one of
its neighbours — or filed above that level with no area there, such as a report in a community
gap a new grid now covers — are located again among those areas. A report without a chosen
point (a person picked its grid) follows a re-coded area to its new code instead.

Each report that moves gets its chain updated, a ``reassigned`` flag, a ``reassign`` event and
an audit entry naming the old grid, the new grid and the changeset. Resolved and closed
reports keep the grid that handled them; reports in the manual queue wait for a person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, and_, insert, or_, select, update

from geo.areas import LEVELS, Changeset, Level
from geo.clock import utc_now
from geo.reports import OPEN_STATUSES, Flag
from geo.stores.audit import write_audit
from geo.stores.schema import report_events, reports

if TYPE_CHECKING:
    from geo.areas import AreaRecord, EditOutcome


class SpatialReads(Protocol):
    """The two spatial reads of the store (backend-specific) that finding moved reports needs."""

    def _areas_touching(
        self, conn: Connection, level: Level, geom: BaseGeometry
    ) -> list[AreaRecord]: ...
    def _level_geometries(
        self, conn: Connection, level: Level, codes: set[str]
    ) -> dict[str, BaseGeometry]: ...


__all__ = ["move_reports"]

_CHUNK = 1000
Chain = dict[Level, str | None]


class _LevelChange:
    """What an edit did at one level: the areas to search and the re-coded codes."""

    def __init__(
        self, store: SpatialReads, conn: Connection, outcome: EditOutcome, level: Level
    ) -> None:
        plan, current = outcome.plan, outcome.current
        self.level = level
        new_state = {a.code: a.geometry for a in plan.upserts if a.level is level}
        retired = {c for c in plan.retires if c in current and current[c].level is level}
        touching: set[str] = set()
        for geom in new_state.values():
            touching |= {a.code for a in store._areas_touching(conn, level, geom)}
        self.final: dict[str, BaseGeometry] = store._level_geometries(
            conn, level, touching | set(new_state)
        )
        self.watched = (
            set(self.final)
            | retired
            | {
                a.attributes["previous_code"]
                for a in plan.upserts
                if a.level is level and "previous_code" in a.attributes
            }
        )
        self.successor = {
            a.attributes["previous_code"]: a.code
            for a in plan.upserts
            if a.level is level and "previous_code" in a.attributes
        }
        self.parents = {code[:-3] for code in self.watched} if level.depth > 0 else set()

    def where(self) -> Any:
        column = reports.c[self.level.value]
        clauses: list[Any] = [column.in_(sorted(self.watched))]
        if self.level.parent is not None and self.parents:
            parent = reports.c[self.level.parent.value]
            clauses.append(and_(column.is_(None), parent.in_(sorted(self.parents))))
        return or_(*clauses)

    def concerns(self, chain: Chain) -> bool:
        code = chain[self.level]
        if code is not None:
            return code in self.watched
        parent = self.level.parent
        return parent is not None and chain[parent] in self.parents

    def locate(self, lon: list[float], lat: list[float]) -> list[str | None]:
        """The final area (smallest code on a shared edge) holding each point, or None."""
        names = sorted(self.final)
        if not names or not lon:
            return [None] * len(lon)
        tree = shapely.STRtree([self.final[c] for c in names])
        point_idx, area_idx = tree.query(shapely.points(lon, lat), predicate="intersects")
        best = np.full(len(lon), len(names), dtype=np.int64)
        np.minimum.at(best, point_idx, area_idx)
        return [names[b] if b < len(names) else None for b in best.tolist()]


def move_reports(
    store: SpatialReads, conn: Connection, outcome: EditOutcome, changeset: Changeset
) -> None:
    """Reassign the open reports an edit moves; see the module docstring."""
    plan, current = outcome.plan, outcome.current
    levels = sorted(
        {a.level for a in plan.upserts} | {current[c].level for c in plan.retires if c in current},
        key=lambda level: level.depth,
    )
    if not levels:
        return
    changes = [_LevelChange(store, conn, outcome, level) for level in levels]
    stmt = select(reports.c.id, reports.c.lon, reports.c.lat, reports.c.flags,
                  reports.c.revision, *(reports.c[lv.value] for lv in LEVELS)).where(
        reports.c.status.in_([s.value for s in OPEN_STATUSES]), or_(*(c.where() for c in changes))
    )  # fmt: skip
    rows = list(conn.execute(stmt).all())
    if not rows:
        return
    chains: list[Chain] = [{lv: row._mapping[lv.value] for lv in LEVELS} for row in rows]
    before = [dict(chain) for chain in chains]
    for change in changes:
        _relocate_level(change, rows, chains, levels)
    now = utc_now()
    for row, old, new in zip(rows, before, chains, strict=True):
        if new != old:
            _reassign(conn, row, old, new, changeset, now)


def _relocate_level(
    change: _LevelChange, rows: list[Any], chains: list[Chain], levels: list[Level]
) -> None:
    level = change.level
    mine = [i for i, chain in enumerate(chains) if change.concerns(chain)]
    with_point = [i for i in mine if rows[i].lon is not None and rows[i].lat is not None]
    found = change.locate([rows[i].lon for i in with_point], [rows[i].lat for i in with_point])
    new_codes = dict(zip(with_point, found, strict=True))
    for i in mine:
        if i not in new_codes:  # no chosen point: follow a re-code, drop a retired area
            code = chains[i][level]
            new_codes[i] = change.successor.get(code, code) if code in change.final or \
                code in change.successor else None  # fmt: skip
    for i, code in new_codes.items():
        chain = chains[i]
        if code == chain[level]:
            continue
        chain[level] = code
        if code is not None:  # codes nest: the levels above follow from the prefix
            for upper in LEVELS[: level.depth]:
                chain[upper] = code[: 6 + 3 * upper.depth]
        for deeper in LEVELS[level.depth + 1 :]:
            code_above = chain[LEVELS[deeper.depth - 1]]
            if deeper not in levels and (
                code_above is None or not (chain[deeper] or "").startswith(code_above)
            ):
                chain[deeper] = None


def _reassign(
    conn: Connection, row: Any, old: Chain, new: Chain, changeset: Changeset, now: Any
) -> None:
    flags = dict(row.flags or {})
    flags[Flag.REASSIGNED.value] = {"from": old[Level.GRID], "to": new[Level.GRID],
                                    "changeset": changeset.id}  # fmt: skip
    if new[Level.GRID] is None and new[Level.COMMUNITY] is not None:
        flags[Flag.NO_GRID.value] = True
    elif new[Level.GRID] is not None:
        flags.pop(Flag.NO_GRID.value, None)
    conn.execute(
        update(reports).where(reports.c.id == row.id).values(
            **{lv.value: new[lv] for lv in LEVELS}, flags=flags, area_version=changeset.id,
            updated_at=now, revision=row.revision + 1,
        )
    )  # fmt: skip
    conn.execute(insert(report_events).values(
        report_id=row.id, at=now, actor=changeset.author, action="reassign",
        from_grid=old[Level.GRID], to_grid=new[Level.GRID], changeset_id=changeset.id,
        note=f"boundary edit: {changeset.reason}"[:2000],
    ))  # fmt: skip
    write_audit(conn, actor=changeset.author, action="reports.reassign",
                target=f"report {row.id}", changeset_id=changeset.id,
                before={"grid": old[Level.GRID], "community": old[Level.COMMUNITY]},
                after={"grid": new[Level.GRID], "community": new[Level.COMMUNITY]})  # fmt: skip
