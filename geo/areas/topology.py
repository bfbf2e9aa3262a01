"""Topology checks for edits: validity, containment in the parent, sibling overlaps, gaps.

Problems come back as records that serialise to GeoJSON features, so the editor can draw
exactly where an edit goes wrong. Each names its situation with a stable ``kind`` and the
values that fill it (``params``), so the editor can say it in Chinese. Tolerances are in
metres and square metres (DESIGN.md: within the parent to 0.5 m, overlaps beyond 1 m²),
measured in the CGCS2000 Gauss-Kruger zone.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely
from shapely.geometry import Point, mapping
from shapely.geometry.base import BaseGeometry

from geo.crs import area_m2

__all__ = [
    "Problem",
    "Tolerances",
    "check_children",
    "check_geometry",
    "check_siblings",
    "invalidity_location",
    "invalidity_params",
    "polygonal_repair",
]

METRES_PER_DEGREE = 111_320.0
_LOCATION = re.compile(r"\[\s*([-0-9.eE+]+)\s+([-0-9.eE+]+)\s*\]")


@dataclass(frozen=True, slots=True)
class Tolerances:
    """How much imprecision a boundary may carry before it counts as a problem."""

    parent_m: float = 0.5
    overlap_m2: float = 1.0
    gap_m2: float = 1.0


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (``error``: the edit is refused) or worth a look (``warning``)."""

    kind: str
    severity: Literal["error", "warning"]
    message: str
    codes: tuple[str, ...]
    geometry: BaseGeometry | None = None
    area_m2: float | None = None
    field: str = "geometry"  # the input at fault, for the error answer
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def all_params(self) -> dict[str, Any]:
        """The params with the size in m² (one decimal), when the problem has one."""
        params = dict(self.params)
        if self.area_m2 is not None:
            params.setdefault("area_m2", round(self.area_m2, 1))
        return params

    def as_feature(self) -> dict[str, Any]:
        area = None if self.area_m2 is None else round(self.area_m2, 2)
        params = self.all_params
        return {
            "type": "Feature",
            "geometry": mapping(self.geometry) if self.geometry is not None else None,
            "properties": {
                "kind": self.kind,
                "severity": self.severity,
                "message": self.message,
                "codes": list(self.codes),
                "area_m2": area,
                "params": params,
            },
        }


def invalidity_location(geom: BaseGeometry) -> Point | None:
    """Where GEOS found the geometry invalid (its reason ends in ``[x y]``), if it says."""
    match = _LOCATION.search(shapely.is_valid_reason(geom) or "")
    return Point(float(match.group(1)), float(match.group(2))) if match else None


