"""Reading address files for import, collecting every bad record with its reason.

A row's area chain is derived from the boundaries (the locator), never taken from the file.
Nothing is written here: the caller stores the result only when no record was rejected.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.areas import CHINA_BOUNDS, LEVELS, Level, Rejection
from geo.errors import InvalidInputError
from geo.files import cell_text, read_frame, to_cgcs2000
from geo.locate import Locator

__all__ = ["COMPONENT_TAGS", "MAX_ADDRESS_LENGTH", "prepare_addresses", "read_address_file"]

COMPONENT_TAGS = (
    "prov",
    "city",
    "district",
    "devzone",
    "town",
    "community",
    "village_group",
    "road",
    "roadno",
    "poi",
    "subpoi",
    "houseno",
    "cellno",
    "floorno",
    "roomno",
    "detail",
)
MAX_ADDRESS_LENGTH = 200


def read_address_file(path: Path) -> pd.DataFrame:
    """Addresses from CSV (``full_text``, ``lon``, ``lat``) or GeoJSON points, as text columns.

    Components come from a JSON ``components`` column or from one column per element tag
    (``road``, ``roadno``, ``poi``, ``houseno``, ...); ``aliases`` is ``|``-separated.
    """
    frame = read_frame(path)
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry is not None:
        frame = to_cgcs2000(frame)
        geometry = frame.geometry
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        is_point = (geometry.geom_type == "Point").to_numpy()
        frame["lon"] = np.where(is_point, geometry.x.where(is_point), np.nan)
        frame["lat"] = np.where(is_point, geometry.y.where(is_point), np.nan)
    if "full_text" not in frame.columns or "lon" not in frame.columns:
        raise InvalidInputError(
            f"{path.name} needs columns full_text, lon, lat (or point geometries)", field="file"
        )
    return frame


def _components(record: Mapping[Any, Any]) -> dict[str, str]:
    raw = cell_text(record.get("components"))
    if raw:
        parsed = json.loads(raw)
        if not isinstance(parsed, dict):
            raise ValueError("components must be a JSON object")
        return {str(k): str(v) for k, v in parsed.items() if k in COMPONENT_TAGS and v}
    return {tag: text for tag in COMPONENT_TAGS if (text := cell_text(record.get(tag)))}


def prepare_addresses(
    frame: pd.DataFrame,
    locator: Locator,
    *,
    existing_codes: set[str] | frozenset[str] = frozenset(),
) -> tuple[pd.DataFrame, list[Rejection]]:
    """Check every address and derive its area chain from the current boundaries.

    Returns the table in the store's shape (see ``geo.stores.ADDRESS_COLUMNS``) and the
    rejections; a point must lie in China and inside one of the city's districts.
    """
    rejections: list[Rejection] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    west, south, east, north = CHINA_BOUNDS
    for index, record in enumerate(frame.to_dict("records")):
        full_text = cell_text(record.get("full_text"))
        code = cell_text(record.get("code"))
        try:
            if full_text is None:
                raise InvalidInputError("full_text is empty", field="full_text")
            if len(full_text) > MAX_ADDRESS_LENGTH:
                raise InvalidInputError(
                    f"full_text is longer than {MAX_ADDRESS_LENGTH} characters", field="full_text"
                )
            lon, lat = _number(record.get("lon"), "lon"), _number(record.get("lat"), "lat")
            if not (west <= lon <= east and south <= lat <= north):
                raise InvalidInputError(
                    f"point ({lon}, {lat}) lies outside China (lon/lat, EPSG:4490)", field="lon"
                )
            components = _components(record)
        except InvalidInputError as exc:
            rejections.append(Rejection(index, code, exc.field or "full_text", exc.message))
            continue
        except (ValueError, json.JSONDecodeError) as exc:
            rejections.append(Rejection(index, code, "components", f"bad components: {exc}"))
            continue
        if code is not None:
            if code in seen:
                rejections.append(
                    Rejection(index, code, "code", f"code appears twice (first at {seen[code]})")
                )
                continue
            if code in existing_codes:
                rejections.append(Rejection(index, code, "code", "code already exists"))
                continue
            seen[code] = index
        aliases = [a for a in (cell_text(record.get("aliases")) or "").split("|") if a.strip()]
        rows.append({"_index": index, "code": code, "full_text": full_text,
                     "components": components, "lon": lon, "lat": lat, "aliases": aliases,
                     "status": cell_text(record.get("status")) or "active"})  # fmt: skip
    table = pd.DataFrame(rows, columns=["_index", "code", "full_text", "components", "lon",
                                        "lat", "aliases", "status"])  # fmt: skip
    chains = locator.codes(table["lon"].to_numpy(float), table["lat"].to_numpy(float))
    for level in LEVELS:
        table[level.value] = chains[level] if len(table) else []
    outside = table[Level.DISTRICT.value].isna().to_numpy() if len(table) else np.array([], bool)
    for position in np.flatnonzero(outside):
        row = table.iloc[int(position)]
        rejections.append(
            Rejection(int(row["_index"]), row["code"], "lon", "point lies outside every district")
        )
    table = table[~outside] if len(table) else table
    missing_code = table["code"].isna()
    if missing_code.any():
        table.loc[missing_code, "code"] = _generated_codes(table[missing_code], existing_codes)
    rejections.sort(key=lambda r: r.index)
    return table.drop(columns="_index").reset_index(drop=True), rejections


def _number(value: Any, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{field} must be a number, got {value!r}", field=field) from None
    if not math.isfinite(number):
        raise InvalidInputError(f"{field} must be finite", field=field)
    return number


def _generated_codes(rows: pd.DataFrame, existing: set[str] | frozenset[str]) -> Sequence[str]:
    """Codes for addresses that came without one: the deepest area's code + a sequence."""
    codes: list[str] = []
    counters: dict[str, int] = {}
    for _, row in rows.iterrows():
        base = next(row[lv.value] for lv in reversed(LEVELS) if row[lv.value] is not None)
        while True:
            counters[base] = counters.get(base, 0) + 1
            candidate = f"{base}{counters[base]:06d}"
            if candidate not in existing:
                break
        codes.append(candidate)
    return codes
