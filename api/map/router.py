"""The one-map page ``/map``, its login, and the small data calls only the page makes.

How the page gets its key: a browser cannot send ``X-API-Key`` when it navigates, so
``/map`` also takes the key from a login cookie. A key holder opens ``/map?key=<key>`` once
(a link), or types the key into the login form; the key is checked (viewer or higher), set
as an HttpOnly, SameSite=Strict cookie limited to ``/map``, and the browser is redirected to
plain ``/map`` so the key leaves the address bar and history. The page is then served to
that key holder with the key inside it (``Cache-Control: no-store``); its scripts keep it in
``sessionStorage`` and send it as ``X-API-Key`` on every tile and API call. With
``ONEMAP_PUBLIC_MAP=true`` the page and tiles need no key at all.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api.auth import presented_key
from api.map.access import check_key, map_access, map_settings
from api.map.page import PageOptions, build_page, content_security_policy, with_key
from api.schemas import ErrorBody
from geo.access import ApiKey
from geo.areas import Bbox, Level, level_of_code
from geo.errors import ForbiddenError, InvalidInputError, OnemapError, UnauthenticatedError
from geo.stores import Store
from tiles import LonLatBox, PointQuery, TileService

__all__ = ["COOKIE", "mount_static", "router"]

router = APIRouter(tags=["map"])

COOKIE = "onemap_map_key"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
LABEL_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)
_PAGE_CACHE_SIZE = 32
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


class _StaticFiles(StaticFiles):
    """Vendored libraries live in versioned directories and never change: cache them for a
    year; everything else is revalidated (ETag/Last-Modified) so an upgrade shows at once."""

    def file_response(self, full_path: Any, stat_result: Any, scope: Any, status_code: int = 200
                      ) -> Response:  # fmt: skip
        response = super().file_response(full_path, stat_result, scope, status_code)
        vendored = "/vendor/" in str(scope.get("path", ""))
        policy = "public, max-age=31536000, immutable" if vendored else "no-cache"
        response.headers.setdefault("Cache-Control", policy)
        return response


def mount_static(app: FastAPI) -> None:
    """Serve Leaflet, its plugins and the page's own script and styles under ``/static``."""
    app.mount("/static", _StaticFiles(directory=STATIC_DIR), name="static")


