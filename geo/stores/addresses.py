"""The standard address library in the store: bulk loads, reads, codes.

Plain SQL shared by both backends; mixed into :class:`geo.stores.base.Store`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, insert, select

from geo.errors import NotFoundError, RejectedRecordsError
from geo.levels import LEVELS
from geo.records import AddressRecord, Changeset
from geo.schema import addresses
from geo.stores.access import write_audit

__all__ = ["ADDRESS_COLUMNS", "AddressMixin"]

ADDRESS_COLUMNS = (
    "code",
    "full_text",
    "components",
    "lon",
    "lat",
    "aliases",
    "status",
    *(level.value for level in LEVELS),
)
_CHUNK = 5000


def _noop_progress(stage: str, done: int, total: int) -> None:
    return None


class AddressMixin:
    """Standard addresses; mixed into the store."""

    engine: Engine

    if TYPE_CHECKING:

        def _new_changeset(
            self,
            conn: Connection,
            *,
            author: str,
            reason: str,
            operation: str,
            effective_at: datetime | None,
        ) -> Changeset: ...

    def add_addresses(
        self,
        frame: pd.DataFrame,
        *,
        author: str,
        reason: str,
        effective_at: datetime | None = None,
        progress: Callable[[str, int, int], None] | None = None,
        key_id: str | None = None,
    ) -> Changeset:
        """Store a table of standard addresses (:data:`ADDRESS_COLUMNS`) in one changeset."""
        report = progress or _noop_progress
        missing = [c for c in ADDRESS_COLUMNS if c not in frame.columns]
        if missing:
            raise RejectedRecordsError(f"address table lacks columns: {', '.join(missing)}")
        with self.engine.begin() as conn:
            changeset = self._new_changeset(
                conn, author=author, reason=reason, operation="addresses", effective_at=effective_at
            )
            total = len(frame)
            for start in range(0, total, _CHUNK):
                chunk = frame.iloc[start : start + _CHUNK]
                conn.execute(insert(addresses), list(self._address_rows(chunk, changeset)))
                report("addresses", min(start + _CHUNK, total), total)
            write_audit(
                conn,
                actor=author,
                key_id=key_id,
                action="addresses.create",
                target=f"{total} addresses",
                changeset_id=changeset.id,
                after={"reason": reason, "count": total},
            )
        return changeset

    @staticmethod
    def _address_rows(chunk: pd.DataFrame, changeset: Changeset) -> Iterator[dict[str, Any]]:
        points = np.asarray(
            shapely.points(chunk["lon"].to_numpy(np.float64), chunk["lat"].to_numpy(np.float64))
        )
        level_names = [level.value for level in LEVELS]
        for record, point in zip(chunk.to_dict("records"), points, strict=True):
            row = {name: record[name] for name in ADDRESS_COLUMNS}
            row["aliases"] = list(record["aliases"] or [])
            row["components"] = dict(record["components"])
            for name in level_names:
                row[name] = record[name] or None
            row.update(geom=point, version=changeset.id, valid_from=changeset.effective_at)
            yield row

    def address_codes(self) -> set[str]:
        """Codes of the current standard addresses, to refuse duplicates on import."""
        with self.engine.connect() as conn:
            stmt = select(addresses.c.code).where(addresses.c.valid_to.is_(None))
            return set(conn.execute(stmt).scalars())

    def get_address(self, address_id: int) -> AddressRecord:
        with self.engine.connect() as conn:
            row = conn.execute(select(addresses).where(addresses.c.id == address_id)).first()
        if row is None:
            raise NotFoundError(f"no address with id {address_id}", field="id")
        return AddressRecord(
            id=row.id,
            code=row.code,
            full_text=row.full_text,
            components=dict(row.components),
            lon=row.lon,
            lat=row.lat,
            aliases=tuple(row.aliases or ()),
            status=row.status,
            areas={level.value: getattr(row, level.value) for level in LEVELS},
            valid_from=row.valid_from,
            valid_to=row.valid_to,
        )
