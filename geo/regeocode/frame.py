"""Placing one frame of historical reports: the work every partition does, locally or on Dask.

Each process builds its :class:`~geo.reports.location.LocationPipeline` once from the store
(per worker on a Dask cluster), so the scheduler never ships the boundaries around.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from geo.areas import LEVELS
from geo.crs import Crs, to_cgcs2000
from geo.errors import InvalidInputError
from geo.reports import LocationPipeline, Placed, ReportPolicy
from geo.reports.location import METHODS, STATUSES

__all__ = ["RESULT_COLUMNS", "RegeocodeOptions", "regeocode_frame", "tally"]

RESULT_COLUMNS = ("status", "method", "confidence", "flags", "lon_cgcs2000", "lat_cgcs2000",
                  *(level.value for level in LEVELS), "area_version")  # fmt: skip
AddressMode = Literal["missing", "all", "none"]


@dataclass(frozen=True)
class RegeocodeOptions:
    """What to read and how to place it.

    ``addresses``: ``missing`` geocodes the address only of rows without a usable point (a
    historical report's stored point already is its location; this is the fast default),
    ``all`` cross-checks every address against its point as live intake does, ``none``
    ignores addresses.
    """

    store_url: str
    crs: str = "wgs84"
    lon_column: str = "lon"
    lat_column: str = "lat"
    address_column: str = "address"
    crs_column: str = "crs"
    addresses: AddressMode = "missing"
    policy: ReportPolicy = field(default_factory=ReportPolicy)
    geocoder_threshold: float = 0.9


# -- one partition -------------------------------------------------------------------------------
_pipelines: dict[tuple[str, bool, float], LocationPipeline] = {}
_pipeline_lock = threading.Lock()


def _pipeline(options: RegeocodeOptions, with_geocoder: bool) -> LocationPipeline:
    """This process's pipeline for a store, built once (per worker on a Dask cluster)."""
    key = (options.store_url, with_geocoder, options.geocoder_threshold)
    with _pipeline_lock:
        found = _pipelines.get(key)
        if found is None:
            from geo.geocode import GeocoderHolder
            from geo.locate import Locator
            from geo.stores import open_store

            store = open_store(options.store_url, pool_size=1)
            version = store.current_version()
            locator = Locator(store.current_areas(), version)
            geocoder = None
            if with_geocoder:
                holder = GeocoderHolder(store, threshold=options.geocoder_threshold)
                geocoder = holder.build(version)
            store.dispose()
            found = _pipelines[key] = LocationPipeline(locator, geocoder, options.policy)
    return found


def _floats(column: pd.Series) -> np.ndarray:
    return np.array(pd.to_numeric(column, errors="coerce").to_numpy(np.float64, na_value=np.nan))


def _points(frame: pd.DataFrame, options: RegeocodeOptions) -> tuple[np.ndarray, np.ndarray]:
    n = len(frame)
    if options.lon_column not in frame or options.lat_column not in frame:
        return np.full(n, np.nan), np.full(n, np.nan)
    x = _floats(frame[options.lon_column])
    y = _floats(frame[options.lat_column])
    bad = ~((np.abs(x) <= 180) & (np.abs(y) <= 90))
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    if options.crs_column in frame:
        names = frame[options.crs_column].astype("string").fillna(options.crs).str.lower()
    else:
        names = pd.Series(options.crs, index=frame.index, dtype="string")
    for name in names.unique().tolist():
        rows = (names == name).to_numpy(bool) & ~bad
        try:
            crs = Crs.parse(str(name))
        except InvalidInputError:
            continue  # an unknown crs leaves the row without a point
        if rows.any():
            lon[rows], lat[rows] = to_cgcs2000(x[rows], y[rows], crs)
    return lon, lat


def regeocode_frame(frame: pd.DataFrame, options: RegeocodeOptions) -> pd.DataFrame:
    """Place every row of a frame; the input columns followed by :data:`RESULT_COLUMNS`."""
    lon, lat = _points(frame, options)
    addresses: list[str | None] = [None] * len(frame)
    if options.addresses != "none" and options.address_column in frame:
        text = frame[options.address_column].astype("string").str.strip().str.slice(0, 200)
        wanted = text.notna() & (text != "")
        if options.addresses == "missing":
            wanted &= ~np.isfinite(lon)
        addresses = [t if w else None for t, w in zip(text.tolist(), wanted.tolist(), strict=True)]
    if len(frame) == 0:
        return pd.concat([frame, _empty_result(frame.index)], axis=1)
    pipeline = _pipeline(options, with_geocoder=any(a is not None for a in addresses))
    placed = pipeline.place_arrays(lon, lat, addresses)
    result = _result(placed, frame.index)
    return pd.concat(
        [frame.drop(columns=[c for c in RESULT_COLUMNS if c in frame]), result], axis=1
    )


def _result(placed: Placed, index: pd.Index) -> pd.DataFrame:
    status = np.array([s.value for s in STATUSES], dtype=object)[placed.status]
    method = np.array([m.value for m in METHODS], dtype=object)[placed.method]
    columns: dict[str, Any] = {
        "status": pd.array(status, dtype="string"),
        "method": pd.array(method, dtype="string"),
        "confidence": placed.confidence.round(4),
        "flags": pd.array([";".join(f) or None for f in placed.flags], dtype="string"),
        "lon_cgcs2000": placed.lon,
        "lat_cgcs2000": placed.lat,
    }
    for level in LEVELS:
        columns[level.value] = pd.array(placed.codes(level), dtype="string")
    columns["area_version"] = np.full(len(placed), placed.locator.version, dtype=np.int64)
    return pd.DataFrame(columns, index=index)


def _empty_result(index: pd.Index) -> pd.DataFrame:
    text = {c: pd.array([], dtype="string") for c in ("status", "method", "flags")}
    codes = {level.value: pd.array([], dtype="string") for level in LEVELS}
    floats = {c: np.empty(0) for c in ("confidence", "lon_cgcs2000", "lat_cgcs2000")}
    columns = {**text, **floats, **codes, "area_version": np.empty(0, dtype=np.int64)}
    return pd.DataFrame({c: columns[c] for c in RESULT_COLUMNS}, index=index)


def tally(frame: pd.DataFrame) -> Counter[tuple[str, str]]:
    """Rows per status and per method, to summarise a run."""
    counts: Counter[tuple[str, str]] = Counter()
    for column in ("status", "method"):
        for value, n in frame[column].value_counts().items():
            counts[(column, str(value))] += int(n)
    return counts
