"""The leaders' numbers (领导驾驶舱): headline, ranking by area, and the daily trend.

Definitions, as the page shows them:

- **today / this week**: reports reported since local midnight / since Monday 00:00 local;
- **open**: not yet resolved (new, dispatched, in progress, or waiting for a location);
- **overdue**: open reports whose current deadline (review, then response) has passed;
- **closure rate within deadline** (按期办结率): of the reports of the window whose response
  deadline has passed or that were resolved, the share resolved by their response deadline;
- **trend**: per local day of the window, reports reported and reports resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import pandas as pd

from geo.reports.model import OPEN_STATUSES, ReportStatus

__all__ = ["dashboard"]

_OPEN = {s.value for s in OPEN_STATUSES} | {ReportStatus.NEEDS_LOCATION.value}
_COLUMNS = [
    "status",
    "street",
    "reported_at",
    "resolved_at",
    "response_due_at",
    "sla_due_at",
    "closed_at",
    "community",
    "grid",
]


def _utc(series: pd.Series) -> pd.Series:
    values = pd.to_datetime(series, utc=True)
    return values


def _rate(on_time: int, judged: int) -> float | None:
    return round(on_time / judged, 4) if judged else None


def dashboard(
    rows: Sequence[tuple[Any, ...]],
    *,
    now: datetime,
    zone: tzinfo,
    days: int = 30,
    group_by: str = "street",
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Headline, ranking (per ``group_by`` code) and trend from :meth:`dashboard_rows` rows."""
    frame = pd.DataFrame(list(rows), columns=_COLUMNS)
    for column in ("reported_at", "resolved_at", "response_due_at", "sla_due_at", "closed_at"):
        frame[column] = _utc(frame[column])
    local_now = now.astimezone(zone)
    midnight = datetime.combine(local_now.date(), time(), zone)
    monday = midnight - timedelta(days=local_now.weekday())
    start = midnight - timedelta(days=days - 1)
    now_ts = pd.Timestamp(now.astimezone(UTC))
    is_open = frame["status"].isin(_OPEN)
    overdue = is_open & frame["sla_due_at"].notna() & (frame["sla_due_at"] < now_ts)
    window = frame["reported_at"] >= pd.Timestamp(start.astimezone(UTC))
    resolved = frame["resolved_at"].notna()
    judged = window & (resolved | (frame["response_due_at"] < now_ts))
    on_time = judged & resolved & (frame["resolved_at"] <= frame["response_due_at"])
    frame = frame.assign(
        open=is_open, overdue=overdue, window=window, judged=judged, on_time=on_time
    )
    headline = {
        "today": int((frame["reported_at"] >= pd.Timestamp(midnight.astimezone(UTC))).sum()),
        "this_week": int((frame["reported_at"] >= pd.Timestamp(monday.astimezone(UTC))).sum()),
        "open": int(is_open.sum()),
        "overdue": int(overdue.sum()),
        "reported": int(window.sum()),
        "resolved": int((window & resolved).sum()),
        "closure_rate_within_deadline": _rate(int(on_time.sum()), int(judged.sum())),
    }
    ranking: list[dict[str, Any]] = []
    for code, group in frame[frame[group_by].notna()].groupby(group_by):
        ranking.append(
            {
                "code": str(code),
                "name": (names or {}).get(str(code)),
                "reported": int(group["window"].sum()),
                "open": int(group["open"].sum()),
                "overdue": int(group["overdue"].sum()),
                "closure_rate_within_deadline": _rate(
                    int(group["on_time"].sum()), int(group["judged"].sum())
                ),
            }
        )
    ranking.sort(key=lambda r: (-r["overdue"], -r["open"], -r["reported"], r["code"]))
    return {
        "now": now.isoformat(),
        "days": days,
        "since": start.isoformat(),
        "group_by": group_by,
        "headline": headline,
        "ranking": ranking,
        "trend": _trend(frame, start, days, zone),
    }


def _trend(frame: pd.DataFrame, start: datetime, days: int, zone: tzinfo) -> list[dict[str, Any]]:
    def per_day(column: str) -> dict[date, int]:
        values = frame[column].dropna()
        values = values[values >= pd.Timestamp(start.astimezone(UTC))]
        local = values.dt.tz_convert(str(zone)).dt.date
        return {d: int(n) for d, n in local.value_counts().items()}

    reported, resolved = per_day("reported_at"), per_day("resolved_at")
    out = []
    for i in range(days):
        day = (start + timedelta(days=i)).date()
        out.append(
            {
                "date": day.isoformat(),
                "reported": reported.get(day, 0),
                "resolved": resolved.get(day, 0),
            }
        )
    return out
