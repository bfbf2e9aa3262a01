"""Thirty days of reports for the demo city, across every status, some of them overdue.

Each report is filed at a standard address of the demo district (a citizen's app or a patrol
reports where they stand) and then walks the lifecycle a real case takes: dispatched within
hours, worked on, resolved, closed by the reviewer. The delays are drawn so that most cases
meet the review (6 h) and response (15 h) deadlines and some do not, and one in twelve stalls
before dispatch or resolution, so the map has overdue cases to show. Steps later than ``now``
have not happened yet: today's reports are still new or dispatched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from geo.reports import ReportStatus
from sample_data.seeding import derive_rng

__all__ = ["CATEGORIES", "DemoReport", "demo_reports"]

CATEGORIES = (
    "环境卫生",
    "市容秩序",
    "市政设施",
    "园林绿化",
    "交通设施",
    "违章搭建",
    "噪声扰民",
    "安全隐患",
)
_SOURCES = ("12345", "app", "patrol", "wechat", "110")
_TEXTS = {
    "环境卫生": "垃圾未及时清运",
    "市容秩序": "占道经营",
    "市政设施": "井盖破损",
    "园林绿化": "树木倒伏",
    "交通设施": "路灯不亮",
    "违章搭建": "楼顶违建",
    "噪声扰民": "夜间施工噪声",
    "安全隐患": "消火栓漏水",
}
_STEPS = (
    ReportStatus.DISPATCHED,
    ReportStatus.IN_PROGRESS,
    ReportStatus.RESOLVED,
    ReportStatus.CLOSED,
)


@dataclass(frozen=True, slots=True)
class DemoReport:
    """A report to file at ``reported_at`` and the status moves it made since, with times."""

    lon: float
    lat: float
    source: str
    category: str
    description: str
    address: str
    reported_at: datetime
    steps: tuple[tuple[ReportStatus, datetime], ...]


def _delays_h(rng: np.random.Generator) -> list[float]:
    """Hours from the report to dispatch, start, resolution and closure (cumulative)."""
    dispatch = float(rng.gamma(2.0, 1.6))  # median about 2.7 h; a tail past the 6 h review
    start = dispatch + float(rng.uniform(0.3, 3.0))
    resolve = start + float(rng.gamma(2.0, 3.2))  # some past the 15 h response deadline
    close = resolve + float(rng.uniform(2.0, 36.0))
    return [dispatch, start, resolve, close]


def demo_reports(
    addresses: pd.DataFrame, *, seed: int, now: datetime, days: int = 30, per_day: int = 20
) -> list[DemoReport]:
    """About ``per_day`` reports a day for ``days`` days before ``now``, oldest first."""
    rng = derive_rng(seed, "reports", "330400")
    buildings = addresses.drop_duplicates(["lon", "lat"]).reset_index(drop=True)
    out: list[DemoReport] = []
    for day in range(days, 0, -1):
        count = int(rng.poisson(per_day * (1.25 if day % 7 in (1, 2) else 1.0)))
        start = now - timedelta(days=day)
        for _ in range(count):
            at = start + timedelta(hours=float(rng.uniform(0, 24)))
            if at >= now:
                at = now - timedelta(minutes=float(rng.uniform(5, 600)))
            row = buildings.iloc[int(rng.integers(len(buildings)))]
            category = str(rng.choice(CATEGORIES))
            stall = int(rng.integers(len(_STEPS))) if rng.random() < 1 / 12 else len(_STEPS)
            steps = tuple(
                (status, at + timedelta(hours=h))
                for i, (status, h) in enumerate(zip(_STEPS, _delays_h(rng), strict=True))
                if i < stall and at + timedelta(hours=h) < now
            )
            out.append(
                DemoReport(
                    float(row.lon) + float(rng.normal(0, 4e-5)),
                    float(row.lat) + float(rng.normal(0, 4e-5)),
                    str(rng.choice(_SOURCES)),
                    category,
                    _TEXTS[category],
                    str(row.full_text),
                    at,
                    steps,
                )
            )
    out.sort(key=lambda r: r.reported_at)
    return out
