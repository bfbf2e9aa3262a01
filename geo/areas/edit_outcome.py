"""An edit plan once checked: its problems, its impact, and what it would replace.

The store computes an :class:`EditOutcome` for every preview and every commit from the same
code, so what an editor is shown is exactly what the commit checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from geo.areas.edit_plans import EditPlan
from geo.areas.records import AreaRecord, Changeset
from geo.areas.topology import Problem

__all__ = ["IMPACT_LIST_LIMIT", "ROLES", "EditOutcome", "Impact"]

IMPACT_LIST_LIMIT = 500
ROLES = ("edited", "recoded", "clipped", "child")
"""Why an area is in a checked plan: named by the editor, re-coded under a split or merged
parent, clipped to make room (``adjust_neighbours``), or a child following its parent."""


@dataclass
class Impact:
    """What an edit moves: addresses, micro-grids and layer features changing area, m² changes."""

    addresses: list[dict[str, Any]] = field(default_factory=list)
    micro_grids: list[dict[str, Any]] = field(default_factory=list)
    area_change_m2: dict[str, float] = field(default_factory=dict)
    layers: dict[str, int] = field(default_factory=dict)
    """Features per thematic layer whose area chain changes."""

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
            "layers": dict(self.layers),
        }


@dataclass
class EditOutcome:
    """The checked plan: every problem (errors refuse the commit), its impact, the full plan."""

    plan: EditPlan
    problems: list[Problem]
    impact: Impact
    current: dict[str, AreaRecord]
    changeset: Changeset | None = None
    roles: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def changes(self) -> list[dict[str, Any]]:
        """Every area the plan writes or closes, with the version it replaces and why.

        This is what an editor confirms before saving, and what it sends back as ``versions``
        (with ``exact_areas``) so that the save changes exactly these areas.
        """
        written = {a.code: a for a in self.plan.upserts}
        rows = []
        for code in sorted(set(written) | set(self.plan.retires)):
            old = self.current.get(code)
            new = written.get(code)
            if new is None:
                action = "retire"
            elif code in self.plan.creates or old is None:
                action = "create"
            else:
                action = "update"
            named = new or old
            rows.append({
                "code": code,
                "name": named.name if named else None,
                "level": named.level.value if named else None,
                "action": action,
                "version": old.version if old is not None else None,
                "role": self.roles.get(code, "edited"),
                "area_change_m2": round(self.impact.area_change_m2.get(code, 0.0), 1),
                **({"previous_code": new.attributes["previous_code"]}
                   if new is not None and "previous_code" in new.attributes else {}),
            })  # fmt: skip
        return rows

    def problem_features(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": [p.as_feature() for p in self.problems]}
