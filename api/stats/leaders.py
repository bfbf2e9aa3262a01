"""The leaders' numbers over HTTP: the dashboard and an area's profile (viewer keys).

``GET /v1/stats/dashboard`` answers the headline (today, this week, open, overdue, closure rate
within deadline), the ranking of the areas one level down (streets for the city) and the
30-day trend; ``GET /v1/stats/areas/{code}/profile`` answers what a leader clicking a street,
community or grid wants to know: its chain and team, households and addresses, each visible
layer's features inside it (部件 by class, with names) and its open and overdue reports.
Definitions: :mod:`geo.reports.dashboard`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from api.auth import Viewer, require_in_scope
from api.layers.service import visible_layer, visible_layers
from api.schemas import ErrorBody
from api.settings import Settings
from geo.access import ApiKey
from geo.areas import LEVELS, Level, level_of_code
from geo.clock import utc_now
from geo.layers import part_class
from geo.locate import LocatorHolder
from geo.reports.dashboard import dashboard
from geo.stores import Store

__all__ = ["router"]

router = APIRouter(tags=["statistics"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "the area lies outside the key's scope"},
    404: {"model": ErrorBody, "description": "no such area"},
    422: {"model": ErrorBody, "description": "bad area code or days"},
}


def _within(key: ApiKey, area: str | None) -> str | None:
    if area is not None:
        level_of_code(area, field="area")
    if key.scope is None:
        return area
    if area is None or key.scope.startswith(area):
        return key.scope
    require_in_scope(key, area, field="area")
    return area


def _names(request: Request, level: Level) -> dict[str, str]:
    holder: LocatorHolder = request.app.state.locator
    return {a.code: a.name for a in holder.current().areas(level)}


@router.get("/v1/stats/dashboard", responses=ERRORS)
def leaders_dashboard(
    request: Request,
    key: Viewer,
    area: Annotated[str | None, Query(max_length=18, description="an area's subtree")] = None,
    days: Annotated[int, Query(ge=1, le=366, description="the window, in days")] = 30,
) -> dict[str, Any]:
    """Headline numbers, the ranking one level down and the daily trend (领导驾驶舱)."""
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    within = _within(key, area)
    level = Level.DISTRICT if within is None else level_of_code(within)
    group = Level.STREET if within is None else LEVELS[min(level.depth + 1, len(LEVELS) - 2)]
    now = utc_now()
    rows = store.dashboard_rows(since=now - timedelta(days=days + 1), within=within)
    body = dashboard(
        rows,
        now=now,
        zone=settings.zone,
        days=days,
        group_by=group.value,
        names=_names(request, group),
    )
    body["area"] = within
    return body


@router.get("/v1/stats/layers/{name}", responses=ERRORS)
def layer_stats(
    request: Request,
    name: Annotated[str, Path(max_length=40)],
    key: Viewer,
    level: Annotated[str, Query(description="district, street, community, grid, micro_grid")],
    area: Annotated[str | None, Query(max_length=18, description="an area's subtree")] = None,
) -> dict[str, Any]:
    """One layer's features per area of a level (every area listed, zeros included)."""
    record = visible_layer(request, key, name)
    parsed = Level.parse(level)
    within = _within(key, area)
    store: Store = request.app.state.store
    counts = store.layer_counts_by_area(record.name, parsed, within)
    names = _names(request, parsed)
    codes = (
        sorted(c for c in names if within is None or c.startswith(within))
        if parsed in (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)
        else sorted(counts)
    )
    rows = [{"code": c, "name": names.get(c), "count": counts.get(c, 0)} for c in codes]
    return {
        "layer": record.name,
        "title": record.definition.title,
        "level": parsed.value,
        "total": sum(counts.values()),
        "areas": rows,
    }


@router.get("/v1/stats/areas/{code}/profile", responses=ERRORS)
async def area_profile(
    request: Request, code: Annotated[str, Path(max_length=18)], key: Viewer
) -> dict[str, Any]:
    """One area's profile: chain, team, households, layers' counts, open and overdue reports."""
    level_of_code(code, field="code")
    if key.scope is not None and not (code.startswith(key.scope) or key.scope.startswith(code)):
        require_in_scope(key, code, field="code")
    return await run_in_threadpool(_profile, request, key, code)


def _profile(request: Request, key: ApiKey, code: str) -> dict[str, Any]:
    store: Store = request.app.state.store
    settings: Settings = request.app.state.settings
    area = store.get_area(code)
    layers = visible_layers(request, key)
    counts = store.layer_counts(code, [r.name for r in layers])
    chain = []
    for upper in LEVELS[: area.level.depth]:
        parent = store.get_area(code[: 6 + 3 * upper.depth])
        chain.append({"level": upper.value, "code": parent.code, "name": parent.name})
    layer_rows, parts = [], []
    for record in layers:
        found = counts.get(record.name, {"total": 0, "classes": {}})
        layer_rows.append(
            {
                "name": record.name,
                "title": record.definition.title,
                "department": record.definition.department,
                "count": found["total"],
            }
        )
        for class_code, n in sorted(found["classes"].items()):
            known = part_class(class_code)
            parts.append(
                {
                    "layer": record.name,
                    "code": class_code,
                    "count": n,
                    "name": known.name if known else None,
                    "major_name": known.major_name if known else None,
                }
            )
    by_name = {row["name"]: row["count"] for row in layer_rows}
    now = utc_now()
    rows = store.dashboard_rows(since=now - timedelta(days=31), within=code)
    numbers = dashboard(rows, now=now, zone=settings.zone, days=30)["headline"]
    children = 0
    if area.level is not Level.MICRO_GRID:
        holder: LocatorHolder = request.app.state.locator
        below = holder.current().areas(LEVELS[area.level.depth + 1])
        children = sum(1 for a in below if a.parent_code == code)
    return {
        "code": area.code,
        "name": area.name,
        "level": area.level.value,
        "kind": area.kind,
        "team": area.team.as_dict() if area.team else None,
        "chain": chain,
        "children": children,
        **store.address_counts(code),
        "buildings": by_name.get("buildings"),
        "enterprises": by_name.get("enterprises"),
        "layers": layer_rows,
        "parts": parts,
        "reports": {
            k: numbers[k]
            for k in ("open", "overdue", "reported", "resolved", "closure_rate_within_deadline")
        },
    }
