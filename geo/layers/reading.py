"""Reading a department's file into CGCS2000 geometries and raw attribute columns.

GeoPackage, Shapefile and GeoJSON come through pyogrio with their own CRS (any EPSG code is
reprojected by pyproj); CSV carries lon/lat columns. Chinese web-map coordinates are not an
EPSG CRS: ``crs="gcj02"`` (Amap, Tencent, WeChat) or ``"bd09"`` (Baidu) converts every vertex
with the exact iterative inverses of :mod:`geo.crs`. Rows whose geometry cannot be read keep
their place (``None``), so the validation can name them by row number.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo.crs import AREA_SRID, Crs, to_cgcs2000
from geo.errors import InvalidInputError
from geo.files import read_frame

__all__ = ["RawRows", "read_layer_file", "rows_from_frame"]

LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")
_CHINESE_CRS = {"gcj02": Crs.GCJ02, "bd09": Crs.BD09}
_LONLAT_CRS = {"wgs84", "cgcs2000", "epsg:4326", "epsg:4490", "crs84"}


@dataclass
class RawRows:
    """What a file holds, before validation: geometries (CGCS2000, None where unreadable),
    the attribute columns as read, and the reason each unreadable geometry was refused."""

    geoms: npt.NDArray[np.object_]
    columns: pd.DataFrame
    geometry_errors: dict[int, str]

    def __len__(self) -> int:
        return len(self.geoms)


def _column(frame: pd.DataFrame, wanted: str | None, names: tuple[str, ...], field: str) -> str:
    if wanted is not None:
        if wanted not in frame.columns:
            raise InvalidInputError(f"the file has no column {wanted!r}", field=field)
        return wanted
    lower = {str(c).strip().lower(): str(c) for c in frame.columns}
    for name in names:
        if name in lower:
            return lower[name]
    raise InvalidInputError(
        f"a CSV layer needs a {field} column (one of {', '.join(names)})", field=field
    )


def _projected(crs: str) -> Transformer:
    try:
        source = CRS.from_user_input(crs)
    except CRSError:
        raise InvalidInputError(
            f"unknown crs {crs!r}; use wgs84, cgcs2000, gcj02, bd09 or EPSG:<code>", field="crs"
        ) from None
    return Transformer.from_crs(source, CRS.from_epsg(AREA_SRID), always_xy=True)


def _convert_vertices(geoms: npt.NDArray[np.object_], crs: str) -> npt.NDArray[np.object_]:
    """Every vertex from ``crs`` (gcj02, bd09, lon/lat or any EPSG code) to CGCS2000."""
    key = crs.strip().lower()
    if key in _LONLAT_CRS:
        return geoms
    if key in _CHINESE_CRS:
        chinese = _CHINESE_CRS[key]

        def convert(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            lon, lat = to_cgcs2000(coords[:, 0], coords[:, 1], chinese)
            return np.column_stack([lon, lat])

        return np.asarray(shapely.transform(geoms, convert), dtype=object)
    transformer = _projected(crs)

    def project(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return np.asarray(shapely.transform(geoms, project), dtype=object)


def _csv_rows(
    frame: pd.DataFrame, crs: str | None, lon_column: str | None, lat_column: str | None
) -> RawRows:
    lon_name = _column(frame, lon_column, LON_NAMES, "lon")
    lat_name = _column(frame, lat_column, LAT_NAMES, "lat")
    lon = pd.to_numeric(frame[lon_name], errors="coerce").to_numpy(np.float64)
    lat = pd.to_numeric(frame[lat_name], errors="coerce").to_numpy(np.float64)
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    geoms = np.asarray(
        shapely.points(np.where(bad, 0.0, lon), np.where(bad, 0.0, lat)), dtype=object
    )
    geoms[bad] = None
    errors = {int(i): f"{lon_name}/{lat_name} are not numbers" for i in np.flatnonzero(bad)}
    geoms = _convert_vertices(geoms, crs or "wgs84")
    columns = frame.drop(columns=[lon_name, lat_name])
    return RawRows(geoms, columns.reset_index(drop=True), errors)


def rows_from_frame(frame: gpd.GeoDataFrame, crs: str | None = None) -> RawRows:
    """Rows of an already-read GeoDataFrame; ``crs`` overrides (or supplies) its CRS."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    key = (crs or "").strip().lower()
    if crs is None or key in _LONLAT_CRS:
        if crs is None and frame.crs is not None:
            geoms = (
                np.asarray(
                    gpd.GeoSeries(geoms, crs=frame.crs).to_crs(AREA_SRID).values, dtype=object
                )
                if not _is_lonlat(frame.crs)
                else geoms
            )
    else:
        geoms = _convert_vertices(geoms, crs)
    missing = np.array([g is None for g in geoms], dtype=bool)
    errors = {int(i): "the row has no geometry" for i in np.flatnonzero(missing)}
    columns = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
    return RawRows(geoms, columns, errors)


def _is_lonlat(crs: object) -> bool:
    parsed = CRS.from_user_input(crs)
    return bool(
        parsed.is_geographic
        and parsed.ellipsoid is not None
        and parsed.ellipsoid.semi_major_metre == 6378137
    )


def read_layer_file(
    path: Path,
    *,
    crs: str | None = None,
    lon_column: str | None = None,
    lat_column: str | None = None,
) -> RawRows:
    """Read a GeoPackage, Shapefile, GeoJSON or CSV (lon/lat columns) layer file.

    ``crs`` names the coordinates' system when the file does not (CSV: default WGS84) or
    when it is a Chinese web-map system the file cannot declare (``gcj02``, ``bd09``).
    """
    frame = read_frame(path)
    if isinstance(frame, gpd.GeoDataFrame):
        return rows_from_frame(frame, crs)
    return _csv_rows(frame, crs, lon_column, lat_column)
