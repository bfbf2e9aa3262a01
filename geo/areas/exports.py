"""Writing areas to GeoJSON, GeoPackage and Shapefile with pyogrio, in a shape imports read back.

The columns are the ones :func:`geo.areas.imports.read_area_file` understands, so an exported file
re-imports unchanged: ``code``, ``name``, ``level``, ``parent_code``, ``kind``, the team as
``team_name``/``team_leader``/``team_phone``, the free attributes as one JSON text column
``attributes`` (lossless for any value), and ``version``/``valid_from`` for information.
Shapefile allows ten-character field names, so there ``parent_code`` is written ``parent`` and
``team_leader`` ``team_lead``; its text is written as UTF-8 and a ``.cpg`` file says so.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.areas.levels import Level, level_of_code
from geo.areas.query import AreaQuery
from geo.areas.records import AreaRecord
from geo.crs import AREA_SRID
from geo.errors import InvalidInputError

__all__ = [
    "EXPORT_FORMATS",
    "SHAPEFILE_NAMES",
    "AreaExport",
    "ExportFormat",
    "export_areas",
    "format_of",
    "parse_crs",
    "zip_shapefile",
]

ExportFormat = Literal["geojson", "gpkg", "shp"]
EXPORT_FORMATS: dict[ExportFormat, tuple[str, str]] = {
    "geojson": ("GeoJSON", ".geojson"),
    "gpkg": ("GPKG", ".gpkg"),
    "shp": ("ESRI Shapefile", ".shp"),
}
_SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".shp": "shp"}
SHAPEFILE_NAMES = {"parent_code": "parent", "team_leader": "team_lead"}
"""Columns renamed in a Shapefile (ten characters at most); imports accept either name."""
SHAPEFILE_TEXT_BYTES = 254
_CHUNK = 5000
LAYER = "areas"

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class AreaExport:
    """Which areas to write: a level, a subtree (the area and everything in it), a time."""

    level: Level | None = None
    under: str | None = None
    as_of: datetime | None = None


def format_of(path: Path, given: str | None = None) -> ExportFormat:
    """The format named by ``given`` (geojson, gpkg, shp) or by the file's extension."""
    if given is not None:
        name = given.lower().lstrip(".")
        if name in ("json", "geojson"):
            return "geojson"
        if name in ("gpkg", "shp"):
            return name  # type: ignore[return-value]
        raise InvalidInputError(
            f"unknown format {given!r}; accepted: geojson, gpkg, shp", field="format"
        )
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise InvalidInputError(
            f"cannot tell the format from {path.name!r}: use .geojson, .gpkg or .shp, "
            "or give --format",
            field="format",
        )
    return _SUFFIXES[suffix]  # type: ignore[return-value]


def parse_crs(text: str | None) -> CRS:
    """The output CRS: EPSG:4490 (default), CRS84/EPSG:4326, or any other pyproj can read."""
    if text is None or text.strip() == "":
        return CRS.from_epsg(AREA_SRID)
    name = text.strip()
    if name.upper() in ("CRS84", "OGC:CRS84", "HTTP://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84"):
        return CRS.from_user_input("OGC:CRS84")
    try:
        crs = CRS.from_user_input(name)
    except CRSError:
        raise InvalidInputError(
            f"unknown CRS {text!r}; try EPSG:4490, CRS84 or EPSG:4549", field="crs"
        ) from None
    if not (crs.is_geographic or crs.is_projected) or crs.is_vertical:
        raise InvalidInputError(
            f"{text!r} is not a horizontal (geographic or projected) CRS", field="crs"
        )
    return crs


def _frame(areas: Iterable[AreaRecord], fmt: ExportFormat) -> gpd.GeoDataFrame:
    rows = []
    geometries = []
    for area in areas:
        attributes = json.dumps(area.attributes, ensure_ascii=False, sort_keys=True)
        if fmt == "shp" and len(attributes.encode()) > SHAPEFILE_TEXT_BYTES:
            raise InvalidInputError(
                f"{area.code}: its attributes need {len(attributes.encode())} bytes, more than a "
                f"Shapefile field holds ({SHAPEFILE_TEXT_BYTES}); export as GeoPackage instead",
                field="format",
            )
        team = area.team
        rows.append({
            "code": area.code, "name": area.name, "level": area.level.value,
            "parent_code": area.parent_code, "kind": area.kind,
            "team_name": team.name if team else None,
            "team_leader": team.leader if team else None,
            "team_phone": team.phone if team else None,
            "attributes": attributes if area.attributes else None,
            "version": area.version,
            "valid_from": area.valid_from.isoformat(),
        })  # fmt: skip
        geometries.append(area.geometry)
    columns = ["code", "name", "level", "parent_code", "kind", "team_name", "team_leader",
               "team_phone", "attributes", "version", "valid_from"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns).astype(
        {c: "object" for c in columns if c != "version"}
    )
    if fmt == "shp":
        frame = frame.rename(columns=SHAPEFILE_NAMES)
    return gpd.GeoDataFrame(frame, geometry=geometries, crs=AREA_SRID)


