"""Reading area and address files for import, collecting every bad record with its reason.

Files are read with pyogrio (GeoJSON, GeoPackage, Shapefile, CSV). Nothing is written here:
the caller stores the result only when no record was rejected.
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
from pyproj import CRS

from geo.errors import InvalidInputError
from geo.levels import LEVELS, Level, level_of_code
from geo.locator import Locator
from geo.records import AREA_SRID, NewArea, Team
from geo.validation import CHINA_BOUNDS, Rejection

__all__ = ["COMPONENT_TAGS", "prepare_addresses", "read_address_file", "read_area_file"]

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
_AREA_FIELDS = {"code", "name", "level", "parent_code", "kind", "team_name", "team_leader",
                "team_phone", "geometry", "attributes"}  # fmt: skip
# Written by ``onemap export areas`` for information; a new import makes new versions.
_EXPORT_ONLY = {"version", "valid_from", "valid_to"}
# Shapefile names are ten characters at most: the export writes these short forms.
_SHORT_NAMES = {"parent": "parent_code", "team_lead": "team_leader"}
MAX_ADDRESS_LENGTH = 200


def _read_frame(path: Path) -> gpd.GeoDataFrame | pd.DataFrame:
    if not path.exists():
        raise InvalidInputError(f"no such file: {path}", field="file")
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        return gpd.read_file(path, engine="pyogrio")
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(f"cannot read {path.name}: {exc}", field="file") from None
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise InvalidInputError(f"cannot read {path.name}: {exc}", field="file") from None


def _to_cgcs2000(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4490; lon/lat data in WGS84 or without a CRS is taken as it is."""
    if frame.crs is None:
        return frame.set_crs(AREA_SRID)
    crs = CRS.from_user_input(frame.crs)
    if (
        crs.is_geographic
        and crs.ellipsoid is not None
        and crs.ellipsoid.semi_major_metre == 6378137
    ):
        return frame.set_crs(AREA_SRID, allow_override=True)  # WGS84/CGCS2000: < 1 m apart
    return frame.to_crs(AREA_SRID)


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def read_area_file(
    path: Path, *, level: Level | None = None
) -> tuple[list[NewArea], list[Rejection]]:
    """Areas from a GeoJSON/GeoPackage/Shapefile with at least ``code``, ``name``, a polygon.

    ``level`` and ``parent_code`` are taken from the code's length when the file lacks them;
    ``team_name``/``team_leader``/``team_phone`` form the team; other columns become attributes.
    """
    frame = _read_frame(path)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise InvalidInputError(f"{path.name} has no geometry column", field="file")
    missing = [c for c in ("code", "name") if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{path.name} lacks columns: {', '.join(missing)}", field="file")
    frame = _to_cgcs2000(frame)
    frame = frame.rename(
        columns={k: v for k, v in _SHORT_NAMES.items() if k in frame and v not in frame}
    )
    extra_columns = [c for c in frame.columns if c not in _AREA_FIELDS | _EXPORT_ONLY]
    areas: list[NewArea] = []
    rejections: list[Rejection] = []
    for index, row in enumerate(frame.itertuples(index=False)):
        record = row._asdict()
        code = _text(record.get("code"))
        try:
            if code is None:
                raise InvalidInputError("code is missing", field="code")
            code_level = level_of_code(code)
            given_level = _text(record.get("level"))
            row_level = Level.parse(given_level) if given_level else (level or code_level)
            geometry = record.get("geometry")
            if geometry is None:
                raise InvalidInputError("geometry is missing or unreadable", field="geometry")
        except InvalidInputError as exc:
            rejections.append(Rejection(index, code, exc.field or "code", exc.message))
            continue
        parent = _text(record.get("parent_code"))
        if parent is None and row_level is not Level.DISTRICT:
            parent = code[:-3]
        team_name = _text(record.get("team_name"))
        team = (
            Team(team_name, _text(record.get("team_leader")), _text(record.get("team_phone")))
            if team_name
            else None
        )
        try:
            attributes = _attributes(record.get("attributes"))
        except InvalidInputError as exc:
            rejections.append(Rejection(index, code, "attributes", exc.message))
            continue
        attributes.update(
            {c: _jsonable(record[c]) for c in extra_columns if _text(record[c]) is not None}
        )
        areas.append(
            NewArea(
                code=code,
                level=row_level,
                name=_text(record.get("name")) or "",
                geometry=geometry,
                parent_code=parent,
                kind=_text(record.get("kind")),
                team=team,
                attributes=attributes,
            )
        )
    return areas, rejections


def _attributes(value: Any) -> dict[str, Any]:
    """The ``attributes`` column: a JSON object as text (what the export writes), or empty.

    GDAL writes JSON text into GeoJSON as a nested object and reads it back as a dict.
    """
    if isinstance(value, dict):
        return value
    text = _text(value)
    if text is None:
        return {}
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        raise InvalidInputError("attributes must be a JSON object", field="attributes") from None
    if not isinstance(parsed, dict):
        raise InvalidInputError("attributes must be a JSON object", field="attributes")
    return parsed


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def read_address_file(path: Path) -> pd.DataFrame:
    """Addresses from CSV (``full_text``, ``lon``, ``lat``) or GeoJSON points, as text columns.

    Components come from a JSON ``components`` column or from one column per element tag
    (``road``, ``roadno``, ``poi``, ``houseno``, ...); ``aliases`` is ``|``-separated.
    """
    frame = _read_frame(path)
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry is not None:
        frame = _to_cgcs2000(frame)
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
    raw = _text(record.get("components"))
    if raw:
        parsed = json.loads(raw)
        if not isinstance(parsed, dict):
            raise ValueError("components must be a JSON object")
        return {str(k): str(v) for k, v in parsed.items() if k in COMPONENT_TAGS and v}
    return {tag: text for tag in COMPONENT_TAGS if (text := _text(record.get(tag)))}


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
        full_text = _text(record.get("full_text"))
        code = _text(record.get("code"))
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
        aliases = [a for a in (_text(record.get("aliases")) or "").split("|") if a.strip()]
        rows.append({"_index": index, "code": code, "full_text": full_text,
                     "components": components, "lon": lon, "lat": lat, "aliases": aliases,
                     "status": _text(record.get("status")) or "active"})  # fmt: skip
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
