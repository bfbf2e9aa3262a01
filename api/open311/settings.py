"""Settings of the Open311 endpoint, read from ``ONEMAP_OPEN311_*`` variables."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Open311Settings", "open311_settings"]


class Open311Settings(BaseSettings):
    """Who may read without a key, and what photos may be sent with a request."""

    model_config = SettingsConfigDict(env_prefix="ONEMAP_OPEN311_", env_file=".env", extra="ignore")

    public_reads: bool = Field(
        default=False,
        description="answer GETs without a key (masked as always); off: citizen reports are "
        "not public here",
    )
    media_max_bytes: int = Field(default=5_000_000, ge=1_000, le=50_000_000,
                                 description="largest photo accepted")  # fmt: skip
    media_max_count: int = Field(default=4, ge=0, le=20, description="photos per request")


def open311_settings(app: Any) -> Open311Settings:
    """The app's Open311 settings, read from the environment on first use."""
    settings: Open311Settings | None = getattr(app.state, "open311_settings", None)
    if settings is None:
        settings = Open311Settings()
        app.state.open311_settings = settings
    return settings
