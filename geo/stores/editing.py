"""Checking, previewing and committing edit plans: the one path every boundary edit takes.

Preview and commit share :meth:`EditingMixin._evaluate`, so what the editor is shown is
exactly what the commit will check. A commit runs in one transaction: it locks the current
rows it touches (``FOR UPDATE`` on PostGIS, a writer lock on SQLite), refuses stale versions
(If-Match), closes the old rows, inserts the new ones, re-derives the area chain of the
addresses that move, and writes an audit entry — or does nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from geo.areas import (
    AreaRecord,
    Changeset,
    EditOutcome,
    EditPlan,
    Impact,
    Level,
    NewArea,
    Problem,
    Rejection,
    Tolerances,
    check_children,
    check_exact,
    check_siblings,
    children_follow,
    to_multipolygon,
    validate_areas,
)
from geo.areas.edit_plans import as_new, next_codes, recode
from geo.crs import area_m2
from geo.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    TopologyError,
    VersionMismatchError,
)
from geo.stores.area_rows import area_from_row
from geo.stores.audit import write_audit
from geo.stores.changesets import ChangesetWriter
from geo.stores.edit_impact import ImpactMixin
from geo.stores.layer_moves import layer_moves
from geo.stores.schema import areas

__all__ = ["EditingMixin"]


def _rejection_problem(r: Rejection) -> Problem:
    return Problem(
        "invalid_record",
        "error",
        f"{r.code}: {r.field}: {r.reason}",
        (r.code or "",),
        field=r.field,
        params={"code": r.code, "field": r.field, "reason": r.kind},
    )


class EditingMixin(ChangesetWriter, ImpactMixin):
    """Edits of areas; mixed into :class:`geo.stores.base.Store`."""

    if TYPE_CHECKING:  # provided by geo.stores.base.Store

        def _area_rows(
            self, conn: Connection, codes: list[str], *, lock: bool
        ) -> dict[str, AreaRecord]: ...
        def _area_row(self, area: NewArea, changeset: Changeset) -> dict[str, Any]: ...
        def _existing_current(self, conn: Connection, codes: Sequence[str]) -> set[str]: ...
        def _current_children(self, conn: Connection, code: str) -> list[AreaRecord]: ...
        def _current_subtree(self, conn: Connection, code: str) -> list[AreaRecord]: ...
        def _codes_ever_used(self, conn: Connection, prefix: str) -> set[str]: ...
        def _areas_touching(
            self, conn: Connection, level: Level, geom: BaseGeometry
        ) -> list[AreaRecord]: ...
        def _level_geometries(
            self, conn: Connection, level: Level, codes: set[str]
        ) -> dict[str, BaseGeometry]: ...
        def get_area(self, code: str, *, as_of: datetime | None = None) -> AreaRecord: ...
        def _move_reports(
            self, conn: Connection, outcome: EditOutcome, changeset: Changeset
        ) -> None: ...
        def current_areas(
            self, level: Level | None = None, *, as_of: datetime | None = None
        ) -> list[AreaRecord]: ...

    @contextmanager
    def _write_transaction(self) -> Iterator[Connection]:
        """One transaction for a write; the embedded store also serialises its writers."""
        with self.engine.begin() as conn:
            yield conn

    # -- public --------------------------------------------------------------------------------
    def preview(
        self,
        plan: EditPlan,
        *,
        tolerances: Tolerances = Tolerances(),
        adjust_neighbours: bool = False,
        follow_children: bool = False,
    ) -> EditOutcome:
        """Check a plan and report its problems and impact without storing anything."""
        with self.engine.connect() as conn:
            return self._evaluate(
                conn, plan, tolerances, adjust_neighbours, lock=False, follow=follow_children
            )

    def commit(
        self,
        plan: EditPlan,
        *,
        author: str,
        reason: str,
        effective_at: datetime | None = None,
        key_id: str | None = None,
        tolerances: Tolerances = Tolerances(),
        adjust_neighbours: bool = False,
        follow_children: bool = False,
    ) -> EditOutcome:
        """Store a plan as one changeset, or raise (412 stale version, 422 topology).

        With ``follow_children``, the children of every area whose boundary moves follow it
        (see :func:`geo.areas.edit_plans.children_follow`), in the same changeset.
        """

        if not reason or not reason.strip():
            raise InvalidInputError("an edit needs a reason", field="reason", kind="reason_missing")
        try:
            return self._commit(plan, author, reason, effective_at, key_id, tolerances,
                                adjust_neighbours, follow_children)  # fmt: skip
        except IntegrityError as exc:  # two editors created the same code at once
            raise ConflictError("a concurrent edit created the same code; reload and retry",
                                field="code", kind="code_taken_concurrently") from exc  # fmt: skip

    def _commit(
        self,
        plan: EditPlan,
        author: str,
        reason: str,
        effective_at: datetime | None,
        key_id: str | None,
        tolerances: Tolerances,
        adjust_neighbours: bool,
        follow_children: bool,
    ) -> EditOutcome:
        with self._write_transaction() as conn:
            outcome = self._evaluate(
                conn, plan, tolerances, adjust_neighbours, lock=True, follow=follow_children
            )
            if not outcome.ok:
                errors = [p for p in outcome.problems if p.severity == "error"]
                more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
                raise TopologyError(
                    f"edit refused: {errors[0].message}{more}",
                    field=errors[0].field,
                    details=outcome.problem_features(),
                    kind=errors[0].kind,
                    params={**errors[0].all_params, "more": len(errors) - 1},
                )
            changeset = self._new_changeset(
                conn,
                author=author,
                reason=reason,
                operation=outcome.plan.operation,
                effective_at=effective_at,
            )
            self._check_effective_time(outcome, changeset)
            self._close_rows(conn, outcome, changeset)
            rows = [self._area_row(a, changeset) for a in outcome.plan.upserts]
            if rows:
                conn.execute(insert(areas), rows)
            self._move_addresses(conn, outcome)
            self._move_reports(conn, outcome, changeset)
            layer_moves(self, conn, outcome.plan, outcome.current, changeset=changeset)
            write_audit(
                conn,
                actor=author,
                key_id=key_id,
                action=f"areas.{outcome.plan.operation}",
                target=outcome.plan.touched[0]
                if len(outcome.plan.touched) == 1
                else f"{len(outcome.plan.touched)} areas",
                changeset_id=changeset.id,
                before={c: _snapshot(a) for c, a in outcome.current.items()},
                after={a.code: _snapshot(a) for a in outcome.plan.upserts}
                | {"retired": list(outcome.plan.retires)},
            )
            outcome.changeset = changeset
        return outcome

    def plan_revert(self, changeset_id: int) -> EditPlan:
        """A plan restoring what a changeset replaced and retiring what it created.

        Refused (409) when an area it touched has changed since: revert the later edit first.
        """
        with self.engine.connect() as conn:
            created = [
                area_from_row(r)
                for r in conn.execute(select(areas).where(areas.c.version == changeset_id))
            ]
            closed = [
                area_from_row(r)
                for r in conn.execute(select(areas).where(areas.c.retired_by == changeset_id))
            ]
            if not created and not closed:
                raise NotFoundError(
                    f"changeset {changeset_id} changed no areas",
                    field="id",
                    kind="changeset_without_areas",
                    params={"id": changeset_id},
                )
            codes = sorted({a.code for a in created} | {a.code for a in closed})
            now = self._area_rows(conn, codes, lock=False)
        later = sorted(c for c, a in now.items() if a.version > changeset_id)
        if later:
            raise ConflictError(
                f"{later[0]} has changed since changeset {changeset_id} (now version "
                f"{now[later[0]].version}); revert the later changesets first",
                field="id",
                details={"codes": later},
                kind="revert_after_later_edit",
                params={"code": later[0], "id": changeset_id, "current": now[later[0]].version},
            )
        restored = tuple(as_new(a) for a in closed)
        restored_codes = {a.code for a in restored}
        retires = tuple(a.code for a in created if a.code not in restored_codes and a.code in now)
        return EditPlan(
            "revert",
            upserts=restored,
            retires=retires,
            expected={c: a.version for c, a in now.items()},
            creates=frozenset(a.code for a in restored if a.code not in now),
        )

    # -- evaluation -------------------------------------------------------------------------------
    def _evaluate(
        self,
        conn: Connection,
        plan: EditPlan,
        tolerances: Tolerances,
        adjust_neighbours: bool,
        *,
        lock: bool,
        follow: bool = False,
    ) -> EditOutcome:
        # Every area the editor sent a version of is read (and locked) with the plan's own, so
        # a stale version of a child or a clipped neighbour is a 412 like any other.
        current = self._area_rows(conn, _codes_of(plan), lock=lock)
        self._check_versions(plan, current)
        roles = dict.fromkeys(plan.touched, "edited")
        problems = self._record_problems(conn, plan, current)
        if problems:  # a malformed record: its geometry cannot be measured or placed
            return EditOutcome(plan, problems, Impact(), current, roles=roles)
        plan = self._with_descendants(conn, plan, current, problems)
        roles |= {c: "recoded" for c in plan.touched if c not in roles}
        if adjust_neighbours:
            plan = self._adjusted(conn, plan)
            current = self._area_rows(conn, _codes_of(plan), lock=lock)
            roles |= {c: "clipped" for c in plan.touched if c not in roles}
        if follow:
            followers = children_follow(plan, current, lambda c: self._current_children(conn, c))
            plan = followers.plan
            problems += followers.problems
            current = self._area_rows(conn, _codes_of(plan), lock=lock)
            roles |= {c: "child" for c in plan.touched if c not in roles}
            self._check_followers(followers.based_on, current)
        check_exact(plan, current)
        problems += self._topology_problems(conn, plan, current, tolerances)
        impact = (
            self._impact(conn, plan, current)
            if not any(p.kind == "invalid_geometry" for p in problems)
            else Impact()
        )
        return EditOutcome(plan, problems, impact, current, roles=roles)

    @staticmethod
    def _check_followers(based_on: Mapping[str, int], current: dict[str, AreaRecord]) -> None:
        """A child whose shape was computed from a version another edit has since replaced."""
        for code, version in sorted(based_on.items()):
            now = current.get(code)
            if now is None or now.version != version:
                raise VersionMismatchError(
                    f"area {code} changed while this edit was checked; retry",
                    field="versions",
                    details={"code": code, "current_version": now.version if now else None},
                    kind="version_stale",
                    params={"code": code, "sent": version,
                            "current": now.version if now else None},
                )  # fmt: skip

    @staticmethod
    def _check_versions(plan: EditPlan, current: dict[str, AreaRecord]) -> None:
        for code, version in plan.expected.items():
            row = current.get(code)
            if row is None:
                raise NotFoundError(
                    f"no current area with code {code!r}",
                    field="code",
                    kind="area_not_found",
                    params={"code": code},
                )
            if row.version != version:
                raise VersionMismatchError(
                    f"area {code} has changed: you edited version {version}, the current one is "
                    f"{row.version}; reload it and edit again",
                    field="If-Match",
                    details={"code": code, "current_version": row.version},
                    kind="version_stale",
                    params={"code": code, "sent": version, "current": row.version},
                )
        for code in plan.retires:
            if code not in current:
                raise NotFoundError(
                    f"no current area with code {code!r}",
                    field="code",
                    kind="area_not_found",
                    params={"code": code},
                )

    def _record_problems(
        self, conn: Connection, plan: EditPlan, current: dict[str, AreaRecord]
    ) -> list[Problem]:
        problems: list[Problem] = []
        creates = [a for a in plan.upserts if a.code in plan.creates]
        if creates:
            existing = self._existing_current
            others = validate_areas(creates, existing_current=lambda codes: existing(conn, codes))
            problems += [_rejection_problem(r) for r in others if r.field != "geometry"]
        for area in plan.upserts:
            if area.code not in plan.creates and area.code not in current:
                problems.append(
                    Problem(
                        "invalid_record",
                        "error",
                        f"{area.code}: no current area to replace",
                        (area.code,),
                        params={"code": area.code, "reason": "area_not_found"},
                    )
                )
            old = current.get(area.code)
            if old is not None and (
                old.level is not area.level or old.parent_code != area.parent_code
            ):
                problems.append(
                    Problem(
                        "invalid_record",
                        "error",
                        f"{area.code}: level and parent cannot change in place",
                        (area.code,),
                        params={"code": area.code, "reason": "parent_immutable"},
                    )
                )
            if area.geometry.is_valid:
                try:
                    to_multipolygon(area.geometry)
                except InvalidInputError as exc:
                    problems.append(
                        Problem(
                            "invalid_geometry",
                            "error",
                            f"{area.code}: {exc.message}",
                            (area.code,),
                            params={"code": area.code, "reason": exc.kind},
                        )
                    )
        return problems

    def _with_descendants(
        self,
        conn: Connection,
        plan: EditPlan,
        current: dict[str, AreaRecord],
        problems: list[Problem],
    ) -> EditPlan:
        """Re-code the subtrees of split or merged areas; refuse retiring a parent alone."""
        extra_upserts: list[NewArea] = []
        extra_retires: list[str] = []
        for code in plan.retires:
            children = self._current_children(conn, code)
            if not children:
                continue
            if plan.operation == "retire":
                problems.append(
                    Problem(
                        "has_children",
                        "error",
                        f"{code} still has {len(children)} children: retire or merge them first",
                        (code,),
                        params={"code": code, "count": len(children)},
                    )
                )
                continue
            descendants = self._current_subtree(conn, code)
            targets = [a for a in plan.upserts if a.level is current[code].level]
            used = self._codes_ever_used(conn, current[code].parent_code or "")
            for child in children:
                target = _best_home(child, targets)
                if target is None:
                    problems.append(
                        Problem(
                            "child_crosses",
                            "error",
                            f"{child.code} straddles the new boundary; split it first",
                            (child.code,),
                            child.geometry,
                            params={"code": child.code},
                        )
                    )
                    continue
                [new_code] = next_codes(target.code, child.level, used, 1)
                used.add(new_code)
                for desc in descendants:
                    if desc.code.startswith(child.code):
                        extra_upserts.append(recode(desc, child.code, new_code))
                        extra_retires.append(desc.code)
        if not extra_upserts:
            return plan
        return EditPlan(
            plan.operation,
            plan.upserts + tuple(extra_upserts),
            plan.retires + tuple(extra_retires),
            plan.expected,
            plan.creates | {a.code for a in extra_upserts},
        )

    def _adjusted(self, conn: Connection, plan: EditPlan) -> EditPlan:
        """Clip siblings that the edited areas now overlap, to make room for them."""
        changed = {a.code: a for a in plan.upserts}
        extra: list[NewArea] = []
        for area in plan.upserts:
            # An invalid shape cannot be overlaid (GEOS raises); its problems are reported.
            if area.parent_code is None or not area.geometry.is_valid:
                continue
            for sibling in self._current_children(conn, area.parent_code):
                if sibling.code in changed or sibling.code in plan.retires:
                    continue
                if sibling.geometry.intersects(area.geometry):
                    rest = sibling.geometry.difference(area.geometry)
                    if (
                        area_m2(sibling.geometry.intersection(area.geometry)) > 0.01
                        and not rest.is_empty
                    ):
                        from geo.areas.edit_plans import as_new

                        extra.append(as_new(sibling, geometry=_polygonal(rest)))
                        changed[sibling.code] = extra[-1]
        expected = dict(plan.expected)
        return EditPlan(
            plan.operation, plan.upserts + tuple(extra), plan.retires, expected, plan.creates
        )

    def _topology_problems(
        self,
        conn: Connection,
        plan: EditPlan,
        current: dict[str, AreaRecord],
        tolerances: Tolerances,
    ) -> list[Problem]:
        problems: list[Problem] = []
        upserts = {a.code: a for a in plan.upserts}
        retired = set(plan.retires)
        moved = {a.code for a in plan.upserts if "previous_code" in a.attributes}
        parent_set = {a.parent_code for a in plan.upserts if a.code not in moved} | {
            current[c].parent_code for c in plan.retires if c in current
        }
        parents = sorted(parent_set, key=lambda c: c or "")
        for parent_code in parents:
            siblings: dict[str, BaseGeometry] = {}
            parent_geom: BaseGeometry | None = None
            if parent_code is not None:
                parent_geom = (
                    upserts[parent_code].geometry
                    if parent_code in upserts
                    else self.get_area(parent_code).geometry
                )
                for child in self._current_children(conn, parent_code):
                    if child.code not in retired:
                        siblings[child.code] = child.geometry
            else:
                for district in self.current_areas(Level.DISTRICT):
                    if district.code not in retired:
                        siblings[district.code] = district.geometry
            changed = {
                c for c, a in upserts.items() if a.parent_code == parent_code and c not in moved
            }
            siblings.update({c: upserts[c].geometry for c in changed})
            problems += check_siblings(parent_code, parent_geom, siblings, changed, tolerances)
        for code, area in upserts.items():
            old = current.get(code)
            if (
                old is None
                or code in moved
                or old.geometry.equals(area.geometry)
                or not area.geometry.is_valid
            ):
                continue
            children = {
                c.code: upserts[c.code].geometry if c.code in upserts else c.geometry
                for c in self._current_children(conn, code)
                if c.code not in retired
            }
            problems += check_children(code, area.geometry, children, tolerances)
        return problems

    # -- writing ----------------------------------------------------------------------------------
    @staticmethod
    def _check_effective_time(outcome: EditOutcome, changeset: Changeset) -> None:
        for old in outcome.current.values():
            if changeset.effective_at <= old.valid_from:
                raise InvalidInputError(
                    f"effective time {changeset.effective_at.isoformat()} is not after the current "
                    f"version of {old.code} ({old.valid_from.isoformat()})",
                    field="effective_at",
                    kind="effective_time_too_early",
                    params={"code": old.code, "valid_from": old.valid_from.isoformat()},
                )

    @staticmethod
    def _close_rows(conn: Connection, outcome: EditOutcome, changeset: Changeset) -> None:
        closing = sorted(
            set(outcome.plan.retires)
            | {a.code for a in outcome.plan.upserts if a.code in outcome.current}
        )
        for start in range(0, len(closing), 1000):
            conn.execute(
                update(areas)
                .where(areas.c.code.in_(closing[start : start + 1000]), areas.c.valid_to.is_(None))
                .values(valid_to=changeset.effective_at, retired_by=changeset.id)
            )


def _codes_of(plan: EditPlan) -> list[str]:
    """The areas a plan writes or closes, and those whose version the editor sent."""
    return sorted(set(plan.touched) | set(plan.expected))


def _best_home(child: AreaRecord, targets: list[NewArea]) -> NewArea | None:
    """The new area holding (nearly) all of a child; None when the child straddles two."""
    shares = [(child.geometry.intersection(t.geometry).area, t) for t in targets]
    shares.sort(key=lambda s: -s[0])
    if not shares or shares[0][0] <= 0:
        return None
    total = child.geometry.area
    if len(shares) > 1 and shares[1][0] > 0.001 * total:
        return None
    return shares[0][1]


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geom


def _snapshot(area: AreaRecord | NewArea) -> dict[str, Any]:
    return {
        "name": area.name,
        "kind": area.kind,
        "parent_code": area.parent_code,
        "attributes": area.attributes,
        "geometry": mapping(area.geometry),
        **({"version": area.version} if isinstance(area, AreaRecord) else {}),
    }
