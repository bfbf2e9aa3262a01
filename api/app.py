"""Building the FastAPI application from settings; no globals, no work at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.auth import KeyCache
from api.errors import install_error_handlers
from api.limits import BodySizeLimit, RateLimiter
from api.routers import (
    addresses,
    areas,
    audit,
    docs,
    editor,
    edits,
    health,
    locate,
    ogc,
    open311,
    reports,
    stats,
)
from api.routers import map as map_page
from api.routers import tiles as tile_routes
from api.settings import Settings
from geo.stores import open_store

__all__ = ["app_from_env", "create_app"]

log = logging.getLogger("onemap.api")

DESCRIPTION = """
onemap gives a city one authoritative map (一张图) for grid governance (网格化管理):
districts, streets, communities, grids and micro-grids with their full history.

Every call but `/healthz` and `/readyz` needs an API key in the `X-API-Key` header
(`onemap keys create --role viewer|dispatcher|editor|admin [--scope AREA_CODE]`; `onemap demo`
prints a local admin key). Missing or bad key: 401; role too low or area outside the key's
scope: 403; too many requests: 429 with `Retry-After`.

Coordinates are lon/lat in CGCS2000 (EPSG:4490), equal to WGS84 to well under a metre.
Errors are JSON: `{"error": {"code", "message", "details"}}`; a caller's mistake gets a 4xx
naming the field.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application; the store is opened (and migrated) when the lifespan starts."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(settings.store_url, pool_size=settings.db_pool_size)
        if settings.migrate_on_start:
            store.upgrade()
        app.state.store = store
        log.info("onemap serving from the %s store", store.backend)
        locator = locate.start_locator(app, store)
        geocoder = addresses.start_geocoder(app, store)
        tile_service = tile_routes.start_tiles(app, store)
        try:
            yield
        finally:
            tile_service.stop()
            geocoder.stop()
            locator.stop()
            store.dispose()

    app = FastAPI(
        title="onemap",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by api.routers.docs from vendored assets
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.key_cache = KeyCache(ttl=settings.key_cache_seconds)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    # The hot paths of dispatch first: route matching walks the routers in this order.
    app.include_router(locate.router)
    app.include_router(reports.router)
    app.include_router(addresses.router)
    app.include_router(health.router)
    app.include_router(areas.router)
    app.include_router(edits.router)
    app.include_router(ogc.router)
    app.include_router(editor.router)
    app.include_router(docs.router)
    app.include_router(audit.router)
    tile_routes.install(app)
    app.include_router(map_page.router)
    app.include_router(stats.router)
    app.include_router(open311.router)
    map_page.mount_static(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and multi-worker serving: settings from the environment."""
    return create_app(Settings())
