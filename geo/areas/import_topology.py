"""Topology of an area import: the edit path's sibling checks, applied to a whole batch.

An import is refused as a whole when an imported area overlaps a sibling (imported or already
stored) by more than the tolerance or reaches outside its parent; each such record gets a
:class:`~geo.areas.validation.Rejection` naming the other area. Gaps a parent's children
leave are warnings, as in the editor's preview. The checks are
:func:`geo.areas.topology.check_siblings`, so an import and an edit agree on what counts as
broken.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from shapely.geometry.base import BaseGeometry

from geo.areas.records import NewArea
from geo.areas.topology import Problem, Tolerances, check_siblings
from geo.areas.validation import Rejection

__all__ = ["check_import_topology"]


def check_import_topology(
    areas: Sequence[NewArea],
    *,
    stored_children: Callable[[str | None], Mapping[str, BaseGeometry]],
    stored_parent: Callable[[str], BaseGeometry | None],
    tolerances: Tolerances = Tolerances(),
    skip: set[int] | frozenset[int] = frozenset(),
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[Rejection], list[Problem]]:
    """Rejections (overlaps, outside the parent) and warnings (gaps) for a batch of new areas.

    ``stored_children(parent_code)`` gives the current stored children of a parent (the
    districts for ``None``); ``stored_parent(code)`` a stored parent's geometry. Records at
    the positions in ``skip`` were already rejected by :func:`geo.areas.validation.validate_areas`
    (a bad code, parent or geometry) and take no part, so the other records still get checked
    and every problem of the batch is listed at once. ``progress`` hears
    ``("topology checked", records done, records)``.
    """
    kept = [(i, a) for i, a in enumerate(areas) if i not in skip]
    index_of = {a.code: i for i, a in kept}
    batch = {a.code: a for _, a in kept}
    rejected_codes = {areas[i].code for i in skip} - batch.keys()
    by_parent: dict[str | None, list[NewArea]] = {}
    for _, area in kept:
        by_parent.setdefault(area.parent_code, []).append(area)
    rejections: list[Rejection] = []
    warnings: list[Problem] = []
    report = progress or (lambda stage, done, total: None)
    done = 0
    for parent_code in sorted(by_parent, key=lambda c: c or ""):
        children = by_parent[parent_code]
        if parent_code is None or parent_code not in rejected_codes:
            # (a rejected parent's children cannot be placed: they are skipped)
            found, gaps = _check_family(parent_code, children, batch, stored_children,
                                        stored_parent, tolerances)  # fmt: skip
            rejections += [r for p in found for r in _rejections(p, index_of)]
            warnings += gaps
        done += len(children)
        report("topology checked", done, len(kept))
    rejections.sort(key=lambda r: (r.index, r.reason))
    return rejections, warnings


def _check_family(
    parent_code: str | None,
    children: list[NewArea],
    batch: Mapping[str, NewArea],
    stored_children: Callable[[str | None], Mapping[str, BaseGeometry]],
    stored_parent: Callable[[str], BaseGeometry | None],
    tolerances: Tolerances,
) -> tuple[list[Problem], list[Problem]]:
    """The errors and the gap warnings among one parent's imported and stored children."""
    siblings = dict(stored_children(parent_code)) if _stored(parent_code, batch) else {}
    siblings.update({a.code: a.geometry for a in children})
    parent: BaseGeometry | None = None
    if parent_code is not None:
        parent = batch[parent_code].geometry if parent_code in batch else stored_parent(parent_code)
    changed = {a.code for a in children}
    problems = check_siblings(parent_code, parent, siblings, changed, tolerances)
    errors = [p for p in problems if p.severity == "error"]
    return errors, [p for p in problems if p.kind == "gap"]


def _stored(parent_code: str | None, batch: Mapping[str, NewArea]) -> bool:
    """A parent created by this very batch has no stored children to compare with."""
    return parent_code is None or parent_code not in batch


def _rejections(problem: Problem, index_of: Mapping[str, int]) -> list[Rejection]:
    size = f"{problem.area_m2:.1f} m²" if problem.area_m2 is not None else ""
    if problem.kind == "overlap":
        first, second = problem.codes
        found = []
        for code, other in ((first, second), (second, first)):
            if code in index_of:
                where = "" if other in index_of else " (already stored)"
                found.append(Rejection(index_of[code], code, "geometry",
                                       f"overlaps {other}{where} by {size}"))  # fmt: skip
        return found
    if problem.kind == "outside_parent":
        [code] = problem.codes
        return [
            Rejection(index_of[code], code, "geometry", problem.message.removeprefix(code + " "))
        ]
    return [
        Rejection(index_of[code], code, problem.field, problem.message)
        for code in problem.codes
        if code in index_of
    ]
