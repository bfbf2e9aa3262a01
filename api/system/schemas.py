"""Response models of the health and readiness probes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

__all__ = ["Health", "Readiness"]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    backend: str
    version: int | None = None
    counts: dict[str, int] | None = None
    reason: str | None = None
    geocoder: Literal["ready", "loading", "on_first_use"] | None = None
