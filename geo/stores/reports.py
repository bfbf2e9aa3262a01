"""Reports in the store (intake, lifecycle, statistics); mixed into the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from geo.records import Changeset
    from geo.stores.editing import EditOutcome

__all__ = ["ReportMixin"]


class ReportMixin:
    """Report storage; mixed into :class:`geo.stores.base.Store` before the editing mixin."""

    engine: Engine

    def _move_reports(self, conn: Connection, outcome: EditOutcome, changeset: Changeset) -> None:
        """Reassign open reports whose grid an edit changes (inside the edit's transaction)."""
        return None
