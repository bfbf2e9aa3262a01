"""The life of a report: legal transitions, their timestamps, and SLA deadlines.

::

    needs_location ──(location fixed)──▶ new ──dispatch──▶ dispatched ──start──▶ in_progress
                                                              ▲                       │
                                                           reopen                  resolve
                                                              │                       ▼
                                                            closed ◀──close── resolved

A reopen (from ``resolved`` or ``closed``) sends the report back to ``dispatched``: the grid's
team must handle it again, with a fresh response deadline. Every other move is illegal and
answered 409, so two dispatchers acting on one report cannot both succeed.

Deadlines follow Jiaxing's rule: a report is *reviewed* (checked, located and dispatched)
within ``review_hours`` of being reported and *responded to* (work started) within
``response_hours``. The clock starts at ``reported_at``, when the citizen called, not when an
integration got round to forwarding the report. ``sla_due_at`` is the deadline of the current
status, so "overdue" is one indexed comparison: ``sla_due_at < now``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from geo.errors import ConflictError
from geo.reports.model import ReportPolicy, ReportRecord, ReportStatus

__all__ = ["ACTIONS", "deadlines", "due_for", "transition_changes"]

S = ReportStatus
ACTIONS: dict[tuple[ReportStatus, ReportStatus], str] = {
    (S.NEW, S.DISPATCHED): "dispatch",
    (S.DISPATCHED, S.IN_PROGRESS): "start",
    (S.IN_PROGRESS, S.RESOLVED): "resolve",
    (S.RESOLVED, S.CLOSED): "close",
    (S.RESOLVED, S.DISPATCHED): "reopen",
    (S.CLOSED, S.DISPATCHED): "reopen",
}
"""Every legal (from, to) pair and the name its event is recorded under."""


def deadlines(reported_at: datetime, policy: ReportPolicy) -> tuple[datetime, datetime]:
    """The review and response deadlines of a report reported at ``reported_at``."""
    return (
        reported_at + timedelta(hours=policy.review_hours),
        reported_at + timedelta(hours=policy.response_hours),
    )


def due_for(
    status: ReportStatus, review_due: datetime | None, response_due: datetime | None
) -> datetime | None:
    """The deadline that applies in ``status``: review until dispatched, then response."""
    if status in (S.NEEDS_LOCATION, S.NEW):
        return review_due
    if status is S.DISPATCHED:
        return response_due
    return None


def transition_changes(
    report: ReportRecord, to: ReportStatus, now: datetime, policy: ReportPolicy
) -> tuple[str, dict[str, Any]]:
    """The event name and the column values of moving ``report`` to ``to`` at ``now``.

    Raises
    ------
    ConflictError
        If the move is not in :data:`ACTIONS`; the message lists the legal moves, and a report
        still in the manual queue is told to get a location first.
    """
    action = ACTIONS.get((report.status, to))
    if action is None:
        details = {"status": report.status.value, "allowed": _allowed(report.status)}
        raise ConflictError(_refusal(report.status, to), field="status", details=details)
    changes: dict[str, Any] = {"status": to.value}
    if action == "dispatch":
        changes["dispatched_at"] = report.dispatched_at or now
        changes["sla_due_at"] = report.response_due_at
    elif action == "start":
        changes["in_progress_at"] = report.in_progress_at or now
        changes["sla_due_at"] = None
    elif action == "resolve":
        changes["resolved_at"] = now
    elif action == "close":
        changes["closed_at"] = now
    else:  # reopen: handled again from scratch, with a new response deadline
        response_due = now + timedelta(hours=policy.response_hours)
        changes.update(
            resolved_at=None, closed_at=None, in_progress_at=None,
            response_due_at=response_due, sla_due_at=response_due,
            reopen_count=report.reopen_count + 1,
        )  # fmt: skip
    return action, changes


def _allowed(status: ReportStatus) -> list[str]:
    return [to.value for (source, to) in ACTIONS if source is status]


def _refusal(status: ReportStatus, to: ReportStatus) -> str:
    if status is to:
        return f"the report is already {status.value}"
    if status is S.NEEDS_LOCATION:
        return (
            "the report is in the manual queue (needs_location): fix its location first "
            "(PATCH with location or grid), which makes it new"
        )
    allowed = ", ".join(_allowed(status)) or "nothing"
    return f"a {status.value} report cannot become {to.value}; it can become: {allowed}"
