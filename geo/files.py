"""Reading the files people bring (GeoJSON, GeoPackage, Shapefile, CSV) into frames.

Every import reads through here, so a bad file is the same clear 4xx whatever is imported,
and every geometry arrives in CGCS2000 (EPSG:4490). Nothing is written here.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from geo.crs import AREA_SRID
from geo.errors import InvalidInputError

__all__ = ["cell_text", "read_frame", "to_cgcs2000"]


def read_frame(path: Path) -> gpd.GeoDataFrame | pd.DataFrame:
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


def to_cgcs2000(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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


def cell_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None
