"""Current tiles answered before FastAPI routes the request: the hot path of a busy map.

A map viewer asks for dozens of tiles per pan under the current versioned URL, most of them
already cached. Routing them through ~100 routes, parameter validation and the exception
middlewares costs several times what sending cached bytes does, and a third of what
rendering a micro-grid tile in PostGIS does. So this middleware answers exactly that case
itself: ``GET /tiles/<layers>/<z>/<x>/<y>.mvt?v=<current version>`` with an acceptable key
(or none on a public map), from the cache or rendered into it. Anything else, including
every error, any other query parameter and a render that fails, falls through to the normal
route, which answers it the same way (both build the response with
:func:`api.tiles.responses.tile_response`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import presented_key
from api.map import MapSettings
from api.tiles.responses import tile_response
from geo.access import ApiKey, Role
from geo.errors import OnemapError
from tiles import Tile, TileService, parse_layers

__all__ = ["CachedTileShortcut"]

log = logging.getLogger("onemap.tiles")

_TILE = re.compile(r"/tiles/([a-z_,]{1,200})/(\d{1,2})/(\d{1,8})/(\d{1,8})\.mvt")
_VERSION = re.compile(rb"v=(\d{1,18})")


class CachedTileShortcut:
    """ASGI middleware: serve cached current tiles, pass everything else on untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            if path.startswith("/tiles/"):
                response = await _answer(scope, path)
                if response is not None:
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


async def _answer(scope: Scope, path: str) -> Response | None:
    tile_match = _TILE.fullmatch(path)
    version_match = _VERSION.fullmatch(scope["query_string"])
    state = scope["app"].state
    service: TileService | None = getattr(state, "tile_service", None)
    if tile_match is None or version_match is None or service is None:
        return None
    v = int(version_match.group(1))
    if v != service.version:  # newer: catch up first; older: answered fresh, not immutable
        return None
    headers = _headers(scope)
    settings: MapSettings = state.map_settings
    admitted, key = _key(state, presented_key(headers), settings)
    if not admitted:
        return None
    try:
        specs = parse_layers(tile_match.group(1))
        z, x, y = (int(tile_match.group(i)) for i in (2, 3, 4))
        tile = Tile.checked(z, x, y)
    except OnemapError:
        return None
    if key is not None and not _within_rate(state, key):
        return None
    subtree = key.scope if key else None
    answer = service.cached(specs, tile, scope=subtree)
    if answer is None:
        try:
            answer = await run_in_threadpool(service.render, specs, tile, as_of=None, scope=subtree)
        except Exception:  # the route renders again and answers the error properly
            log.debug("tile shortcut render failed; falling through", exc_info=True)
            return None
    return tile_response(
        answer, key, settings, v=v, as_of=False, if_none_match=headers.get("if-none-match")
    )


def _headers(scope: Scope) -> dict[str, str]:
    wanted = (b"x-api-key", b"authorization", b"if-none-match")
    return {k.decode(): v.decode("latin-1") for k, v in scope["headers"] if k in wanted}


def _key(state: Any, presented: str | None, settings: MapSettings) -> tuple[bool, ApiKey | None]:
    """Whether to answer here, and the caller's key (None: anonymous on a public map).

    Refusals are left to the route, which words the 401 or 403.
    """
    if not presented:
        return settings.public_map, None
    key: ApiKey | None = state.key_cache.lookup(presented, state.store)
    if key is None or not key.role.allows(Role.VIEWER):
        return False, None
    return True, key


def _within_rate(state: Any, key: ApiKey) -> bool:
    try:
        state.rate_limiter.check(key.id)
    except OnemapError:
        return False  # the route raises it again and answers 429
    return True
