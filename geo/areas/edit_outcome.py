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

__all__ = ["IMPACT_LIST_LIMIT", "EditOutcome", "Impact"]

IMPACT_LIST_LIMIT = 500


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

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def problem_features(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": [p.as_feature() for p in self.problems]}
