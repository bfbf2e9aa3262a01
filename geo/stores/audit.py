"""Appending to the audit log: every write of every part of the store records itself here.

One helper that each part calls inside its own transaction, so an entry is stored exactly
when the write it records is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert

from geo.clock import utc_now
from geo.stores.schema import audit_log

__all__ = ["write_audit"]


def write_audit(
    conn: Connection,
    *,
    actor: str,
    action: str,
    target: str | None,
    changeset_id: int | None = None,
    before: Any = None,
    after: Any = None,
    key_id: str | None = None,
) -> None:
    """Append one entry; called inside the transaction of the write it records."""
    conn.execute(
        insert(audit_log).values(
            at=utc_now(),
            actor=actor,
            key_id=key_id,
            action=action,
            target=target,
            changeset_id=changeset_id,
            before=before,
            after=after,
        )
    )
