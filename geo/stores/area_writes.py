"""Writing new areas: the bulk loader and the checked import, one changeset each.

Both validate every record first (codes, parents, geometry, containment) and store nothing if
any is rejected; the import also runs the edit path's sibling checks
(:mod:`geo.areas.import_topology`) and hands back the gaps it found as warnings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, insert, select

from geo.areas import (
    Changeset,
    Level,
    NewArea,
    Problem,
    Tolerances,
    check_import_topology,
    check_within_parents,
    to_multipolygon,
    validate_areas,
)
from geo.errors import RejectedRecordsError
from geo.stores.audit import write_audit
from geo.stores.changesets import ChangesetWriter
from geo.stores.schema import areas

__all__ = ["AreaWriteMixin"]

ProgressFn = Callable[[str, int, int], None]
_CHUNK = 5000


def _noop_progress(stage: str, done: int, total: int) -> None:
    return None


class AreaWriteMixin(ChangesetWriter):
    """Creating areas; mixed into :class:`geo.stores.base.Store`."""

    def _existing_current(self, conn: Connection, codes: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(codes), _CHUNK):
            chunk = list(codes[start : start + _CHUNK])
            found.update(
                conn.execute(
                    select(areas.c.code).where(areas.c.valid_to.is_(None), areas.c.code.in_(chunk))
                ).scalars()
            )
        return found

    def _parent_geometries(
        self, conn: Connection, new: Sequence[NewArea]
    ) -> dict[str, BaseGeometry]:
        in_batch = {a.code: a.geometry for a in new}
        wanted = sorted({a.parent_code for a in new if a.parent_code} - in_batch.keys())
        result: dict[str, BaseGeometry] = {}
        for start in range(0, len(wanted), _CHUNK):
            rows = conn.execute(
                select(areas.c.code, areas.c.geom).where(
                    areas.c.valid_to.is_(None), areas.c.code.in_(wanted[start : start + _CHUNK])
                )
            )
            result.update({code: geom for code, geom in rows})
        result.update(
            {
                code: in_batch[code]
                for code in {a.parent_code for a in new if a.parent_code}
                if code in in_batch
            }
        )
        return result

    def add_areas(
        self,
        new: Sequence[NewArea],
        *,
        author: str,
        reason: str,
        operation: str = "create",
        effective_at: datetime | None = None,
        progress: ProgressFn | None = None,
        key_id: str | None = None,
    ) -> Changeset:
        """Create areas in one changeset after validating every record.

        Raises :class:`RejectedRecordsError` listing every bad record (nothing is stored) when a
        code is malformed or taken, a parent is missing, a geometry is invalid or sticks out of
        its parent. Sibling overlaps are not checked: this is the bulk loader of trusted data
        (the sample city); files from elsewhere go through :meth:`import_areas`.
        """
        changeset, _ = self._add_areas(
            new, author=author, reason=reason, operation=operation, effective_at=effective_at,
            progress=progress, key_id=key_id, topology=None,
        )  # fmt: skip
        return changeset

    def import_areas(
        self,
        new: Sequence[NewArea],
        *,
        author: str,
        reason: str,
        effective_at: datetime | None = None,
        progress: ProgressFn | None = None,
        key_id: str | None = None,
        tolerances: Tolerances = Tolerances(),
    ) -> tuple[Changeset, list[Problem]]:
        """:meth:`add_areas` plus the edit path's topology checks; returns the gap warnings.

        Every record that overlaps a sibling (imported or stored) by more than
        ``tolerances.overlap_m2`` or reaches outside its parent is rejected with its reason,
        and nothing is stored (:class:`RejectedRecordsError`).
        """
        return self._add_areas(
            new, author=author, reason=reason, operation="import", effective_at=effective_at,
            progress=progress, key_id=key_id, topology=tolerances,
        )  # fmt: skip

    def _add_areas(
        self,
        new: Sequence[NewArea],
        *,
        author: str,
        reason: str,
        operation: str,
        effective_at: datetime | None,
        progress: ProgressFn | None,
        key_id: str | None,
        topology: Tolerances | None,
    ) -> tuple[Changeset, list[Problem]]:
        report = progress or _noop_progress
        warnings: list[Problem] = []
        with self.engine.begin() as conn:
            rejections = validate_areas(
                new, existing_current=lambda c: self._existing_current(conn, c)
            )
            if topology is None and not rejections:
                rejections = check_within_parents(new, self._parent_geometries(conn, new))
            elif topology is not None:
                parents = self._parent_geometries(conn, new)
                stored = self._stored_children(conn, {a.parent_code for a in new})
                placed, warnings = check_import_topology(
                    new,
                    stored_children=lambda code: stored.get(code, {}),
                    stored_parent=parents.get,
                    tolerances=topology,
                    skip={r.index for r in rejections},
                    progress=report,
                )
                rejections = sorted(rejections + placed, key=lambda r: r.index)
            if rejections:
                n_bad = len({r.index for r in rejections})
                raise RejectedRecordsError(
                    f"{n_bad} of {len(new)} areas rejected ({len(rejections)} problems); "
                    "nothing was stored",
                    details=[r.as_dict() for r in rejections],
                )
            changeset = self._new_changeset(
                conn, author=author, reason=reason, operation=operation, effective_at=effective_at
            )
            for start in range(0, len(new), _CHUNK):
                chunk = new[start : start + _CHUNK]
                conn.execute(insert(areas), [self._area_row(a, changeset) for a in chunk])
                report("areas", min(start + _CHUNK, len(new)), len(new))
            write_audit(
                conn,
                actor=author,
                key_id=key_id,
                action=f"areas.{operation}",
                target=new[0].code if len(new) == 1 else f"{len(new)} areas",
                changeset_id=changeset.id,
                after={"reason": reason, "codes": [a.code for a in new]},
            )
        return changeset, warnings

    def _stored_children(
        self, conn: Connection, parents: set[str | None]
    ) -> dict[str | None, dict[str, BaseGeometry]]:
        """Current stored children of some parents (``None``: the districts), by parent."""
        result: dict[str | None, dict[str, BaseGeometry]] = {}
        if None in parents:
            districts = conn.execute(
                select(areas.c.code, areas.c.geom).where(
                    areas.c.valid_to.is_(None), areas.c.level == Level.DISTRICT.value
                )
            )
            result[None] = {code: geom for code, geom in districts}
        wanted = sorted(p for p in parents if p is not None)
        for start in range(0, len(wanted), _CHUNK):
            rows = conn.execute(
                select(areas.c.parent_code, areas.c.code, areas.c.geom).where(
                    areas.c.valid_to.is_(None),
                    areas.c.parent_code.in_(wanted[start : start + _CHUNK]),
                )
            )
            for parent, code, geom in rows:
                result.setdefault(parent, {})[code] = geom
        return result

    @staticmethod
    def _area_row(area: NewArea, changeset: Changeset) -> dict[str, Any]:
        geom = to_multipolygon(area.geometry)
        minx, miny, maxx, maxy = geom.bounds
        return {
            "code": area.code,
            "level": area.level.value,
            "name": area.name.strip(),
            "parent_code": area.parent_code,
            "kind": area.kind,
            "team": area.team.as_dict() if area.team else None,
            "attributes": area.attributes,
            "geom": geom,
            "minx": minx,
            "miny": miny,
            "maxx": maxx,
            "maxy": maxy,
            "version": changeset.id,
            "valid_from": changeset.effective_at,
            "valid_to": None,
        }
