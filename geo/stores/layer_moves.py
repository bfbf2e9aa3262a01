"""Following a boundary edit: layer features move to the areas that now answer for them.

One function serves the preview and the commit, so the editor is shown exactly the moves the
commit makes. For each level an edit touches, the features whose bounding box meets a changed
area (old or new shape) are assigned again (:func:`geo.layers.holders`: a point to the area
covering it, a line or polygon to the area holding most of it) among the areas after the edit:
the stored rows, with the plan's new shapes laid over them and its retired areas taken out.
In a preview the stored rows are still the old ones; in a commit, running after the new rows
are written, they are already the new ones, and laying the plan over them changes nothing.

A commit updates the moved features' chains, bumps each touched layer's revision (its tiles
are then drawn afresh) and writes one audit entry per layer naming the changeset.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, and_, func, or_, select, update

from geo.areas import LEVELS, Level
from geo.clock import utc_now
from geo.crs import AREA_SRID
from geo.layers import GeometryKind, holders
from geo.stores.audit import write_audit
from geo.stores.schema import layer_features, layers

if TYPE_CHECKING:
    from geo.areas import AreaRecord, Changeset, EditPlan

__all__ = ["layer_moves"]

_ID_CHUNK = 1000
Chain = dict[Level, str | None]


class SpatialReads(Protocol):
    def _areas_touching(
        self, conn: Connection, level: Level, geom: BaseGeometry
    ) -> list[AreaRecord]: ...


def _changed_shapes(
    plan: EditPlan, current: dict[str, AreaRecord], level: Level
) -> tuple[dict[str, BaseGeometry], set[str], list[BaseGeometry]]:
    new_state = {a.code: a.geometry for a in plan.upserts if a.level is level}
    retired = {c for c in plan.retires if c in current and current[c].level is level}
    shapes = list(new_state.values()) + [current[c].geometry for c in retired]
    shapes += [current[c].geometry for c in new_state if c in current]
    return new_state, retired, shapes


def _final_areas(
    store: SpatialReads,
    conn: Connection,
    level: Level,
    region: BaseGeometry,
    new_state: dict[str, BaseGeometry],
    retired: set[str],
) -> dict[str, BaseGeometry]:
    final = {a.code: a.geometry for a in store._areas_touching(conn, level, region)}
    for code in retired:
        final.pop(code, None)
    final.update(new_state)
    return final


def layer_moves(
    store: SpatialReads,
    conn: Connection,
    plan: EditPlan,
    current: dict[str, AreaRecord],
    *,
    changeset: Changeset | None = None,
) -> dict[str, int]:
    """Features per layer whose area chain the plan changes; applied when ``changeset`` is given."""
    levels = sorted(
        {a.level for a in plan.upserts} | {current[c].level for c in plan.retires if c in current},
        key=lambda lv: lv.depth,
    )
    kinds = {
        n: GeometryKind(t) for n, t in conn.execute(select(layers.c.name, layers.c.geometry_type))
    }
    if not levels or not kinds:
        return {}
    rows: dict[int, Any] = {}
    chains: dict[int, Chain] = {}
    before: dict[int, Chain] = {}
    for level in levels:
        new_state, retired, shapes = _changed_shapes(plan, current, level)
        if not shapes:
            continue
        found = _features_meeting(conn, shapes)
        for row in found:
            if row.id not in rows:
                rows[row.id] = row
                chains[row.id] = {lv: row._mapping[lv.value] for lv in LEVELS}
                before[row.id] = dict(chains[row.id])
        mine = [rows[r.id] for r in found]
        if not mine:
            continue
        region = shapely.box(
            *shapely.total_bounds(np.asarray([r.geom for r in mine], dtype=object))
        )
        final = _final_areas(
            store, conn, level, shapely.union_all([region, *shapes]), new_state, retired
        )
        by_kind: dict[GeometryKind, list[Any]] = defaultdict(list)
        for r in mine:
            by_kind[kinds[r.layer]].append(r)
        for kind, group in by_kind.items():
            geoms = np.asarray([r.geom for r in group], dtype=object)
            for r, code in zip(group, holders(geoms, final, kind), strict=True):
                _set_level(chains[r.id], level, code, levels)
    moved: dict[str, list[int]] = defaultdict(list)
    for fid, chain in chains.items():
        if chain != before[fid]:
            moved[rows[fid].layer].append(fid)
    if changeset is not None and moved:
        _apply(conn, moved, chains, changeset)
    return {layer: len(ids) for layer, ids in sorted(moved.items())}


def _features_meeting(conn: Connection, shapes: list[BaseGeometry]) -> list[Any]:
    """Features whose bounding box meets one of the shapes' (GiST ``&&`` on PostGIS)."""
    c = layer_features.c
    boxes = [shapely.bounds(s) for s in shapes]
    if conn.dialect.name == "postgresql":
        envelopes = [func.ST_MakeEnvelope(w, s, e, n, AREA_SRID) for w, s, e, n in boxes]
        near = or_(*(c.geom.op("&&")(box) for box in envelopes))
        stmt = select(c.id, c.layer, c.geom, *(c[lv.value] for lv in LEVELS)).where(near)
        return list(conn.execute(stmt).all())
    where = or_(*(and_(c.minx <= e, c.maxx >= w, c.miny <= n, c.maxy >= s) for w, s, e, n in boxes))
    stmt = select(c.id, c.layer, c.geom, *(c[lv.value] for lv in LEVELS)).where(where)
    return list(conn.execute(stmt).all())


def _set_level(chain: Chain, level: Level, code: str | None, edited: list[Level]) -> None:
    if code is None and level.parent is not None and chain[level] is None:
        return  # still in no area at this level: nothing to change
    chain[level] = code
    if code is not None:  # codes nest: the levels above follow from the prefix
        for upper in LEVELS[: level.depth]:
            chain[upper] = code[: 6 + 3 * upper.depth]
    for deeper in LEVELS[level.depth + 1 :]:
        above = chain[LEVELS[deeper.depth - 1]]
        if deeper not in edited and (above is None or not (chain[deeper] or "").startswith(above)):
            chain[deeper] = None


def _apply(
    conn: Connection, moved: dict[str, list[int]], chains: dict[int, Chain], changeset: Changeset
) -> None:
    groups: dict[tuple[str | None, ...], list[int]] = defaultdict(list)
    for ids in moved.values():
        for fid in ids:
            groups[tuple(chains[fid][lv] for lv in LEVELS)].append(fid)
    for key, ids in groups.items():
        for start in range(0, len(ids), _ID_CHUNK):
            conn.execute(
                update(layer_features)
                .where(layer_features.c.id.in_(ids[start : start + _ID_CHUNK]))
                .values(**{lv.value: code for lv, code in zip(LEVELS, key, strict=True)})
            )
    now = utc_now()
    for layer, ids in moved.items():
        conn.execute(
            update(layers)
            .where(layers.c.name == layer)
            .values(revision=layers.c.revision + 1, updated_at=now)
        )
        write_audit(
            conn,
            actor=changeset.author,
            action="layers.reassign",
            target=f"layer {layer}",
            changeset_id=changeset.id,
            after={"features": len(ids), "sample": sorted(ids)[:20]},
        )
