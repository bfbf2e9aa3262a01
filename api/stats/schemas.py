"""Response models of the per-area statistics API."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["AreaStatsOut", "StatsOut", "StatsTotals"]


class AreaStatsOut(BaseModel):
    code: str
    name: str | None
    total: int
    by_status: dict[str, int]
    overdue: int
    closure_rate: float | None = Field(description="closed / total")
    median_close_hours: float | None = Field(description="reported → closed, closed reports")


class StatsTotals(BaseModel):
    total: int
    by_status: dict[str, int]
    overdue: int
    closure_rate: float | None
    unassigned: int = Field(description="reports with no area at this level")


class StatsOut(BaseModel):
    level: str
    reported_from: str | None
    reported_to: str | None
    as_of: str | None = Field(description="when the statistics were last refreshed")
    totals: StatsTotals
    areas: list[AreaStatsOut]