def _pages(
    list_page: Callable[[AreaQuery], tuple[list[AreaRecord], int]],
    query: AreaExport,
    within: str | None,
    progress: Progress,
) -> Iterator[list[AreaRecord]]:
    offset = 0
    while True:
        items, total = list_page(
            AreaQuery(
                level=query.level, within=within, as_of=query.as_of, limit=_CHUNK, offset=offset
            )
        )
        if not items:
            if offset == 0:
                progress("areas written", 0, 0)
            return
        offset += len(items)
        yield items
        progress("areas written", offset, total)
        if offset >= total:
            return


def export_areas(
    list_page: Callable[[AreaQuery], tuple[list[AreaRecord], int]],
    path: Path,
    *,
    query: AreaExport = AreaExport(),
    scope: str | None = None,
    fmt: ExportFormat | None = None,
    crs: CRS | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the selected areas to ``path``; returns how many were written.

    ``list_page`` reads one page (``Store.list_areas`` adapted to ``(items, total)``), so the
    areas are written in chunks of 5,000 and a city never sits in memory as one frame.
    ``scope`` is the caller's key scope: the export stays inside it (403 is the caller's job).
    """
    report = progress or (lambda stage, done, total: None)
    fmt = fmt or format_of(path)
    driver, _ = EXPORT_FORMATS[fmt]
    target = crs or CRS.from_epsg(AREA_SRID)
    within = narrowest(query.under, scope)
    if query.under is not None:
        level_of_code(query.under, field="under")
    _remove_outputs(path, fmt)
    written = 0
    try:
        for page in _pages(list_page, query, within, report):
            frame = _reprojected(_frame(page, fmt), target)
            pyogrio.write_dataframe(
                frame, path, driver=driver, layer=None if fmt == "shp" else LAYER,
                encoding="UTF-8" if fmt == "shp" else None,  # and a .cpg saying so
                append=written > 0, promote_to_multi=True,
            )  # fmt: skip
            written += len(frame)
        if written == 0:
            pyogrio.write_dataframe(
                _frame([], fmt).set_crs(target, allow_override=True), path, driver=driver,
                layer=None if fmt == "shp" else LAYER, geometry_type="MultiPolygon",
                encoding="UTF-8" if fmt == "shp" else None,
            )  # fmt: skip
    except BaseException:
        _remove_outputs(path, fmt)  # no half-written file is left behind
        raise
    return written


def _reprojected(frame: gpd.GeoDataFrame, target: CRS) -> gpd.GeoDataFrame:
    if target.equals(frame.crs):
        return frame
    frame = frame.to_crs(target)
    if not np.isfinite(shapely.get_coordinates(frame.geometry.array)).all():
        raise InvalidInputError(
            f"the areas have no finite coordinates in {target.to_string()}; choose a CRS "
            "that covers China, such as EPSG:4490, CRS84 or EPSG:4549",
            field="crs",
        )
    return frame


def _remove_outputs(path: Path, fmt: ExportFormat) -> None:
    if path.exists():
        path.unlink()
    if fmt == "shp":
        for sibling in path.parent.glob(path.stem + ".*"):
            if sibling.suffix.lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                sibling.unlink()


def narrowest(under: str | None, scope: str | None) -> str | None:
    """The smaller of two subtrees (one code a prefix of the other); None when disjoint is
    not possible to express, so the caller checks :func:`subtree_overlaps` first."""
    if under is None:
        return scope
    if scope is None or under.startswith(scope):
        return under
    return scope


def subtree_overlaps(under: str | None, scope: str | None) -> bool:
    """Whether the subtree ``under`` shares anything with the key's ``scope``."""
    if under is None or scope is None:
        return True
    return under.startswith(scope) or scope.startswith(under)


def zip_shapefile(shp: Path, archive: Path) -> Path:
    """The ``.shp`` and its sidecar files in one zip, as a single download."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for part in sorted(shp.parent.glob(shp.stem + ".*")):
            if part != archive:
                zipped.write(part, part.name)
    return archive
