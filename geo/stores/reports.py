"""Reports in the store (intake, lifecycle, statistics); mixed into the store.

Intake is idempotent without locks: every row carries a unique idempotency key (the caller's,
scoped to its API key, or a random one) and ``(source, external_id)`` is unique too. Rows are
written with ``INSERT ... ON CONFLICT DO NOTHING``; a row skipped because a concurrent retry
stored it first is re-read and compared by content fingerprint — equal: that report is the
answer; different: 409. A batch is one transaction, so it is stored whole or not at all.

Updates lock the report's row (``FOR UPDATE`` on PostGIS, the writer lock on SQLite), so
two dispatchers moving one report cannot both succeed; each change bumps ``revision`` (the
ETag), writes a :class:`~geo.reports.model.ReportEvent` and an audit entry in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Engine, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from geo.areas import Level, level_of_code
from geo.clock import utc_now
from geo.errors import ConflictError, ForbiddenError, NotFoundError, VersionMismatchError
from geo.paging import Page
from geo.reports import (
    OPEN_STATUSES,
    IntakeResult,
    NewReport,
    Placement,
    ReportEvent,
    ReportPolicy,
    ReportQuery,
    ReportRecord,
    ReportStatus,
    due_for,
    transition_changes,
)
from geo.stores.audit import write_audit
from geo.stores.report_moves import move_reports
from geo.stores.report_rows import (
    epoch_seconds,
    insert_one_audited,
    insert_rows,
    placement_values,
    report_from_row,
    report_values,
    twins,
)
from geo.stores.schema import areas, report_events, reports

if TYPE_CHECKING:
    from geo.areas import Changeset, EditOutcome

__all__ = ["ReportMixin"]

_CHUNK = 1000
STAT_COLUMNS = ("id", "status", "district", "street", "community", "grid", "micro_grid",
                "reported_s", "closed_s", "sla_due_s")  # fmt: skip


class ReportMixin:
    """Report storage; mixed into :class:`geo.stores.base.Store` before the editing mixin."""

    engine: Engine

    if TYPE_CHECKING:  # provided by geo.stores.base.Store and the editing mixin

        def _write_transaction(self) -> AbstractContextManager[Connection]: ...
        def _areas_touching(
            self, conn: Connection, level: Level, geom: BaseGeometry
        ) -> list[Any]: ...
        def _level_geometries(
            self, conn: Connection, level: Level, codes: set[str]
        ) -> dict[str, BaseGeometry]: ...

    # -- intake --------------------------------------------------------------------------------
    def add_reports(
        self,
        new: Sequence[NewReport],
        placements: Sequence[Placement],
        *,
        actor: str,
        key_id: str | None = None,
        policy: ReportPolicy = ReportPolicy(),
        now: datetime | None = None,
    ) -> list[IntakeResult]:
        """Store reports (one transaction) and answer each with its record, in input order.

        A report whose idempotency key or (source, external id) is already stored is not
        stored again: its stored record comes back with ``created=False``.

        Raises
        ------
        ConflictError
            If such a key is stored with a different body; nothing of the call is stored.
        """
        moment = now or utc_now()
        token = uuid.uuid4().hex
        values = [
            report_values(r, p, actor=actor, key_id=key_id, policy=policy, now=moment,
                          auto_key=f"{token}-{i}")
            for i, (r, p) in enumerate(zip(new, placements, strict=True))
        ]  # fmt: skip
        if len(new) == 1 and self.engine.dialect.name == "postgresql":
            return [self._insert_one(new[0], values[0], actor, key_id, moment)]
        for attempt in range(3):
            try:
                with self._write_transaction() as conn:
                    return self._insert(conn, new, values, actor, key_id)
            except IntegrityError:  # a unique index the ON CONFLICT clause did not cover
                if attempt == 2:
                    raise ConflictError("a concurrent request stored the same report; retry",
                                        field="idempotency_key") from None  # fmt: skip
        raise AssertionError("unreachable")

    def _insert_one(
        self,
        report: NewReport,
        values: dict[str, Any],
        actor: str,
        key_id: str | None,
        moment: datetime,
    ) -> IntakeResult:
        """One report on PostgreSQL: one autocommitted statement stores it with its audit
        entry (see :func:`insert_one_audited`); a replay costs one more read."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            new_id = insert_one_audited(conn, values, actor=actor, key_id=key_id, at=moment)
            if new_id is not None:
                return IntakeResult(report_from_row({**values, "id": new_id}), created=True)
            found = self._stored_twins(conn, {0: report})
        if 0 not in found:  # the twin it collided with is gone again (deleted): store anew
            raise ConflictError("a concurrent request stored the same report; retry",
                                field="idempotency_key")  # fmt: skip
        return IntakeResult(found[0], created=False)

    def _insert(
        self,
        conn: Connection,
        new: Sequence[NewReport],
        values: list[dict[str, Any]],
        actor: str,
        key_id: str | None,
    ) -> list[IntakeResult]:
        # No look-up first: the unique indexes find the stored twins (a replay, or a concurrent
        # retry that committed first) and the rows they skip are re-read below.
        found: dict[int, ReportRecord] = {}
        first_of: dict[tuple[str, str], int] = {}
        pending: list[int] = []
        for i, report in enumerate(new):
            if i in found:
                continue
            pair = (report.source, report.external_id) if report.external_id else None
            if pair is not None and pair in first_of:
                if new[first_of[pair]].request_hash != report.request_hash:
                    raise ConflictError(
                        f"reports {first_of[pair]} and {i} share source and external_id "
                        "but differ", field="external_id", details={"index": i},
                    )  # fmt: skip
                continue  # the same report twice in one batch: stored once
            if pair is not None:
                first_of[pair] = i
            pending.append(i)
        stored = insert_rows(conn, [values[i] for i in pending])
        skipped = [i for i in pending if values[i]["idempotency_key"] not in stored]
        if skipped:  # a concurrent retry stored these first: answer with what it stored
            found.update(self._stored_twins(conn, {i: new[i] for i in skipped}))
        created_ids = [stored[values[i]["idempotency_key"]] for i in pending if i not in found]
        if created_ids:
            write_audit(conn, actor=actor, key_id=key_id, action="reports.create",
                        target=f"report {created_ids[0]}" if len(created_ids) == 1
                        else f"{len(created_ids)} reports",
                        after={"ids": created_ids[:100], "count": len(created_ids)})  # fmt: skip
        results: list[IntakeResult] = []
        for i, report in enumerate(new):
            if i in found:
                results.append(IntakeResult(found[i], created=False))
            elif values[i]["idempotency_key"] in stored:
                row = {**values[i], "id": stored[values[i]["idempotency_key"]]}
                results.append(IntakeResult(report_from_row(row), created=True))
            else:  # a repeat inside the batch: the same record as its first occurrence
                assert report.external_id is not None
                first = results[first_of[(report.source, report.external_id)]]
                results.append(IntakeResult(first.report, created=False))
        return results

    def _stored_twins(
        self, conn: Connection, items: dict[int, NewReport]
    ) -> dict[int, ReportRecord]:
        """Stored reports sharing a key with ``items``, by position; 409 if bodies differ."""
        by_key = {r.idempotency_key: i for i, r in items.items() if r.idempotency_key}
        by_pair = {(r.source, r.external_id): i for i, r in items.items() if r.external_id}
        found: dict[int, ReportRecord] = {}
        for row in twins(conn, list(by_key), list(by_pair)):
            i = by_key.get(row.idempotency_key)
            if i is None:
                i = by_pair[(row.source, row.external_id)]
            record = report_from_row(row._mapping)
            mine = items[i]
            if row.request_hash != mine.request_hash:
                same_key = row.idempotency_key == mine.idempotency_key
                field = "Idempotency-Key" if same_key else "external_id"
                raise ConflictError(
                    f"report {record.id} was stored under this {field} with a different "
                    "body; send the same body to get it back, or use a new key",
                    field=field, details={"id": record.id, "index": i},
                )  # fmt: skip
            found[i] = record
        return found

    # -- reads ---------------------------------------------------------------------------------
    def get_report(self, report_id: int) -> ReportRecord:
        with self.engine.connect() as conn:
            row = conn.execute(select(reports).where(reports.c.id == report_id)).first()
        if row is None:
            raise NotFoundError(f"no report with id {report_id}", field="id")
        return report_from_row(row._mapping)

    def report_events(self, report_id: int) -> list[ReportEvent]:
        """Every change of a report, oldest first."""
        stmt = select(report_events).where(report_events.c.report_id == report_id)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(report_events.c.id)).all()
        return [
            ReportEvent(r.at, r.actor, r.action, r.from_status, r.to_status, r.from_grid,
                        r.to_grid, r.note, r.changeset_id)
            for r in rows
        ]  # fmt: skip

    def list_reports(self, query: ReportQuery) -> Page[ReportRecord]:
        """Reports matching the filters, newest first, one page of them."""
        stmt = select(reports)
        for code, field in ((query.area, "area"), (query.within, "scope")):
            if code is not None:
                column = reports.c[level_of_code(code, field=field).value]
                stmt = stmt.where(column == code)
        if query.statuses:
            stmt = stmt.where(reports.c.status.in_([s.value for s in query.statuses]))
        now = query.now or utc_now()
        if query.overdue is True:
            stmt = stmt.where(reports.c.sla_due_at < now)
        elif query.overdue is False:
            stmt = stmt.where(or_(reports.c.sla_due_at.is_(None), reports.c.sla_due_at >= now))
        if query.reported_from is not None:
            stmt = stmt.where(reports.c.reported_at >= query.reported_from)
        if query.reported_to is not None:
            stmt = stmt.where(reports.c.reported_at < query.reported_to)
        if query.source is not None:
            stmt = stmt.where(reports.c.source == query.source)
        if query.category is not None:
            stmt = stmt.where(reports.c.category == query.category)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
            rows = conn.execute(
                stmt.order_by(reports.c.id.desc()).limit(query.limit).offset(query.offset)
            ).all()
        items = [report_from_row(r._mapping) for r in rows]
        return Page(items, int(total), query.limit, query.offset)

    def report_stat_rows(self, *, since: datetime | None = None) -> Iterator[list[tuple[Any, ...]]]:
        """Rows for the statistics index (see :data:`STAT_COLUMNS`), in batches.

        Times come as seconds since 1970, computed by the database, so a million rows load in
        seconds. With ``since``, only rows updated at or after it.
        """
        with self.engine.connect() as conn:
            stmt = select(
                reports.c.id, reports.c.status, reports.c.district, reports.c.street,
                reports.c.community, reports.c.grid, reports.c.micro_grid,
                epoch_seconds(conn, func.coalesce(reports.c.reported_at, reports.c.created_at)),
                epoch_seconds(conn, reports.c.closed_at),
                epoch_seconds(conn, reports.c.sla_due_at),
            )  # fmt: skip
            if since is not None:
                stmt = stmt.where(reports.c.updated_at >= since)
            result = conn.execution_options(yield_per=50_000).execute(stmt.order_by(reports.c.id))
            for part in result.partitions():
                yield [tuple(r) for r in part]

    def report_count(self) -> int:
        """How many reports the store holds."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())

    def report_area_labels(self, codes: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """Name and kind of areas by code, from their newest version (retired ones too)."""
        wanted = sorted(set(codes))
        found: dict[str, tuple[str, str | None]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                stmt = select(areas.c.code, areas.c.name, areas.c.kind).where(
                    areas.c.code.in_(wanted[start : start + _CHUNK])
                )
                for code, name, kind in conn.execute(stmt.order_by(areas.c.valid_from)):
                    found[code] = (name, kind)
        return found

    # -- updates -------------------------------------------------------------------------------
    def update_report(
        self,
        report_id: int,
        *,
        actor: str,
        key_id: str | None = None,
        status: ReportStatus | None = None,
        placement: Placement | None = None,
        note: str | None = None,
        scope: str | None = None,
        expected_revision: int | None = None,
        policy: ReportPolicy = ReportPolicy(),
        now: datetime | None = None,
    ) -> ReportRecord:
        """Fix a report's location and/or move its status, as one change with its events.

        A location fix of a report in the manual queue makes it ``new``. Raises 404 for an
        unknown id, 403 outside ``scope``, 412 for a stale ``expected_revision``, 409 for an
        illegal transition or a location fix of a resolved or closed report.
        """
        moment = now or utc_now()
        with self._write_transaction() as conn:
            stmt = select(reports).where(reports.c.id == report_id)
            row = conn.execute(stmt.with_for_update()).first()
            if row is None:
                raise NotFoundError(f"no report with id {report_id}", field="id")
            report = report_from_row(row._mapping)
            if not report.in_scope(scope):
                raise ForbiddenError(f"report {report_id} lies outside this key's scope {scope}",
                                     field="id")  # fmt: skip
            if expected_revision is not None and expected_revision != report.revision:
                raise VersionMismatchError(
                    f"report {report_id} has changed: you edited revision {expected_revision}, "
                    f"the current one is {report.revision}; reload it and try again",
                    field="If-Match", details={"current_revision": report.revision},
                )  # fmt: skip
            changes: dict[str, Any] = {}
            events: list[dict[str, Any]] = []
            if placement is not None:
                report = self._relocate(report, placement, moment, changes, events)
            if status is not None and not (placement is not None and status is report.status):
                action, moved = transition_changes(report, status, moment, policy)
                events.append({"action": action, "from_status": report.status.value,
                               "to_status": status.value})  # fmt: skip
                changes.update(moved)
            if not events:
                events.append({"action": "note"})
            return self._apply(conn, report, changes, events, actor, key_id, note, moment)

    @staticmethod
    def _relocate(
        report: ReportRecord,
        placement: Placement,
        now: datetime,
        changes: dict[str, Any],
        events: list[dict[str, Any]],
    ) -> ReportRecord:
        if report.status not in OPEN_STATUSES and report.status is not ReportStatus.NEEDS_LOCATION:
            raise ConflictError(f"a {report.status.value} report's location cannot change; "
                                "reopen it first", field="location")  # fmt: skip
        changes.update(placement_values(placement))
        event = {"action": "relocate", "from_grid": report.chain[Level.GRID],
                 "to_grid": placement.chain.get(Level.GRID)}  # fmt: skip
        if report.status is ReportStatus.NEEDS_LOCATION:
            changes["status"] = ReportStatus.NEW.value
            changes["sla_due_at"] = due_for(ReportStatus.NEW, report.review_due_at,
                                            report.response_due_at)  # fmt: skip
            event.update(from_status=report.status.value, to_status=ReportStatus.NEW.value)
            events.append(event)
            return replace(report, status=ReportStatus.NEW)
        events.append(event)
        return report

    def _apply(
        self,
        conn: Connection,
        report: ReportRecord,
        changes: dict[str, Any],
        events: list[dict[str, Any]],
        actor: str,
        key_id: str | None,
        note: str | None,
        now: datetime,
    ) -> ReportRecord:
        changes.update(updated_at=now, revision=report.revision + 1)
        conn.execute(update(reports).where(reports.c.id == report.id).values(**changes))
        conn.execute(insert(report_events), [
            {"report_id": report.id, "at": now, "actor": actor, "key_id": key_id, "note": note,
             **event} for event in events
        ])  # fmt: skip
        write_audit(conn, actor=actor, key_id=key_id, action="reports.update",
                    target=f"report {report.id}",
                    before={"status": report.status.value, "grid": report.chain[Level.GRID]},
                    after={k: v for k, v in changes.items() if k in ("status", "grid")}
                    | {"events": [e["action"] for e in events]})  # fmt: skip
        row = conn.execute(select(reports).where(reports.c.id == report.id)).one()
        return report_from_row(row._mapping)

    # -- boundary edits ------------------------------------------------------------------------
    def _move_reports(self, conn: Connection, outcome: EditOutcome, changeset: Changeset) -> None:
        """Reassign open reports whose grid an edit changes (inside the edit's transaction)."""
        move_reports(self, conn, outcome, changeset)
