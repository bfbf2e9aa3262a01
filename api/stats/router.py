"""Per-area report statistics for the one-map page: counts, overdue, closure rate, median.

Answered from the worker's in-memory statistics index (:mod:`geo.reports.stats`), refreshed in
the background every few seconds; ``as_of`` says when. Every current area of the level is
listed, with zeros where nothing was reported, so the map can colour all of them.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.auth import Viewer, require_in_scope
from api.deps import parse_as_of
from api.reports import json_response, report_state
from api.schemas import ErrorBody
from api.settings import Settings
from api.stats.schemas import StatsOut
from geo.access import ApiKey
from geo.areas import Level, level_of_code
from geo.clock import utc_now
from geo.locate import LocatorHolder
from geo.reports import AreaStats, ReportStatus
from geo.reports.stats import STATUSES
from geo.stores import Store

__all__ = ["router"]

router = APIRouter(tags=["statistics"])
_CLOSED = STATUSES.index(ReportStatus.CLOSED)


@router.get(
    "/v1/stats/areas", response_model=StatsOut,
    responses={422: {"model": ErrorBody, "description": "bad level, area or time"},
               503: {"model": ErrorBody, "description": "statistics still loading"}},
)  # fmt: skip
async def area_stats(
    request: Request,
    key: Viewer,
    level: Annotated[str, Query(description="district, street, community, grid, micro_grid")],
    reported_from: Annotated[str | None, Query(alias="from", description="ISO 8601")] = None,
    reported_to: Annotated[str | None, Query(alias="to", description="ISO 8601, exclusive")] = None,
    area: Annotated[str | None, Query(description="only this area's subtree")] = None,
) -> Response:
    """Per area of `level`: reports by status, overdue, closure rate and median hours to close,
    for the reports reported in [`from`, `to`). A scoped key sees its own subtree only."""
    settings: Settings = request.app.state.settings
    parsed = Level.parse(level)
    start = parse_as_of(reported_from, settings, field="from")
    end = parse_as_of(reported_to, settings, field="to")
    within = _within(key, area)
    state = report_state(request.app)
    index = state.stats.latest()
    if index is None:  # the first call of a worker waits for the load, off the event loop
        index = await run_in_threadpool(state.stats.current, state.settings.stats_wait_s)
    now = utc_now()
    stats = index.area_stats(
        parsed, now=now.timestamp(), within=within,
        reported_from=None if start is None else start.timestamp(),
        reported_to=None if end is None else end.timestamp(),
    )  # fmt: skip
    holder: LocatorHolder = request.app.state.locator
    names = {a.code: a.name for a in holder.current().areas(parsed)}
    body = _answer(request.app.state.store, parsed, stats, names, within)
    body.update(
        reported_from=None if start is None else start.isoformat(),
        reported_to=None if end is None else end.isoformat(),
        as_of=None if state.stats.as_of is None else state.stats.as_of.isoformat(),
    )
    return json_response(body)


def _within(key: ApiKey, area: str | None) -> str | None:
    """The subtree to count: the area asked for, narrowed to (or refused outside) the scope."""
    if area is not None:
        level_of_code(area, field="area")
    if key.scope is None:
        return area
    if area is None or key.scope.startswith(area):
        return key.scope
    require_in_scope(key, area, field="area")
    return area


def _answer(
    store: Store, level: Level, stats: AreaStats, names: dict[str, str], within: str | None
) -> dict[str, Any]:
    status_names = [s.value for s in STATUSES]
    totals = stats.by_status.sum(axis=1)
    position = {code: i for i, code in enumerate(stats.codes)}
    wanted = {c for c in names if within is None or c.startswith(within) or within.startswith(c)}
    wanted |= {stats.codes[i] for i in totals.nonzero()[0].tolist()}
    missing = [c for c in wanted if c not in names]
    if missing:  # areas retired since: their newest name
        names = {**names, **{c: n for c, (n, _) in store.report_area_labels(missing).items()}}
    rows = []
    by_status, overdue, medians = (
        stats.by_status.tolist(),
        stats.overdue.tolist(),
        stats.median_close_s.tolist(),
    )
    for code in sorted(wanted):
        i = position.get(code)
        counts = by_status[i] if i is not None else [0] * len(status_names)
        total = sum(counts)
        median = medians[i] if i is not None else math.nan
        rows.append({
            "code": code, "name": names.get(code), "total": total,
            "by_status": dict(zip(status_names, counts, strict=True)),
            "overdue": overdue[i] if i is not None else 0,
            "closure_rate": round(counts[_CLOSED] / total, 4) if total else None,
            "median_close_hours": None if math.isnan(median) else round(median / 3600, 2),
        })  # fmt: skip
    grand = stats.total_by_status.tolist()
    total = sum(grand)
    return {
        "level": level.value,
        "totals": {
            "total": total, "by_status": dict(zip(status_names, grand, strict=True)),
            "overdue": stats.total_overdue, "unassigned": stats.unassigned,
            "closure_rate": round(grand[_CLOSED] / total, 4) if total else None,
        },
        "areas": rows,
    }  # fmt: skip