def invalidity_params(geom: BaseGeometry) -> dict[str, Any]:
    """GEOS's reason as a stable token (``self_intersection``...) and where, lon/lat.

    GEOS words its reasons in English ("Ring Self-intersection[120.7 30.7]"); the token lets a
    client word them in its own language.
    """
    text = shapely.is_valid_reason(geom) or ""
    name = _LOCATION.sub("", text).strip()
    params: dict[str, Any] = {"reason": re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")}
    where = invalidity_location(geom)
    if where is not None:
        params |= {"lon": round(where.x, 7), "lat": round(where.y, 7)}
    return params


def polygonal_repair(geom: BaseGeometry) -> BaseGeometry:
    """The valid polygon(s) ``make_valid`` makes of an invalid one, without stray lines.

    The "structure" method rebuilds the rings as areas (a bow-tie becomes its two triangles),
    so the repair can be applied as it is drawn; "linework" would keep collapsed parts as
    lines, which an area cannot store.
    """
    repaired = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = [p for p in shapely.get_parts(repaired) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else repaired


def check_geometry(code: str, geom: BaseGeometry) -> list[Problem]:
    """An invalid geometry: where, why, and the repair ``make_valid`` would offer."""
    if geom.is_valid:
        return []
    reason = shapely.is_valid_reason(geom)
    repaired = polygonal_repair(geom)
    return [
        Problem(
            "invalid_geometry",
            "error",
            f"{code}: geometry is invalid ({reason}); a repaired version is offered",
            (code,),
            invalidity_location(geom) or geom.representative_point(),
            params={"code": code, **invalidity_params(geom)},
        ),
        Problem(
            "repair_suggestion",
            "warning",
            f"{code}: make_valid would give this geometry (not applied)",
            (code,),
            repaired,
            params={"code": code},
        ),
    ]


def _significant(geom: BaseGeometry, min_m2: float) -> tuple[bool, float]:
    if geom.is_empty:
        return False, 0.0
    polygons = shapely.get_parts(geom)
    polygonal = [g for g in polygons if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygonal:
        return False, 0.0
    size = area_m2(shapely.union_all(polygonal))
    return size > min_m2, size


def check_siblings(
    parent_code: str | None,
    parent: BaseGeometry | None,
    siblings: Mapping[str, BaseGeometry],
    changed: set[str] | frozenset[str],
    tolerances: Tolerances = Tolerances(),
    *,
    report_gaps: bool = True,
) -> list[Problem]:
    """Problems among the children of one parent after an edit of the ``changed`` ones."""
    problems: list[Problem] = []
    codes = sorted(siblings)
    geoms = np.array([siblings[c] for c in codes], dtype=object)
    valid = {c for c in changed if c in siblings and siblings[c].is_valid}
    for code in sorted(changed - valid):
        if code in siblings:
            problems += check_geometry(code, siblings[code])
    if parent is not None:
        envelope = parent.buffer(tolerances.parent_m / METRES_PER_DEGREE)
        shapely.prepare(envelope)
        # A prepared covers test first: a difference with a district-sized envelope costs far
        # more, and nearly every child is inside (an import of a city checks thousands).
        ordered = sorted(valid)
        inside = shapely.covers(envelope, np.array([siblings[c] for c in ordered], dtype=object))
        for code, covered in zip(ordered, inside, strict=True):
            if covered:
                continue
            outside = siblings[code].difference(envelope)
            significant, size = _significant(outside, 0.0)
            if significant:
                problems.append(Problem(
                    "outside_parent", "error",
                    f"{code} reaches {size:.1f} m² outside its parent {parent_code}",
                    (code,), outside, size, params={"code": code, "parent": parent_code},
                ))  # fmt: skip
    tree = shapely.STRtree(geoms)
    seen: set[tuple[str, str]] = set()
    for code in sorted(valid):
        shapely.prepare(siblings[code])
        for other_index in tree.query(siblings[code], predicate="intersects"):
            other = codes[int(other_index)]
            pair = (min(code, other), max(code, other))
            if other == code or pair in seen or not siblings[other].is_valid:
                continue
            seen.add(pair)
            # Neighbours that only share edges (the usual case) have no overlap to measure.
            if siblings[code].touches(siblings[other]):
                continue
            overlap = siblings[code].intersection(siblings[other])
            significant, size = _significant(overlap, tolerances.overlap_m2)
            if significant:
                problems.append(Problem(
                    "overlap", "error", f"{pair[0]} and {pair[1]} overlap by {size:.1f} m²",
                    pair, overlap, size, params={"code": pair[0], "other": pair[1]},
                ))  # fmt: skip
    if report_gaps and parent is not None and len(valid) == len(changed):
        covered = shapely.union_all(geoms)
        shapely.prepare(covered)
        # Children usually tile their parent: a prepared covers test (GEOS RelateNG) says so
        # several times faster than the overlay that measures a gap.
        gap = shapely.Polygon() if covered.covers(parent) else parent.difference(covered)
        significant, size = _significant(gap, tolerances.gap_m2)
        if significant:
            problems.append(Problem(
                "gap", "warning",
                f"{size:.1f} m² of {parent_code} is covered by none of its children",
                (parent_code or "",), gap, size, params={"parent": parent_code},
            ))  # fmt: skip
    return problems


def check_children(
    code: str,
    geom: BaseGeometry,
    children: Mapping[str, BaseGeometry],
    tolerances: Tolerances = Tolerances(),
) -> list[Problem]:
    """Children that an edited area no longer contains (they would stick out of it)."""
    envelope = geom.buffer(tolerances.parent_m / METRES_PER_DEGREE)
    problems = []
    for child_code in sorted(children):
        outside = children[child_code].difference(envelope)
        significant, size = _significant(outside, 0.0)
        if significant:
            problems.append(Problem(
                "child_outside", "error",
                f"{child_code} would reach {size:.1f} m² outside its edited parent {code}",
                (child_code, code), outside, size, params={"code": child_code, "parent": code},
            ))  # fmt: skip
    return problems
