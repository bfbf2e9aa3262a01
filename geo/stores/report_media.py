"""Photos of reports in the store: the bytes in ``report_media`` (both backends), so a report
and its photos are backed up, replicated and retired together."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, insert, select

from geo.clock import utc_now
from geo.errors import NotFoundError
from geo.reports import MediaRecord, NewMedia
from geo.stores.audit import write_audit
from geo.stores.schema import report_media, reports

__all__ = ["ReportMediaMixin"]

_LISTED = (report_media.c.id, report_media.c.report_id, report_media.c.content_type,
           report_media.c.size, report_media.c.url, report_media.c.created_at)  # fmt: skip


class ReportMediaMixin:
    engine: Engine

    if TYPE_CHECKING:

        def _write_transaction(self) -> AbstractContextManager[Connection]: ...

    def add_report_media(
        self, report_id: int, media: Sequence[NewMedia], *, actor: str, key_id: str | None
    ) -> list[MediaRecord]:
        """Store photos with a stored report, in one transaction with their audit entry."""
        if not media:
            return []
        now = utc_now()
        rows = [{"report_id": report_id, "content_type": m.content_type,
                 "size": len(m.data) if m.data is not None else None, "data": m.data,
                 "url": m.url, "created_at": now} for m in media]  # fmt: skip
        with self._write_transaction() as conn:
            if conn.execute(select(reports.c.id).where(reports.c.id == report_id)).first() is None:
                raise NotFoundError(f"no report {report_id}", field="id")
            ids = [_insert(conn, row) for row in rows]
            listed = [{"id": i, "content_type": r["content_type"], "size": r["size"],
                       "url": r["url"]} for i, r in zip(ids, rows, strict=True)]  # fmt: skip
            write_audit(conn, actor=actor, key_id=key_id, action="reports.media",
                        target=str(report_id), after={"media": listed})  # fmt: skip
        return [_record(dict(r, id=i), with_data=False) for i, r in zip(ids, rows, strict=True)]

    def list_report_media(self, report_ids: Sequence[int]) -> dict[int, list[MediaRecord]]:
        """The photos of some reports (without their bytes), by report, oldest first."""
        found: dict[int, list[MediaRecord]] = {}
        if not report_ids:
            return found
        stmt = (select(*_LISTED).where(report_media.c.report_id.in_(list(report_ids)))
                .order_by(report_media.c.id))  # fmt: skip
        with self.engine.connect() as conn:
            for row in conn.execute(stmt):
                found.setdefault(row.report_id, []).append(_record(row._mapping, with_data=False))
        return found

    def get_report_media(self, report_id: int, media_id: int) -> MediaRecord:
        """One photo with its bytes; 404 when it is not this report's."""
        stmt = select(report_media).where(
            report_media.c.id == media_id, report_media.c.report_id == report_id
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            raise NotFoundError(f"report {report_id} has no media {media_id}", field="media_id")
        return _record(row._mapping, with_data=True)


def _insert(conn: Connection, row: dict[str, Any]) -> int:
    key = conn.execute(insert(report_media).values(row)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _record(row: Any, *, with_data: bool) -> MediaRecord:
    data = row["data"] if with_data else None
    return MediaRecord(id=int(row["id"]), report_id=int(row["report_id"]),
                       content_type=row["content_type"], size=row["size"], url=row["url"],
                       created_at=row["created_at"],
                       data=bytes(data) if data is not None else None)  # fmt: skip
