"""Service settings, read from ``ONEMAP_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.stores import sqlite_url

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Where the data lives and how the service answers.

    With no ``database_url`` the service uses the embedded SQLite file
    ``<data_dir>/onemap.db``, so a newcomer needs nothing but ``pip install``.
    """

    model_config = SettingsConfigDict(env_prefix="ONEMAP_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None, description="postgresql://user@host/db for PostGIS; empty for embedded"
    )
    data_dir: Path = Field(default=Path("onemap-data"), description="home of the embedded store")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    access_log: bool = Field(
        default=True,
        description="log every request (one line each); turn off behind a proxy that logs, "
        "or at dispatch rates where the line costs measurable CPU",
    )
    telemetry: bool = Field(
        default=False,
        description="FastAPI's OpenTelemetry spans and metrics, to the globally configured "
        "providers; off, no request pays for checking them",
    )
    migrate_on_start: bool = Field(
        default=True, description="run the Alembic migrations when the service starts"
    )
    default_page_size: int = Field(default=1000, ge=1, le=100_000)
    max_page_size: int = Field(default=100_000, ge=1, le=1_000_000)
    local_timezone: str = Field(
        default="Asia/Shanghai", description="time zone of as_of values given without an offset"
    )
    db_pool_size: int = Field(default=5, ge=1, le=100)
    max_body_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="larger request bodies get 413"
    )
    rate_limit_per_second: float = Field(
        default=5000.0, gt=0, description="requests per second per API key (per worker)"
    )
    rate_limit_burst: int = Field(default=10000, ge=1, description="bucket size per API key")
    key_cache_seconds: float = Field(
        default=5.0, ge=0, le=300, description="how long a verified key is trusted per worker"
    )

    @field_validator("local_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def store_url(self) -> str:
        """The database URL in force: the configured one, or the embedded SQLite file."""
        return self.database_url or sqlite_url(self.data_dir / "onemap.db")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.local_timezone)
