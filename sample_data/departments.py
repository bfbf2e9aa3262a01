"""The departments' layers of the demo city: what a real city joins onto its one map.

Generated on the sample city where it has grids and addresses: street lamps (路灯), manholes
(井盖 of several kinds) and hydrants (消防设施) along the roads the door numbers are counted on,
building footprints from the standard address library (one per numbered building, with its
households), and enterprises at the street-front doors. Every random choice comes from a
stream derived from the seed and a town's code, as for the rest of the city.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.layers import FieldSpec, GeometryKind, LayerDef
from sample_data.names import stem
from sample_data.roads import town_roads
from sample_data.seeding import derive_rng
from sample_data.sources import load_communities, load_towns
from sample_data.tiling import M_PER_DEG_LAT, M_PER_DEG_LON

__all__ = ["DEPARTMENT_LAYERS", "DepartmentData", "department_layers"]

DEPARTMENT_LAYERS: tuple[LayerDef, ...] = (
    LayerDef(
        "street_lamps",
        "路灯",
        "市政园林局",
        GeometryKind.POINT,
        parts=True,
        fields=(FieldSpec("name", required=True), FieldSpec("road"), FieldSpec("watts", "integer")),
        style={"color": "#f5a623", "radius": 2},
    ),
    LayerDef(
        "manholes",
        "井盖",
        "城市管理局",
        GeometryKind.POINT,
        parts=True,
        fields=(FieldSpec("name", required=True), FieldSpec("road")),
        style={"color": "#6d4c41", "radius": 2},
    ),
    LayerDef(
        "hydrants",
        "消火栓",
        "消防救援支队",
        GeometryKind.POINT,
        parts=True,
        fields=(
            FieldSpec("name", required=True),
            FieldSpec("road"),
            FieldSpec("pressure_mpa", "number"),
        ),
        style={"color": "#d50000", "radius": 3},
    ),
    LayerDef(
        "buildings",
        "建筑",
        "住房和城乡建设局",
        GeometryKind.POLYGON,
        fields=(
            FieldSpec("name", required=True),
            FieldSpec("floors", "integer"),
            FieldSpec("households", "integer"),
        ),
        style={"color": "#78909c", "fillColor": "#b0bec5", "weight": 0.6},
    ),
    LayerDef(
        "enterprises",
        "企业",
        "市场监督管理局",
        GeometryKind.POINT,
        fields=(
            FieldSpec("name", required=True),
            FieldSpec("industry"),
            FieldSpec("employees", "integer"),
        ),
        style={"color": "#6a1b9a", "radius": 3},
    ),
)
"""The demo's layers, as registered; the lamps, manholes and hydrants carry 部件 codes."""

_SPACING_M = {"street_lamps": 50.0, "manholes": 80.0, "hydrants": 200.0}
_MANHOLES = ("0101", "0102", "0103", "0105", "0107", "0111", "0112")
_INDUSTRIES = ("餐饮", "零售", "美容美发", "维修", "物流快递", "教育培训", "医药", "制造")


