"""Edit operations as plans: what an edit closes and what it writes, before anything is stored.

Every operation (create, replace, retire, split, merge, move a shared boundary, revert) is
turned into an :class:`EditPlan`; the store checks a plan's versions and topology and then
commits it as one changeset, or only previews it. Keeping the operations pure makes each one
testable without a database and lets preview and commit share every line of checking.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_geometry

from geo.areas.follow import follow_parent
from geo.areas.levels import CODE_LENGTH, Level, level_of_code
from geo.areas.records import AreaRecord, NewArea, Team
from geo.areas.topology import Problem, check_geometry, invalidity_params
from geo.errors import ConflictError, InvalidInputError

__all__ = [
    "EditPlan",
    "Followers",
    "check_exact",
    "children_follow",
    "ordered_west_to_east",
    "plan_create",
    "plan_merge",
    "plan_move_boundary",
    "plan_replace",
    "plan_retire",
    "plan_split",
]

_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class EditPlan:
    """The new current state of some areas and the codes closed without a successor.

    ``expected`` maps codes to the version the editor last saw (If-Match): the commit is
    refused with 412 when any of them has changed since. With ``exact``, the editor also
    confirmed that these are *all* the areas the edit changes: the commit is refused (409)
    when the checked plan would change any other, or leave one of them alone.
    """

    operation: str
    upserts: tuple[NewArea, ...] = ()
    retires: tuple[str, ...] = ()
    expected: Mapping[str, int] = field(default_factory=dict)
    creates: frozenset[str] = frozenset()
    exact: bool = False

    @property
    def touched(self) -> tuple[str, ...]:
        return tuple(sorted({a.code for a in self.upserts} | set(self.retires)))


def as_new(area: AreaRecord, **changes: Any) -> NewArea:
    """The writable form of a stored area, with some fields changed."""
    base = NewArea(
        code=area.code, level=area.level, name=area.name, geometry=area.geometry,
        parent_code=area.parent_code, kind=area.kind, team=area.team,
        attributes=dict(area.attributes),
    )  # fmt: skip
    return replace(base, **{k: v for k, v in changes.items() if v is not _UNSET})


def plan_create(area: NewArea) -> EditPlan:
    return EditPlan("create", upserts=(area,), creates=frozenset({area.code}))


def plan_replace(
    current: AreaRecord,
    *,
    expected_version: int | None,
    name: str | None = None,
    geometry: BaseGeometry | None = None,
    kind: str | None = None,
    team: Team | None = _UNSET,
    attributes: dict[str, Any] | None = None,
) -> EditPlan:
    """New geometry and/or attributes for one area; code, level and parent stay."""
    changed = as_new(
        current,
        name=name if name is not None else _UNSET,
        geometry=geometry if geometry is not None else _UNSET,
        kind=kind if kind is not None else _UNSET,
        team=team,
        attributes=attributes if attributes is not None else _UNSET,
    )
    return EditPlan("replace", upserts=(changed,), expected=_expect(current, expected_version))


def plan_retire(current: AreaRecord, *, expected_version: int | None) -> EditPlan:
    return EditPlan("retire", retires=(current.code,), expected=_expect(current, expected_version))


def _expect(area: AreaRecord, version: int | None) -> dict[str, int]:
    return {} if version is None else {area.code: version}


def ordered_west_to_east(geoms: Sequence[BaseGeometry]) -> list[int]:
    """Positions of geometries in numbering order: north to south rows, then west to east.

    Rows are bands of the parts' typical height, so parts side by side count as one row.
    """
    points = [g.representative_point() for g in geoms]
    heights = [g.bounds[3] - g.bounds[1] for g in geoms]
    band = max(min(heights) if heights else 1.0, 1e-9)
    return sorted(range(len(geoms)), key=lambda i: (-round(points[i].y / band), points[i].x))


def next_codes(parent_code: str, level: Level, used: set[str], count: int) -> list[str]:
    """``count`` fresh codes under a parent, above every code it ever used (history too)."""
    width = CODE_LENGTH[level] - len(parent_code)
    length = CODE_LENGTH[level]
    top = max(
        (
            int(c[len(parent_code) :])
            for c in used
            if len(c) == length and c.startswith(parent_code)
        ),
        default=0,
    )
    if top + count >= 10**width:
        raise ConflictError(
            f"no free {level.value} codes left under {parent_code}",
            kind="codes_exhausted",
            params={"parent": parent_code, "level": level.value},
        )
    return [f"{parent_code}{top + i:0{width}d}" for i in range(1, count + 1)]


def plan_split(
    current: AreaRecord,
    line: BaseGeometry,
    *,
    expected_version: int | None,
    used_codes: set[str],
) -> EditPlan:
    """Cut an area by a line into parts that get fresh codes; the old code is retired.

    Children are handled by the store (they are re-coded under the part that holds them).
    """
    if not isinstance(line, LineString | MultiLineString):
        raise InvalidInputError(
            "a split needs a LineString or MultiLineString",
            field="line",
            kind="split_needs_line",
            params={"type": line.geom_type},
        )
    parts = [p for p in shapely.get_parts(split_geometry(current.geometry, line)) if p.area > 0]
    if len(parts) < 2:
        raise InvalidInputError(
            "the line does not cut the area into two or more parts; it must cross it fully",
            field="line",
            kind="split_line_misses",
            params={"code": current.code},
        )
    # Parts of a multipolygon that the line does not touch stay with their neighbours.
    order = ordered_west_to_east(parts)
    assert current.parent_code is not None or current.level is Level.DISTRICT
    parent_code = current.parent_code or current.code[:-3]
    codes = next_codes(parent_code, current.level, used_codes, len(parts))
    upserts = tuple(
        as_new(current, code=code, geometry=parts[i],
               name=f"{current.name}({n})",
               attributes={**current.attributes, "split_from": current.code})
        for n, (code, i) in enumerate(zip(codes, order, strict=True), start=1)
    )  # fmt: skip
    return EditPlan(
        "split",
        upserts=upserts,
        retires=(current.code,),
        expected=_expect(current, expected_version),
        creates=frozenset(codes),
    )


def plan_merge(
    areas: Sequence[AreaRecord],
    *,
    expected_versions: Mapping[str, int],
    name: str | None = None,
) -> EditPlan:
    """Merge siblings into the one with the smallest code; the others are retired."""
    if len(areas) < 2:
        raise InvalidInputError(
            "a merge needs at least two areas", field="codes", kind="merge_needs_two"
        )
    parents = {a.parent_code for a in areas}
    levels = {a.level for a in areas}
    if len(parents) != 1 or len(levels) != 1:
        raise InvalidInputError(
            "only siblings (same level, same parent) can merge",
            field="codes",
            kind="not_siblings",
            params={"codes": [a.code for a in areas]},
        )
    keep, *others = sorted(areas, key=lambda a: a.code)
    union = shapely.union_all([a.geometry for a in areas])
    attributes = {**keep.attributes, "merged_from": [a.code for a in areas]}
    merged = as_new(keep, geometry=union, name=name or keep.name, attributes=attributes)
    return EditPlan(
        "merge",
        upserts=(merged,),
        retires=tuple(a.code for a in others),
        expected=dict(expected_versions),
    )


def plan_move_boundary(
    first: AreaRecord,
    second: AreaRecord,
    new_first: BaseGeometry,
    *,
    expected_versions: Mapping[str, int],
) -> EditPlan:
    """Move the boundary two siblings share: ``first`` becomes ``new_first`` and ``second``
    takes the rest of their union, so both change together and nothing else moves."""
    if first.parent_code != second.parent_code or first.level is not second.level:
        raise InvalidInputError(
            "a shared boundary joins two siblings",
            field="codes",
            kind="not_siblings",
            params={"codes": [first.code, second.code]},
        )
    union = first.geometry.union(second.geometry)
    if not new_first.is_valid:
        raise InvalidInputError(
            f"the new geometry is invalid: {shapely.is_valid_reason(new_first)}",
            field="geometry",
            kind="geometry_invalid",
            params={"code": first.code, **invalidity_params(new_first)},
            details={"features": [p.as_feature() for p in check_geometry(first.code, new_first)]},
        )
    new_first = new_first.intersection(union)
    new_second = union.difference(new_first)
    if new_first.is_empty or new_second.is_empty:
        raise InvalidInputError(
            "the new boundary leaves one of the two areas empty",
            field="geometry",
            kind="boundary_empties_area",
            params={"code": (first if new_first.is_empty else second).code},
        )
    return EditPlan(
        "move_boundary",
        upserts=(as_new(first, geometry=new_first), as_new(second, geometry=new_second)),
        expected=dict(expected_versions),
    )


def recode(area: AreaRecord, old_prefix: str, new_prefix: str) -> NewArea:
    """A descendant moved under a re-coded ancestor: same shape, code with the new prefix."""
    code = new_prefix + area.code[len(old_prefix) :]
    parent = code[:-3] if level_of_code(code) is not Level.DISTRICT else None
    return as_new(area, code=code, parent_code=parent,
                  attributes={**area.attributes, "previous_code": area.code})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Followers:
    """Children added to a plan because their parent's boundary moved.

    ``based_on`` is the version each follower's new shape was computed from: a commit that
    finds another version once it holds the lock must refuse rather than write a shape made
    from an older one.
    """

    plan: EditPlan
    problems: tuple[Problem, ...] = ()
    based_on: Mapping[str, int] = field(default_factory=dict)


def children_follow(
    plan: EditPlan,
    current: Mapping[str, AreaRecord],
    children_of: Callable[[str], Sequence[AreaRecord]],
) -> Followers:
    """The plan with the children of every area whose boundary it moves following that boundary.

    Each changed area's children keep what lies inside its new shape, and the ground it gains is
    shared out among the children along the old edge (:func:`geo.areas.follow.follow_parent`);
    their own children follow them in turn, down to micro-grids. A child left with nothing
    is a ``child_emptied`` error: it must be merged or moved first, never dropped silently.
    Areas the plan already writes, and the subtrees of split or merged areas (which are
    re-coded, not reshaped), are left as the plan has them.
    """
    written = {a.code: a for a in plan.upserts}
    closed = set(plan.retires)
    queue: list[tuple[NewArea, BaseGeometry]] = [
        (area, current[area.code].geometry)
        for area in plan.upserts
        if area.code in current
        and "previous_code" not in area.attributes
        and area.level.child is not None
        and _reshaped(current[area.code].geometry, area.geometry)
    ]
    followers: list[NewArea] = []
    problems: list[Problem] = []
    based_on: dict[str, int] = {}
    while queue:
        parent, old_shape = queue.pop(0)
        kids = {
            c.code: c
            for c in children_of(parent.code)
            if c.code not in written and c.code not in closed
        }
        if not kids:
            continue
        moved = follow_parent(old_shape, parent.geometry, {c: k.geometry for c, k in kids.items()})
        for code in moved.emptied:
            problems.append(Problem(
                "child_emptied", "error",
                f"{code} would lie wholly outside its edited parent {parent.code}; "
                "merge it into a sibling or move it first",
                (code, parent.code), kids[code].geometry,
                params={"code": code, "parent": parent.code},
            ))  # fmt: skip
        for code, shape in sorted(moved.changed.items()):
            child = as_new(kids[code], geometry=shape)
            written[code] = child
            followers.append(child)
            based_on[code] = kids[code].version
            if child.level.child is not None:
                queue.append((child, kids[code].geometry))
    if not followers:
        return Followers(plan, tuple(problems))
    grown = replace(plan, upserts=plan.upserts + tuple(followers))
    return Followers(grown, tuple(problems), based_on)


def _reshaped(old: BaseGeometry, new: BaseGeometry) -> bool:
    """Whether a boundary moved and both shapes are areas the follow can work with."""
    if not isinstance(new, Polygon | MultiPolygon) or not new.is_valid or new.is_empty:
        return False
    return not old.equals(new)


def check_exact(plan: EditPlan, current: Mapping[str, AreaRecord]) -> None:
    """Refuse (409) a confirmed plan that would change other areas than the ones confirmed.

    The editor lists every area and version a save carries and asks before saving; between
    that question and the save, the checked plan must still close exactly those areas (a
    child added meanwhile, or a neighbour no longer touched, means the user confirmed
    something else).
    """
    if not plan.exact:
        return
    closing = set(plan.retires) | {a.code for a in plan.upserts if a.code in current}
    confirmed = set(plan.expected)
    unexpected, missing = sorted(closing - confirmed), sorted(confirmed - closing)
    if unexpected or missing:
        raise ConflictError(
            "the edit would change other areas than the ones confirmed: "
            + "; ".join(
                text
                for text in (
                    f"also {', '.join(unexpected)}" if unexpected else "",
                    f"not {', '.join(missing)}" if missing else "",
                )
                if text
            )
            + "; preview it again",
            field="versions",
            kind="edit_areas_differ",
            params={"unexpected": unexpected, "missing": missing},
        )