def _root(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def _security_headers(request: Request) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(map_settings(request).basemap_origin),
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


def _login_page(request: Request, status: int, message: str = "") -> HTMLResponse:
    root = _root(request)
    error = f'<p class="error">{html.escape(message)}</p>' if message else ""
    body = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>一张图 · 登录</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{root}/static/map/onemap.css"></head>
<body><form class="onemap-login" method="post" action="{root}/map/login">
<h1>一张图 · 网格化管理</h1><p>请输入访问密钥（查看者及以上权限）。</p>{error}
<input type="password" name="key" autocomplete="off" aria-label="访问密钥" required autofocus>
<button type="submit">进入地图</button></form></body></html>"""
    return HTMLResponse(body, status_code=status, headers=_security_headers(request))


def _with_cookie(request: Request, response: Response, key: str) -> Response:
    response.set_cookie(
        COOKIE,
        key,
        max_age=int(map_settings(request).map_session_hours * 3600),
        path=f"{_root(request)}/map",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


def _app_cache(request: Request, name: str) -> dict[tuple[Any, ...], Any]:
    """A small per-app cache (pages, labels), keyed by data version among other things."""
    cache: dict[tuple[Any, ...], Any] | None = getattr(request.app.state, name, None)
    if cache is None:
        cache = {}
        setattr(request.app.state, name, cache)
    elif len(cache) >= _PAGE_CACHE_SIZE:
        cache.clear()
    return cache


def _page(request: Request, key: ApiKey | None) -> str:
    """The page for this version and scope, rendered once and then reused."""
    service: TileService = request.app.state.tile_service
    store: Store = request.app.state.store
    service.ensure_version(store.current_version())
    settings = map_settings(request)
    scope = key.scope if key is not None else None
    cache = _app_cache(request, "map_pages")
    cache_key = (service.version, scope, _root(request))
    page = cache.get(cache_key)
    if page is None:
        options = PageOptions(
            static=f"{_root(request)}/static",
            root=_root(request),
            version=service.version,
            bounds=service.bounds(scope),
            basemap_url=settings.map_basemap_url,
            basemap_attribution=settings.map_basemap_attribution,
            basemap_subdomains=settings.map_basemap_subdomains,
            refresh_s=settings.map_refresh_s,
        )
        page = build_page(options)
        cache[cache_key] = page
    return page


@router.get("/map", response_class=HTMLResponse, responses={303: {}, 401: {}, 403: {}})
async def one_map(
    request: Request,
    key: Annotated[
        str | None,
        Query(description="an API key, once: it is moved into a cookie and the URL cleaned"),
    ] = None,
) -> Response:
    """The one-map page (一张图): every layer, search, click for the area chain, statistics."""
    if key:
        try:
            await run_in_threadpool(check_key, request, key)
        except (UnauthenticatedError, ForbiddenError) as exc:
            return _login_page(
                request, 403 if isinstance(exc, ForbiddenError) else 401, exc.message
            )
        redirect = RedirectResponse(f"{_root(request)}/map", status_code=303)
        return _with_cookie(request, redirect, key)
    presented = presented_key(request.headers) or request.cookies.get(COOKIE)
    try:
        api_key = await run_in_threadpool(map_access, request, presented)
    except (UnauthenticatedError, ForbiddenError) as exc:
        message = exc.message if presented else ""
        return _login_page(request, 403 if isinstance(exc, ForbiddenError) else 401, message)
    page = await run_in_threadpool(_page, request, api_key)
    body = with_key(page, presented if api_key is not None else None)
    return HTMLResponse(body, headers=_security_headers(request))


@router.post("/map/login", response_class=HTMLResponse, include_in_schema=False)
async def login(request: Request) -> Response:
    """The login form's target: check the key, set the cookie, go to the map."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    key = (form.get("key") or [""])[0].strip()
    if not key:
        return _login_page(request, 401, "请输入访问密钥")
    try:
        await run_in_threadpool(check_key, request, key)
    except OnemapError as exc:
        return _login_page(request, 403 if isinstance(exc, ForbiddenError) else 401, exc.message)
    return _with_cookie(request, RedirectResponse(f"{_root(request)}/map", status_code=303), key)


@router.get("/map/logout", response_class=HTMLResponse, include_in_schema=False)
async def logout(request: Request) -> Response:
    """Forget the key: the cookie here, and the copy the page kept in ``sessionStorage``."""
    root = _root(request)
    body = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>一张图 · 已退出</title>
<link rel="stylesheet" href="{root}/static/map/onemap.css"></head>
<body><div class="onemap-login"><h1>已退出</h1><p><a href="{root}/map">重新进入地图</a></p></div>
<script>try {{ sessionStorage.removeItem("onemap.key"); }} catch (e) {{}}</script>
</body></html>"""
    response = HTMLResponse(body, headers=_security_headers(request))
    response.delete_cookie(COOKIE, path=f"{root}/map", httponly=True, samesite="strict")
    return response


@router.get("/map/labels.json", responses=ERRORS)
async def labels(
    request: Request,
    level: Annotated[Level, Query(description="district, street, community or grid")],
) -> JSONResponse:
    """Where to write the names of the areas of a level: one point inside each area."""
    key = map_access(request)
    if level not in LABEL_LEVELS:
        raise InvalidInputError(
            "labels exist for district, street, community and grid", field="level"
        )
    service: TileService = request.app.state.tile_service
    scope = key.scope if key is not None else None
    found = await run_in_threadpool(service.labels, level, scope)
    items = [{"code": x.code, "name": x.name, "lon": x.lon, "lat": x.lat} for x in found]
    body = {"level": level.value, "version": service.version, "items": items}
    return JSONResponse(body, headers={"Cache-Control": "private, no-cache"})


@router.get("/map/reports.json", responses=ERRORS)
async def report_points(
    request: Request,
    bbox: Annotated[str | None, Query(description="west,south,east,north (lon/lat)")] = None,
    area: Annotated[str | None, Query(max_length=18, description="only in this area")] = None,
    open_only: Annotated[bool, Query(alias="open", description="only unresolved")] = False,
) -> JSONResponse:
    """Report points for the page's clusters and heat map: id, category, status, SLA state.

    Empty until the report service stores reports; never the reporter or the description.
    """
    key = map_access(request)
    settings = map_settings(request)
    box = Bbox.parse(bbox) if bbox else Bbox(-180.0, -90.0, 180.0, 90.0)
    if area is not None:
        level_of_code(area, field="area")
    query = PointQuery(
        LonLatBox(box.west, box.south, box.east, box.north),
        scope=key.scope if key is not None else None,
        area=area,
        open_only=open_only,
        limit=settings.map_max_report_points,
    )
    service: TileService = request.app.state.tile_service
    found = await run_in_threadpool(service.find_points, "reports", query)
    items = [
        {"code": p.code, "name": p.name, "kind": p.kind, "sla": p.sla, "lon": p.lon, "lat": p.lat}
        for p in found
    ]
    cache_control = f"private, max-age={settings.reports_max_age_s}"
    return JSONResponse({"items": items}, headers={"Cache-Control": cache_control})
