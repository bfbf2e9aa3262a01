"""What every writing part of the store shares: the engine and opening a changeset.

The store is composed of mixins (areas, addresses, editing, reports); each write of theirs
opens its changeset through this one base, so the version that every reader polls grows the
same way whichever part wrote.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, insert

from geo.areas import Changeset
from geo.clock import utc_now
from geo.stores.schema import changesets

__all__ = ["ChangesetWriter"]


class ChangesetWriter:
    """The base of the store's writing mixins."""

    engine: Engine

    def _new_changeset(
        self,
        conn: Connection,
        *,
        author: str,
        reason: str,
        operation: str,
        effective_at: datetime | None,
    ) -> Changeset:
        now = utc_now()
        values = {
            "author": author,
            "reason": reason,
            "operation": operation,
            "created_at": now,
            "effective_at": effective_at or now,
        }
        new_id = conn.execute(insert(changesets).values(**values).returning(changesets.c.id))
        return Changeset(
            id=int(new_id.scalar_one()),
            author=author,
            reason=reason,
            created_at=now,
            effective_at=effective_at or now,
        )
