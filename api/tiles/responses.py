"""The HTTP answer for a tile, one definition for the route and for the shortcut ahead of it.

Both paths must answer a tile byte for byte the same (ETag, Cache-Control, 204 when empty,
304 when not modified), so both build it here.
"""

from __future__ import annotations

from fastapi.responses import Response

from api.map import MapSettings
from geo.access import ApiKey
from tiles import TileAnswer

__all__ = ["MVT", "cache_control", "tile_response"]

MVT = "application/vnd.mapbox-vector-tile"


def cache_control(key: ApiKey | None, policy: str) -> str:
    # Tiles depend on the key's scope, so shared caches may keep them only on a public map.
    audience = "public" if key is None else "private"
    return f"{audience}, {policy}"


def tile_policy(answer: TileAnswer, settings: MapSettings, v: int | None, as_of: bool) -> str:
    if answer.live:
        return f"max-age={settings.reports_max_age_s}"
    if v is not None and v == answer.version and not as_of:
        # Under a versioned URL the content never changes: an edit changes the URL instead.
        return f"max-age={settings.tile_max_age_s}, immutable"
    return "no-cache"


def tile_response(
    answer: TileAnswer,
    key: ApiKey | None,
    settings: MapSettings,
    *,
    v: int | None,
    as_of: bool,
    if_none_match: str | None,
) -> Response:
    """The HTTP answer for a tile: 200 with MVT, 204 when empty, 304 when not modified."""
    headers = {
        "ETag": answer.etag,
        "Cache-Control": cache_control(key, tile_policy(answer, settings, v, as_of)),
        "Vary": "X-API-Key, Authorization",
    }
    if if_none_match is not None and answer.etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    if not answer.data:
        return Response(status_code=204, headers=headers)
    return Response(answer.data, media_type=MVT, headers=headers)