@dataclass
class DepartmentData:
    """Each demo layer's rows: a GeoDataFrame-like frame (geometry column plus attributes)."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(len(f) for f in self.frames.values())


def _along(start: np.ndarray, end: np.ndarray, spacing_m: float, offset_m: float) -> np.ndarray:
    """Points every ``spacing_m`` along a segment, ``offset_m`` to its right (lon/lat)."""
    scale = np.array([M_PER_DEG_LON, M_PER_DEG_LAT])
    d = (end - start) * scale
    length = float(np.hypot(*d))
    if length < spacing_m:
        return np.empty((0, 2))
    steps = np.arange(spacing_m / 2, length, spacing_m) / length
    normal = np.array([d[1], -d[0]]) / length * offset_m
    return start + np.outer(steps, end - start) + normal / scale


def _road_parts(town_code: str, town: BaseGeometry, seed: int) -> dict[str, pd.DataFrame]:
    """Lamps, manholes and hydrants along one town's roads, the roads addresses use."""
    communities = sorted(
        (c for c in load_communities() if c.town_code == town_code), key=lambda c: c.code
    )
    towns = {t.code: t for t in load_towns()}
    local = [stem(towns[town_code].name)] + [stem(c.place_name) for c in communities]
    roads = town_roads(town, local, derive_rng(seed, "addresses", town_code))
    rng = derive_rng(seed, "departments", town_code)
    out: dict[str, pd.DataFrame] = {}
    for layer, spacing in _SPACING_M.items():
        side = 9.0 if layer == "street_lamps" else (3.0 if layer == "manholes" else -7.0)
        parts = [_along(a, b, spacing, side) for a, b in zip(roads.starts, roads.ends, strict=True)]
        road = np.repeat(np.asarray(roads.names, dtype=object), [len(p) for p in parts])
        seq = np.concatenate([np.arange(1, len(p) + 1) for p in parts])
        xy = np.concatenate(parts)
        inside = shapely.contains_xy(town, xy[:, 0], xy[:, 1])
        xy, road, seq = xy[inside], road[inside], seq[inside]
        n = len(xy)
        frame = pd.DataFrame({"geometry": shapely.points(xy), "road": road})
        if layer == "street_lamps":
            frame["name"] = [f"{r}路灯{i:03d}" for r, i in zip(road, seq, strict=True)]
            frame["class_code"] = "0118"
            frame["watts"] = rng.choice([100, 150, 250], n)
        elif layer == "manholes":
            frame["name"] = [f"{r}井盖{i:03d}" for r, i in zip(road, seq, strict=True)]
            frame["class_code"] = rng.choice(_MANHOLES, n)
        else:
            frame["name"] = [f"{r}消火栓{i:02d}" for r, i in zip(road, seq, strict=True)]
            frame["class_code"] = "0117"
            frame["pressure_mpa"] = np.round(rng.uniform(0.14, 0.45, n), 2)
        out[layer] = frame
    return out


def _buildings(addresses: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One footprint per numbered building, sized by the rooms it holds."""
    rows = addresses[addresses["components"].map(lambda c: "houseno" in c)]
    rows = rows.assign(
        room=rows["full_text"].str.endswith("室"), length=rows["full_text"].str.len()
    )
    heads = rows.sort_values("length").drop_duplicates(["lon", "lat"]).set_index(["lon", "lat"])
    rooms = rows.groupby(["lon", "lat"], sort=True)["room"].sum()
    heads = heads.loc[rooms.index]
    households = np.maximum(rooms.to_numpy(np.int64), 1)
    floors = np.clip(households // 4 + rng.integers(1, 4, len(households)), 2, 33)
    lon = rooms.index.get_level_values(0).to_numpy(np.float64)
    lat = rooms.index.get_level_values(1).to_numpy(np.float64)
    half_w, half_h = 14.0 / M_PER_DEG_LON, 6.0 / M_PER_DEG_LAT
    return pd.DataFrame(
        {
            "geometry": shapely.box(lon - half_w, lat - half_h, lon + half_w, lat + half_h),
            "name": heads["full_text"].str.split("社区", n=1).str[-1].to_numpy(),
            "floors": floors,
            "households": households,
        }
    )


def _enterprises(addresses: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Street-front doors (a road number, no building) host a business, four in ten of them."""
    fronts = addresses[addresses["components"].map(lambda c: "roadno" in c and "houseno" not in c)]
    chosen = fronts[rng.random(len(fronts)) < 0.4]
    n = len(chosen)
    industry = rng.choice(_INDUSTRIES, n)
    where = chosen["components"].map(lambda c: c.get("road", "") + c.get("roadno", ""))
    return pd.DataFrame(
        {
            "geometry": shapely.points(
                chosen["lon"].to_numpy() + rng.normal(0, 3e-5, n),
                chosen["lat"].to_numpy() + rng.normal(0, 3e-5, n),
            ),
            "name": [f"嘉兴市{w}{i}有限公司" for w, i in zip(where, industry, strict=True)],
            "industry": industry,
            "employees": rng.integers(2, 120, n),
        }
    )


def department_layers(
    streets: dict[str, BaseGeometry], addresses: pd.DataFrame, seed: int
) -> DepartmentData:
    """The demo layers over the towns (street code → geometry) that have addresses."""
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in _SPACING_M}
    for code in sorted(set(addresses["street"])):
        for layer, found in _road_parts(code, streets[code], seed).items():
            parts[layer].append(found)
    frames = {name: pd.concat(found, ignore_index=True) for name, found in parts.items()}
    frames["buildings"] = _buildings(addresses, derive_rng(seed, "buildings", "330400"))
    frames["enterprises"] = _enterprises(addresses, derive_rng(seed, "enterprises", "330400"))
    return DepartmentData(frames)
