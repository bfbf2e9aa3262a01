"""Generated reports for ``bench/reports.py``, with ground truth from the sample city.

Ground truth never comes from the code under test: a point's true grid is found with a plain
Shapely ``STRtree`` over the sample city's grid polygons, an address's true grid is the grid
the sample city generated it in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from address_normalizer.synth import noisy_query
from geo.areas import Level
from geo.crs import wgs84_to_bd09, wgs84_to_gcj02

__all__ = ["Sample", "accuracy_sample", "intake_bodies", "regeocode_frame", "stat_rows"]

VAGUE = (
    "小区门口",
    "菜市场旁边",
    "路口红绿灯那里",
    "公园东门",
    "桥下面",
    "学校后门附近",
    "这边",
    "我家楼下",
    "停车场入口",
)
M_PER_DEG = 111_320.0


@dataclass
class Sample:
    kind: str
    body: dict[str, Any]
    truth: str | None  # the true grid; None: nothing to resolve, the queue is right


class GridTruth:
    """The grid (smallest code on a shared edge) holding each point, from the city's polygons."""

    def __init__(self, city: Any) -> None:
        grids = sorted((a for a in city.areas if a.level is Level.GRID), key=lambda a: a.code)
        self.codes = np.array([a.code for a in grids], dtype=object)
        self.tree = shapely.STRtree([a.geometry for a in grids])

    def __call__(
        self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
    ) -> list[str | None]:
        pt, grid = self.tree.query(shapely.points(lon, lat), predicate="intersects")
        best = np.full(len(lon), len(self.codes), dtype=np.int64)
        np.minimum.at(best, pt, grid)
        return [self.codes[b] if b < len(self.codes) else None for b in best.tolist()]


def _jitter(rng: np.random.Generator, lon: float, lat: float, metres: float) -> tuple[float, float]:
    r, a = metres * np.sqrt(rng.random()), rng.random() * 2 * np.pi
    return (
        lon + r * np.cos(a) / (M_PER_DEG * np.cos(np.radians(lat))),
        lat + r * np.sin(a) / M_PER_DEG,
    )


def _encode(rng: np.random.Generator, lon: float, lat: float) -> dict[str, Any]:
    """GCJ-02 mostly (phones, WeChat), some BD-09 (Baidu) and WGS84 (GPS units)."""
    draw = rng.random()
    crs = "gcj02" if draw < 0.8 else "bd09" if draw < 0.9 else "wgs84"
    convert = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}.get(crs)
    x, y = convert(lon, lat) if convert else (lon, lat)
    return {"lon": round(float(x), 7), "lat": round(float(y), 7), "crs": crs}


def accuracy_sample(city: Any, n: int = 10_000, seed: int = 7) -> list[Sample]:
    """Point (30 %), noisy address (30 %), both (30 %) and neither (10 %) reports."""
    rng, text_rng = np.random.default_rng(seed), random.Random(seed)
    frame = city.addresses[city.addresses.grid.notna()].reset_index(drop=True)
    truth = GridTruth(city)
    picks = rng.integers(0, len(frame), n)
    kinds = rng.choice(["point", "address", "both", "neither"], size=n, p=[0.3, 0.3, 0.3, 0.1])
    samples: list[Sample] = []
    for kind, i in zip(kinds.tolist(), picks.tolist(), strict=True):
        row = frame.iloc[i]
        base = {"source": "app" if kind != "address" else "12345", "description": "样本"}
        if kind == "point":  # somewhere near a building; its true grid from the polygons
            lon, lat = _jitter(rng, row.lon, row.lat, 30.0)
            grid = truth(np.array([lon]), np.array([lat]))[0]
            samples.append(Sample(kind, {**base, "point": _encode(rng, lon, lat)}, grid))
        elif kind == "address":
            text = noisy_query(row.full_text, row.components, list(row.aliases), text_rng)
            samples.append(Sample(kind, {**base, "address": text}, row.grid))
        elif kind == "both":  # a phone at the address: GPS good to ~15 m
            lon, lat = _jitter(rng, row.lon, row.lat, 15.0)
            text = noisy_query(row.full_text, row.components, list(row.aliases), text_rng)
            body = {**base, "address": text, "point": _encode(rng, lon, lat)}
            samples.append(Sample(kind, body, row.grid))
        else:
            road = row.components.get("road", "")
            text = text_rng.choice([road + text_rng.choice(["附近", "旁边", ""]), *VAGUE])
            samples.append(Sample(kind, {**base, "address": text or "附近"}, None))
    return samples


