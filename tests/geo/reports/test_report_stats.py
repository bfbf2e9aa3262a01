"""Statistics from memory: counts, overdue, medians, incremental refresh, both stores' rows."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np

from geo.areas import Level
from geo.clock import utc_now
from geo.reports import AreaStats, ReportStatsHolder, ReportStatus, StatsIndex
from geo.reports.stats import STATUSES
from geo.stores import Store
from tests.geo.stores.test_report_store import GRID_A, GRID_B, IN_A, report, store, submit

__all__ = ["store"]  # the fixture, used by the store test below
H = 3600.0
NOW = 1_750_000_000.0


def row(
    id_: int,
    status: str,
    grid: str | None,
    reported: float,
    closed: float | None = None,
    due: float | None = None,
) -> tuple[object, ...]:
    chain = (grid[:6], grid[:9], grid[:12], grid, None) if grid else (None,) * 5
    return (id_, status, *chain, reported, closed, due)


ROWS = [
    row(1, "closed", GRID_A, NOW - 10 * H, NOW - 8 * H),
    row(2, "closed", GRID_A, NOW - 10 * H, NOW - 4 * H),
    row(3, "new", GRID_A, NOW - 10 * H, due=NOW - 4 * H),
    row(4, "closed", GRID_B, NOW - 100 * H, NOW - 99 * H),
    row(5, "dispatched", GRID_B, NOW - 1 * H, due=NOW + 14 * H),
    row(6, "needs_location", None, NOW - 1 * H, due=NOW + 5 * H),
]


def column(stats: AreaStats, code: str, status: ReportStatus) -> int:
    return int(stats.by_status[stats.codes.index(code), STATUSES.index(status)])


def test_counts_overdue_and_medians_per_grid() -> None:
    stats = StatsIndex.from_rows([ROWS]).area_stats(Level.GRID, now=NOW)
    a = stats.codes.index(GRID_A)
    assert column(stats, GRID_A, ReportStatus.CLOSED) == 2
    assert stats.overdue[a] == 1 and stats.median_close_s[a] == 4 * H
    assert stats.median_close_s[stats.codes.index(GRID_B)] == 1 * H
    assert stats.unassigned == 1 and stats.total_overdue == 1
    assert stats.total_by_status.sum() == 6


def test_a_time_range_and_a_subtree_narrow_the_counts() -> None:
    index = StatsIndex.from_rows([ROWS])
    recent = index.area_stats(Level.GRID, now=NOW, reported_from=NOW - 24 * H)
    assert recent.by_status[recent.codes.index(GRID_B)].sum() == 1
    inside = index.area_stats(Level.COMMUNITY, now=NOW, within=GRID_A)
    assert inside.by_status.sum() == 3 and inside.unassigned == 0
    nothing = index.area_stats(Level.GRID, now=NOW, within="330402999")
    assert nothing.by_status.sum() == 0


def test_a_refresh_replaces_changed_reports_and_adds_new_ones() -> None:
    index = StatsIndex.from_rows([ROWS])
    merged = index.merged(
        [[row(3, "closed", GRID_A, NOW - 10 * H, NOW - 9 * H)], [row(7, "new", GRID_B, NOW - H)]]
    )
    stats = merged.area_stats(Level.GRID, now=NOW)
    assert len(merged) == 7 and stats.overdue.sum() == 0
    assert column(stats, GRID_A, ReportStatus.CLOSED) == 3
    assert stats.median_close_s[stats.codes.index(GRID_A)] == 2 * H
    late = merged.merged([[row(0, "new", "330402007001003", NOW)]])  # an older id commits late
    assert late.ids.tolist() == sorted(late.ids.tolist())
    assert len(index) == 6  # the old index is untouched: readers never see half an update


def test_the_holder_reads_only_what_changed_since_its_last_look() -> None:
    asked: list[datetime | None] = []

    def load(since: datetime | None) -> list[list[tuple[object, ...]]]:
        asked.append(since)
        return [ROWS] if since is None else [[row(8, "new", GRID_A, NOW)]]

    holder = ReportStatsHolder(load, overlap_s=30)
    holder.refresh()
    first = holder.as_of
    holder.refresh()
    assert asked[0] is None and first is not None and asked[1] == first - timedelta(seconds=30)
    assert len(holder.current()) == 7 and holder.as_of is not None


def test_store_rows_feed_the_index(store: Store) -> None:
    earlier = (utc_now() - timedelta(hours=5)).isoformat()
    first, second = submit(store, report(IN_A, reported_at=earlier), report(IN_A))
    for step in ("dispatched", "in_progress", "resolved", "closed"):
        store.update_report(first, actor="x", status=ReportStatus(step))
    index = StatsIndex.from_rows(store.report_stat_rows())
    stats = index.area_stats(Level.GRID, now=utc_now().timestamp())
    a = stats.codes.index(GRID_A)
    assert stats.by_status[a].sum() == 2 and column(stats, GRID_A, ReportStatus.CLOSED) == 1
    assert math.isclose(stats.median_close_s[a], 5 * H, abs_tol=60)
    assert not np.isnan(index.times[0]).any()
    since = store.report_stat_rows(since=utc_now() + timedelta(hours=1))
    assert sum(len(part) for part in since) == 0 and second > first


def test_rows_committed_too_late_for_the_overlap_trigger_a_full_reload() -> None:
    stored: list[tuple[object, ...]] = list(ROWS[:3])
    asked: list[datetime | None] = []

    def load(since: datetime | None) -> list[list[tuple[object, ...]]]:
        asked.append(since)
        return [list(stored)] if since is None else [[]]  # a late commit: too old for `since`

    holder = ReportStatsHolder(load, lambda: len(stored), overlap_s=10)
    holder.refresh()
    stored.extend(ROWS[3:])
    holder.refresh()
    assert len(holder.current()) == 6 and asked[-1] is None
