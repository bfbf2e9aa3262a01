"""What an edit moves: addresses and micro-grids that change area, and area changes in m².

Computed for every preview and applied by every commit: the addresses whose area chain an
edit changes are re-derived in the same transaction (the chain is derived data, not history).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, select, update

from geo.crs import area_m2
from geo.editing import EditPlan
from geo.levels import LEVELS, Level
from geo.records import AreaRecord
from geo.schema import addresses

if TYPE_CHECKING:
    from geo.stores.editing import EditOutcome

__all__ = ["IMPACT_LIST_LIMIT", "Impact", "ImpactMixin"]

IMPACT_LIST_LIMIT = 500


@dataclass
class Impact:
    """What an edit moves: addresses and micro-grids changing area, area changes in m²."""

    addresses: list[dict[str, Any]] = field(default_factory=list)
    micro_grids: list[dict[str, Any]] = field(default_factory=list)
    area_change_m2: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "addresses": {
                "count": len(self.addresses),
                "items": self.addresses[:IMPACT_LIST_LIMIT],
            },
            "micro_grids": {
                "count": len(self.micro_grids),
                "items": self.micro_grids[:IMPACT_LIST_LIMIT],
            },
            "area_change_m2": {k: round(v, 1) for k, v in self.area_change_m2.items()},
        }


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
        rows = conn.execute(
            select(
                addresses.c.id, addresses.c.full_text, addresses.c.lon, addresses.c.lat, column
            ).where(addresses.c.valid_to.is_(None), column.in_(codes))
        ).all()
        if not rows:
            return []
        final = {
            c: g
            for c, g in self._level_geometries(conn, level, neighbours).items()
            if c not in plan.retires
        }
        final.update(new_state)
        names = sorted(final)
        tree = shapely.STRtree([final[c] for c in names])
        points = shapely.points([r.lon for r in rows], [r.lat for r in rows])
        point_idx, area_idx = tree.query(points, predicate="intersects")
        best = np.full(len(rows), np.iinfo(np.int64).max)
        np.minimum.at(best, point_idx, area_idx)
        moved = []
        for row, position in zip(rows, best.tolist(), strict=True):
            new_code = names[position] if position < len(names) else None
            if new_code != row[4]:
                moved.append(
                    {
                        "id": row.id,
                        "full_text": row.full_text,
                        "from": row[4],
                        "to": new_code,
                        "level": level.value,
                    }
                )
        return moved

    @staticmethod
    def _move_addresses(conn: Connection, outcome: EditOutcome) -> None:
        """Re-derive the chain of the addresses the impact says move (derived data, not history)."""
        for item in outcome.impact.addresses:
            level = Level(item["level"])
            values: dict[str, str | None] = {level.value: item["to"]}
            if item["to"] is not None:
                for deeper in LEVELS[level.depth + 1 :]:
                    values[deeper.value] = None
                for higher in LEVELS[: level.depth]:
                    values[higher.value] = item["to"][
                        : len(item["to"]) - 3 * (level.depth - higher.depth)
                    ]
            conn.execute(update(addresses).where(addresses.c.id == item["id"]).values(**values))
        for area in outcome.plan.upserts:
            previous = area.attributes.get("previous_code")
            if previous:
                column = addresses.c[area.level.value]
                conn.execute(
                    update(addresses)
                    .where(addresses.c.valid_to.is_(None), column == previous)
                    .values({column: area.code})
                )
