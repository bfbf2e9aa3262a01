"""Settings of the locate service, read from ``ONEMAP_LOCATE_*`` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["LocateSettings"]


class LocateSettings(BaseSettings):
    """How the in-memory locator is kept current and how big a batch may be."""

    model_config = SettingsConfigDict(env_prefix="ONEMAP_LOCATE_", env_file=".env", extra="ignore")

    poll_interval_s: float = Field(
        default=1.0, ge=0.05, le=60.0, description="how often each worker checks the data version"
    )
    as_of_cache_size: int = Field(
        default=2, ge=0, le=32, description="locators of past versions kept for as_of queries"
    )
    cell_m: float = Field(
        default=20.0, ge=2.0, le=1000.0, description="cell size of the index in metres"
    )
    max_batch_points: int = Field(default=100_000, ge=1, le=1_000_000)
    wait_on_start: bool = Field(
        default=True, description="finish building the index before the worker takes requests"
    )