def intake_bodies(city: Any, n: int, seed: int = 11) -> list[dict[str, Any]]:
    """Point reports (GCJ-02) at random standard addresses, for the intake-rate runs."""
    rng = np.random.default_rng(seed)
    frame = city.addresses.iloc[rng.integers(0, len(city.addresses), n)]
    x, y = wgs84_to_gcj02(frame.lon.to_numpy(), frame.lat.to_numpy())
    return [
        {
            "source": "app",
            "category": "environment",
            "description": "垃圾未清运",
            "point": {"lon": round(float(a), 7), "lat": round(float(b), 7), "crs": "gcj02"},
        }
        for a, b in zip(x, y, strict=True)
    ]


def stat_rows(city: Any, n: int, seed: int = 3) -> pd.DataFrame:
    """``n`` historical reports over two years in every grid, as ``reports`` columns."""
    rng = np.random.default_rng(seed)
    grids = np.array(sorted(a.code for a in city.areas if a.level is Level.GRID), dtype=object)
    grid = grids[rng.integers(0, len(grids), n)]
    now = pd.Timestamp(datetime.now(UTC))
    reported = pd.Series(now - pd.to_timedelta(rng.random(n) * 730, unit="D"))
    status = rng.choice(
        ["new", "dispatched", "in_progress", "resolved", "closed"],
        size=n,
        p=[0.03, 0.03, 0.04, 0.05, 0.85],
    )
    closed = reported + pd.to_timedelta(rng.gamma(2.0, 12.0, n), unit="h")
    due = reported + pd.Series(np.where(status == "new", 6.0, 15.0)).map(
        lambda h: timedelta(hours=h)
    )
    frame = pd.DataFrame(
        {
            "source": "import",
            "idempotency_key": [f"bench:{i}" for i in range(n)],
            "request_hash": "0" * 64,
            "status": status,
            "flags": "{}",
            "district": [g[:6] for g in grid],
            "street": [g[:9] for g in grid],
            "community": [g[:12] for g in grid],
            "grid": grid,
            "reported_at": reported,
            "created_at": reported,
            "updated_at": now,
            "closed_at": closed.where(status == "closed"),
            "sla_due_at": due.where(np.isin(status, ["new", "dispatched"])),
            "reopen_count": 0,
            "revision": 1,
        }
    )
    return frame


def regeocode_frame(city: Any, n: int, seed: int = 5) -> pd.DataFrame:
    """``n`` historical reports: 98 % with a stored point (mixed CRS), 2 % address only."""
    rng, text_rng = np.random.default_rng(seed), random.Random(seed)
    frame = city.addresses.iloc[rng.integers(0, len(city.addresses), n)].reset_index(drop=True)
    lon = frame.lon.to_numpy() + rng.normal(0, 1e-4, n)
    lat = frame.lat.to_numpy() + rng.normal(0, 1e-4, n)
    gx, gy = wgs84_to_gcj02(lon, lat)
    out = pd.DataFrame({"report_id": np.arange(n), "lon": gx, "lat": gy, "crs": "gcj02"})
    only_address = rng.random(n) < 0.02
    out.loc[only_address, ["lon", "lat"]] = np.nan
    out["address"] = pd.array(
        [
            noisy_query(t, c, list(a), text_rng) if o else None
            for t, c, a, o in zip(
                frame.full_text, frame.components, frame.aliases, only_address, strict=True
            )
        ],
        dtype="string",
    )
    return out
