"""Settings of the vector tiles and the one-map page, from ``ONEMAP_*`` environment variables."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["MapSettings"]


class MapSettings(BaseSettings):
    """How tiles are cached and served, and what the one-map page shows.

    ``public_map`` serves ``/map``, ``/tiles/*`` and the page's own data to anyone on the
    network (a government intranet); otherwise each needs a viewer key. The calls the page
    makes to other services (locate, geocode, statistics) always send the key it was opened
    with, when there is one.
    """

    model_config = SettingsConfigDict(env_prefix="ONEMAP_", env_file=".env", extra="ignore")

    public_map: bool = Field(
        default=False, description="serve /map and /tiles without an API key (intranet use)"
    )
    tile_cache_mb: int = Field(
        default=256, ge=0, le=65_536, description="in-process tile cache per worker; 0 = off"
    )
    tile_poll_interval_s: float = Field(
        default=1.0, ge=0.05, le=60.0, description="how often each worker checks the data version"
    )
    tile_db_pool_size: int = Field(
        default=8, ge=1, le=100, description="PostGIS connections per worker for tile reads"
    )
    tile_warm_zoom: int = Field(
        default=11,
        ge=-1,
        le=13,
        description="keep the district/street/community tiles up to this zoom rendered; -1: off",
    )
    tile_max_age_s: int = Field(
        default=86_400, ge=0, le=31_536_000, description="browser cache life of versioned tiles"
    )
    reports_max_age_s: int = Field(
        default=30, ge=0, le=3600, description="browser cache life of report tiles and points"
    )
    map_basemap_url: str | None = Field(
        default=None,
        description="optional XYZ basemap under the boundaries, e.g. Tianditu with its key; "
        "the page then leaves the intranet for its tiles",
    )
    map_basemap_attribution: str = Field(default="", description="credit shown for the basemap")
    map_basemap_subdomains: str = Field(
        default="abc", min_length=1, description="what {s} in the basemap URL cycles through"
    )
    map_session_hours: float = Field(
        default=12.0, gt=0, le=24 * 30, description="life of the /map login cookie"
    )
    map_refresh_s: int = Field(
        default=30, ge=5, le=3600, description="how often an open page checks for newer data"
    )
    map_max_report_points: int = Field(
        default=20_000, ge=0, le=500_000, description="report points sent to the page per view"
    )

    @model_validator(mode="after")
    def _basemap_is_xyz(self) -> MapSettings:
        url = self.map_basemap_url
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("map_basemap_url must be an http(s) URL")
            if not all(token in url for token in ("{z}", "{x}", "{y}")):
                raise ValueError("map_basemap_url must contain {z}, {x} and {y}")
        return self

    @property
    def basemap_origin(self) -> str | None:
        """``scheme://host`` of the basemap, for the page's Content-Security-Policy."""
        if not self.map_basemap_url:
            return None
        parts = urlsplit(self.map_basemap_url)
        host = parts.netloc
        if "{s}" in host:  # subdomains (t0..t7.tianditu.gov.cn): a CSP wildcard on the left
            host = "*." + host.split(".", 1)[1]
        return f"{parts.scheme}://{host}"
