"""Who may read tiles and the one-map page: a viewer key, or anyone when the map is public.

Browsers cannot put a header on a page they navigate to, so ``/map`` also accepts the key
from its login cookie (see ``api/map/router.py``); tiles and the page's data calls take the
key as any request does (``X-API-Key``, Bearer or Basic; the page's scripts send the header).
"""

from __future__ import annotations

from fastapi import Request

from api.auth import presented_key, require
from api.map.settings import MapSettings
from geo.access import ApiKey, Role

__all__ = ["check_key", "map_access", "map_settings"]

# Called inline rather than as a dependency: FastAPI would run this sync check in the thread
# pool, a hop that costs more than answering a tile from the cache.
_check_viewer = require(Role.VIEWER)


def map_settings(request: Request) -> MapSettings:
    """The app's map settings (set when the lifespan starts the tile service)."""
    settings: MapSettings = request.app.state.map_settings
    return settings


def map_access(request: Request, presented: str | None = None) -> ApiKey | None:
    """The caller's key, or None for an anonymous caller of a public map.

    Raises the usual 401/403 errors otherwise. A key that is presented is always checked,
    even on a public map, so that a scoped key still sees only its own subtree.
    """
    presented = presented or presented_key(request.headers)
    if not presented and map_settings(request).public_map:
        return None
    return _check_viewer(request, presented)


def check_key(request: Request, presented: str) -> ApiKey:
    """Check a key typed into the login form or passed in a link (viewer or higher)."""
    return _check_viewer(request, presented)
