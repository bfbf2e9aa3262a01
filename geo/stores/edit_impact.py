"""What an edit moves: addresses and micro-grids that change area, and area changes in m².

Computed for every preview and applied by every commit: the addresses whose area chain an
edit changes are re-derived in the same transaction (the chain is derived data, not history).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, and_, or_, select, update

from geo.areas import LEVELS, AreaRecord, EditOutcome, EditPlan, Impact, Level
from geo.crs import area_m2
from geo.stores.layer_moves import layer_moves
from geo.stores.schema import addresses

__all__ = ["ImpactMixin"]

_ID_CHUNK = 1000  # ids per UPDATE: well under SQLite's bound-parameter limit


class ImpactMixin:
    """Impact of edit plans; the editing mixin builds on it."""

    if TYPE_CHECKING:

        def _areas_touching(
            self, conn: Connection, level: Level, geom: BaseGeometry
        ) -> list[AreaRecord]: ...
        def _level_geometries(
            self, conn: Connection, level: Level, codes: set[str]
        ) -> dict[str, BaseGeometry]: ...

    # -- impact -----------------------------------------------------------------------------------
    def _impact(self, conn: Connection, plan: EditPlan, current: dict[str, AreaRecord]) -> Impact:
        impact = Impact()
        for area in plan.upserts:
            if area.code in plan.creates and "previous_code" not in area.attributes:
                impact.area_change_m2[area.code] = area_m2(area.geometry)
            elif area.code in current:
                impact.area_change_m2[area.code] = area_m2(area.geometry) - area_m2(
                    current[area.code].geometry
                )
        for code in plan.retires:
            if code in current and not any(
                a.attributes.get("previous_code") == code for a in plan.upserts
            ):
                impact.area_change_m2.setdefault(code, -area_m2(current[code].geometry))
        levels = {a.level for a in plan.upserts} | {
            current[c].level for c in plan.retires if c in current
        }
        for level in sorted(levels, key=lambda lv: lv.depth):
            impact.addresses += self._moved_addresses(conn, plan, current, level)
        impact.micro_grids = [
            {"code": a.attributes["previous_code"], "new_code": a.code}
            for a in plan.upserts
            if a.level is Level.MICRO_GRID and "previous_code" in a.attributes
        ]
        impact.layers = layer_moves(self, conn, plan, current)
        return impact

    def _moved_addresses(
        self, conn: Connection, plan: EditPlan, current: dict[str, AreaRecord], level: Level
    ) -> list[dict[str, Any]]:
        """Addresses whose area at ``level`` differs once the plan is applied."""
        column = addresses.c[level.value]
        new_state = {a.code: a.geometry for a in plan.upserts if a.level is level}
        affected = set(new_state) | {
            c for c in plan.retires if current.get(c) and current[c].level is level
        }
        if not affected:
            return []
        neighbours = set()
        for geom in new_state.values():
            neighbours |= {a.code for a in self._areas_touching(conn, level, geom)}
        codes = sorted(affected | neighbours)
        # Addresses in a gap of the parent (no area at this level) join an area that grows
        # over them, so they are read too: by their parent-level column.
        in_gap = []
        if level.parent is not None:
            parents = sorted({c[:-3] for c in codes})
            in_gap = [and_(column.is_(None), addresses.c[level.parent.value].in_(parents))]
        rows = conn.execute(
            select(
                addresses.c.id, addresses.c.full_text, addresses.c.lon, addresses.c.lat, column
            ).where(addresses.c.valid_to.is_(None), or_(column.in_(codes), *in_gap))
        ).all()
        if not rows:
            return []
        final = {
            c: g
            for c, g in self._level_geometries(conn, level, neighbours).items()
            if c not in plan.retires
        }
        final.update(new_state)
        ids, texts, lons, lats, olds = zip(*rows, strict=True)
        owners = _owners(final, np.asarray(lons, float), np.asarray(lats, float))
        return [
            {"id": id_, "full_text": text, "from": old, "to": new, "level": level.value}
            for id_, text, old, new in zip(ids, texts, olds, owners, strict=True)
            if new != old
        ]

    @staticmethod
    def _move_addresses(conn: Connection, outcome: EditOutcome) -> None:
        """Re-derive the chain of the addresses the impact says move (derived data, not history).

        One UPDATE per destination area (ids in chunks), not one per address: a boundary move
        in a dense grid shifts thousands of addresses, and a round trip each would dominate
        the commit (about 1 s per 5,000 on PostGIS).
        """
        by_target: dict[tuple[str, str | None], list[int]] = {}
        for item in outcome.impact.addresses:
            by_target.setdefault((item["level"], item["to"]), []).append(item["id"])
        # Outer levels first (the impact lists them so): a move at the street level clears
        # the community, which the community-level move then sets.
        for (level_name, target), ids in by_target.items():
            level = Level(level_name)
            values: dict[str, str | None] = {level.value: target}
            if target is not None:
                for deeper in LEVELS[level.depth + 1 :]:
                    values[deeper.value] = None
                for higher in LEVELS[: level.depth]:
                    values[higher.value] = target[: len(target) - 3 * (level.depth - higher.depth)]
            for start in range(0, len(ids), _ID_CHUNK):
                chunk = sorted(ids[start : start + _ID_CHUNK])
                conn.execute(update(addresses).where(addresses.c.id.in_(chunk)).values(**values))
        for area in outcome.plan.upserts:
            previous = area.attributes.get("previous_code")
            if previous:
                column = addresses.c[area.level.value]
                conn.execute(
                    update(addresses)
                    .where(addresses.c.valid_to.is_(None), column == previous)
                    .values({column: area.code})
                )


def _owners(final: dict[str, BaseGeometry], lon: np.ndarray, lat: np.ndarray) -> list[str | None]:
    """The area holding each point (lon/lat, EPSG:4490); on a shared edge the smallest code.

    Areas are tried in code order against the points no smaller code holds yet, each area
    prepared and pre-filtered by its bounding box: a handful of vectorised GEOS calls instead
    of one tree query per point.
    """
    names = sorted(final)
    owner = np.full(len(lon), -1)
    for position, code in enumerate(names):
        geom = final[code]
        west, south, east, north = geom.bounds
        open_ = np.flatnonzero(
            (owner < 0) & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        )
        if open_.size == 0:
            continue
        shapely.prepare(geom)
        inside = shapely.intersects_xy(geom, lon[open_], lat[open_])
        owner[open_[inside]] = position
    return [names[i] if i >= 0 else None for i in owner.tolist()]
