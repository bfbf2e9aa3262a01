"""Record-level validation of areas before they are written.

Imports and bulk loads check every record first and store nothing if any is rejected, so the
checks here collect *all* problems (a :class:`Rejection` each) instead of stopping at the first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.areas.levels import CODE_LENGTH, GridKind, Level, validate_code
from geo.areas.records import NewArea
from geo.areas.topology import invalidity_params
from geo.errors import InvalidInputError

__all__ = [
    "CHINA_BOUNDS",
    "Rejection",
    "check_within_parents",
    "to_multipolygon",
    "validate_areas",
]

# A generous lon/lat box around China's territory, for rejecting swapped or foreign coordinates.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
# About 0.5 m in degrees at the equator; the default containment tolerance of DESIGN.md.
PARENT_TOLERANCE_DEG = 0.5 / 111_320
MAX_NAME_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one input record was refused: its position, its code if known, the field at fault."""

    index: int
    code: str | None
    field: str
    reason: str
    kind: str = "invalid_record"  # the stable token of the reason, for translated messages

    def as_dict(self) -> dict[str, object]:
        return {"index": self.index, "code": self.code, "field": self.field, "reason": self.reason}


def to_multipolygon(geom: BaseGeometry, *, field: str = "geometry") -> MultiPolygon:
    """Check a geometry is a valid, non-empty polygon in China and return it as a MultiPolygon."""
    if not isinstance(geom, Polygon | MultiPolygon):
        raise InvalidInputError(
            f"geometry must be a Polygon or MultiPolygon, got {geom.geom_type}",
            field=field,
            kind="geometry_type",
            params={"type": geom.geom_type},
        )
    if geom.is_empty:
        raise InvalidInputError("geometry is empty", field=field, kind="geometry_empty")
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise InvalidInputError(
            "geometry has NaN or infinite coordinates", field=field, kind="geometry_not_finite"
        )
    west, south, east, north = CHINA_BOUNDS
    lon, lat = coords[:, 0], coords[:, 1]
    if (lon < west).any() or (lon > east).any() or (lat < south).any() or (lat > north).any():
        raise InvalidInputError(
            "geometry has coordinates outside China (expected lon/lat in EPSG:4490, lon first)",
            field=field,
            kind="geometry_outside_china",
        )
    if not geom.is_valid:
        raise InvalidInputError(
            f"geometry is invalid: {shapely.is_valid_reason(geom)}",
            field=field,
            details={"reason": shapely.is_valid_reason(geom)},
            kind="geometry_invalid",
            params=invalidity_params(geom),
        )
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def _check_record(area: NewArea) -> Iterable[tuple[str, str, str]]:
    """(field, reason, kind) for each problem of one record."""
    if not area.name or not area.name.strip():
        yield "name", "name must not be empty", "name_missing"
    elif len(area.name) > MAX_NAME_LENGTH:
        yield "name", f"name is longer than {MAX_NAME_LENGTH} characters", "name_too_long"
    try:
        validate_code(area.code, area.level, area.parent_code)
    except InvalidInputError as exc:
        yield exc.field or "code", exc.message, exc.kind
    if area.level in (Level.GRID, Level.MICRO_GRID):
        if area.kind not in tuple(GridKind):
            yield (
                "kind",
                f"a {area.level.value} has kind 'basic' or 'dedicated', not {area.kind!r}",
                "grid_kind_invalid",
            )
    elif area.kind is not None and len(area.kind) > 20:
        yield "kind", "kind is longer than 20 characters", "kind_too_long"
    try:
        to_multipolygon(area.geometry)
    except InvalidInputError as exc:
        yield "geometry", exc.message, exc.kind


def validate_areas(
    areas: Sequence[NewArea],
    *,
    existing_current: Callable[[Sequence[str]], set[str]],
) -> list[Rejection]:
    """Every problem with a batch of new areas, in input order (empty when all are fine).

    ``existing_current`` tells which of the given codes already have a current row in the store:
    a new area may not reuse one, and a parent must be in the batch or already stored.
    """
    rejections: list[Rejection] = []
    seen: dict[str, int] = {}
    for index, area in enumerate(areas):
        for field, reason, kind in _check_record(area):
            rejections.append(Rejection(index, area.code, field, reason, kind))
        if area.code in seen:
            rejections.append(
                Rejection(
                    index,
                    area.code,
                    "code",
                    f"code {area.code!r} appears twice (first at record {seen[area.code]})",
                    "code_repeated",
                )
            )
        else:
            seen[area.code] = index
    codes = [a.code for a in areas]
    parents = sorted({a.parent_code for a in areas if a.parent_code and a.parent_code not in seen})
    stored = existing_current(sorted(set(codes)) + parents)
    batch_levels = {a.code: a.level for a in areas}
    for index, area in enumerate(areas):
        if area.code in stored:
            rejections.append(
                Rejection(
                    index,
                    area.code,
                    "code",
                    f"area {area.code!r} already exists; edit it instead of creating it again",
                    "area_exists",
                )
            )
        parent = area.parent_code
        if area.level is Level.DISTRICT or parent is None:
            continue
        if parent not in batch_levels and parent not in stored:
            rejections.append(
                Rejection(index, area.code, "parent_code", f"parent {parent!r} does not exist",
                          "parent_not_found")
            )  # fmt: skip
        elif parent in batch_levels and len(parent) != CODE_LENGTH[area.level] - 3:
            rejections.append(
                Rejection(index, area.code, "parent_code", f"{parent!r} is not one level up",
                          "parent_not_one_level_up")
            )  # fmt: skip
    rejections.sort(key=lambda r: r.index)
    return rejections


def check_within_parents(
    areas: Sequence[NewArea],
    parent_geometries: dict[str, BaseGeometry],
    *,
    tolerance_deg: float = PARENT_TOLERANCE_DEG,
) -> list[Rejection]:
    """Areas that stick out of their parent by more than the tolerance.

    Grouped by parent so each parent is buffered and prepared once, and the children are tested
    with one vectorised call per parent.
    """
    by_parent: dict[str, list[int]] = {}
    for index, area in enumerate(areas):
        if area.parent_code is not None and area.parent_code in parent_geometries:
            by_parent.setdefault(area.parent_code, []).append(index)
    rejections: list[Rejection] = []
    for parent_code, indexes in by_parent.items():
        envelope = parent_geometries[parent_code].buffer(tolerance_deg)
        shapely.prepare(envelope)
        children = np.array([areas[i].geometry for i in indexes], dtype=object)
        inside = shapely.covers(envelope, children)
        for i, ok in zip(indexes, inside, strict=True):
            if not ok:
                rejections.append(
                    Rejection(
                        i,
                        areas[i].code,
                        "geometry",
                        f"area lies partly outside its parent {parent_code}",
                    )
                )
    rejections.sort(key=lambda r: r.index)
    return rejections
