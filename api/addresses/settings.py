"""Settings of the geocoder, read from ``ONEMAP_GEOCODE_*`` environment variables."""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["GeocodeSettings"]


class GeocodeSettings(BaseSettings):
    """How the in-memory address library is kept current and when an answer is trusted."""

    model_config = SettingsConfigDict(env_prefix="ONEMAP_GEOCODE_", env_file=".env", extra="ignore")

    threshold: float = Field(
        default=0.9, ge=0.0, le=1.0,
        description="minimum calibrated grid confidence for resolved: true; lower answers "
        "come back unresolved with candidates",
    )  # fmt: skip
    poll_interval_s: float = Field(
        default=1.0, ge=1.0, le=600.0, description="how often each worker checks the data version"
    )
    calibration_queries: int = Field(
        default=2000, ge=0, le=50_000,
        description="noisy queries generated from the library to calibrate confidences",
    )  # fmt: skip
    warm_on_start: bool = Field(
        default=False,
        description="build the library in the background as the worker starts; by default it "
        "is built on the first geocode/reverse/write call (answered 503 until ready), so "
        "workers that never geocode spend neither the memory nor the CPU",
    )
    first_use_wait_s: float = Field(
        default=10.0, ge=0.0, le=120.0,
        description="how long a call that finds the library still loading waits for it "
        "before answering 503 (a small library is ready well within this)",
    )  # fmt: skip
    wait_on_start: bool = Field(
        default=False, description="finish building before the worker takes requests"
    )
    batch_processes: int = Field(
        default_factory=lambda: 1 if (os.cpu_count() or 1) > 1 else 0, ge=0, le=32,
        description="helper processes per worker that share the matching of a large report "
        "batch (256+ new texts) with the request's own thread; forked after each library "
        "build, they share its memory. Default 1 (0 on a one-core machine)",
    )  # fmt: skip
    duplicate_score: float = Field(
        default=0.97, ge=0.5, le=1.0, description="text similarity that flags a duplicate"
    )
