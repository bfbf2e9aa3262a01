"""Building the FastAPI application from settings; no globals, no work at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.telemetry import TelemetryConfig
from starlette.types import Receive, Scope, Send

from api.access_log import install_key_redaction
from api.addresses import router as addresses
from api.addresses import start_geocoder
from api.areas import router as areas
from api.auth import KeyCache
from api.editing import page as editor
from api.editing import router as edits
from api.errors import error_answer, install_error_handlers
from api.layers import ogc as layer_ogc
from api.layers import router as layers
from api.limits import BodySizeLimit, BodyTooLargeError, RateLimiter, within_limit
from api.locate import router as locate
from api.map import lookup
from api.map import router as map_page
from api.ogc import router as ogc
from api.open311 import router as open311
from api.reports import router as reports
from api.settings import Settings
from api.stats import leaders
from api.stats import router as stats
from api.system import audit, docs, health
from api.tiles import router as tile_routes
from geo.stores import open_store

__all__ = ["OnemapApp", "app_from_env", "create_app"]

log = logging.getLogger("onemap.api")

DESCRIPTION = """
onemap gives a city one authoritative map (一张图) for grid governance (网格化管理):
districts, streets, communities, grids and micro-grids with their full history.

Every call but `/healthz` and `/readyz` needs an API key in the `X-API-Key` header
(`onemap keys create --role viewer|dispatcher|editor|admin [--scope AREA_CODE]`; `onemap demo`
prints a local admin key). Missing or bad key: 401; role too low or area outside the key's
scope: 403; too many requests: 429 with `Retry-After`.

Coordinates are lon/lat in CGCS2000 (EPSG:4490), equal to WGS84 to well under a metre.
Errors are JSON: `{"error": {"code", "kind", "message", "params", "details"}}`; a caller's
mistake gets a 4xx naming the field. `code` and `kind` are stable tokens and `params` the values
that go with them, for clients that word errors in their own language (see the README).
"""


HotEndpoint = Callable[[Request], Awaitable[Response]]


class OnemapApp(FastAPI):
    """FastAPI with a front door: the dispatch hot paths are answered ahead of the stack.

    Every request otherwise passes seven ASGI layers (server errors, telemetry, two body
    limits, the tile shortcut, exception handlers, an exit stack) and the router's walk over
    ~100 routes before its endpoint runs, and a FastAPI route then solves its dependencies and
    validates its answer; for ``GET /v1/locate`` all that costs more CPU than the lookup.
    Endpoints in :attr:`hot_routes`, by exact method and path, are called straight away, their
    errors answered by the same table (:func:`api.errors.error_answer`) and, except for GET,
    their bodies held to the same size limit. Such an endpoint takes a :class:`Request`,
    returns a :class:`Response` and checks its key and input itself, answering as its
    documented route does. The door is not used while FastAPI's telemetry is on, so that
    spans and metrics cover every request.
    """

    def __init__(self, *, telemetry: bool, max_body_bytes: int, **options: Any) -> None:
        # Off, the per-request check of OpenTelemetry's global providers (environment reads)
        # is skipped too.
        off: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
        super().__init__(telemetry=None if telemetry else off, **options)
        self.telemetry = telemetry
        self.max_body_bytes = max_body_bytes
        self.hot_routes: dict[tuple[str, str], HotEndpoint] = {}
        self.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.telemetry:
            endpoint = self.hot_routes.get((scope["method"], scope["path"]))
            if endpoint is not None:
                scope["app"] = self
                door = partial(_answer_at_the_door, endpoint)
                if scope["method"] == "GET":  # a GET endpoint reads no body: nothing to limit
                    await door(scope, receive, send)
                else:
                    await within_limit(door, self.max_body_bytes, scope, receive, send)
                return
        await super().__call__(scope, receive, send)


async def _answer_at_the_door(
    endpoint: HotEndpoint, scope: Scope, receive: Receive, send: Send
) -> None:
    request = Request(scope, receive, send)
    try:
        response = await endpoint(request)
    except BodyTooLargeError:
        raise  # answered 413 by within_limit, as BodySizeLimit does in the stack
    except Exception as exc:
        response = await error_answer(request, exc)
    await response(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application; the store is opened (and migrated) when the lifespan starts."""
    settings = settings or Settings()
    install_key_redaction()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(settings.store_url, pool_size=settings.db_pool_size)
        if settings.migrate_on_start:
            store.upgrade()
        app.state.store = store
        log.info("onemap serving from the %s store", store.backend)
        locator = locate.start_locator(app, store)
        geocoder = start_geocoder(app, store)
        tile_service = tile_routes.start_tiles(app, store)
        try:
            yield
        finally:
            tile_service.stop()
            geocoder.stop()
            locator.stop()
            store.dispose()

    app = OnemapApp(
        telemetry=settings.telemetry,
        max_body_bytes=settings.max_body_bytes,
        title="onemap",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by api.system.docs from vendored assets
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.key_cache = KeyCache(ttl=settings.key_cache_seconds)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    install_error_handlers(app)
    app.hot_routes.update(locate.HOT_ROUTES)
    # The hot paths of dispatch first: route matching walks the routers in this order.
    app.include_router(locate.router)
    app.include_router(reports.router)
    app.include_router(addresses.router)
    app.include_router(health.router)
    app.include_router(areas.router)
    app.include_router(edits.router)
    app.include_router(layers.router)
    app.include_router(layer_ogc.router)  # ahead of /ogc/collections/{collection_id}
    app.state.ogc_extra_collections = layer_ogc.collections_for
    app.include_router(ogc.router)
    app.include_router(editor.router)
    app.include_router(docs.router)
    app.include_router(audit.router)
    tile_routes.install(app)
    app.include_router(map_page.router)
    app.include_router(stats.router)
    app.include_router(leaders.router)
    app.include_router(lookup.router)
    app.include_router(open311.router)
    map_page.mount_static(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and multi-worker serving: settings from the environment."""
    return create_app(Settings())
