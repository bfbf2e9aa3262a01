"""Reading area files for import, collecting every bad record with its reason.

Files are read with pyogrio (GeoJSON, GeoPackage, Shapefile) through :mod:`geo.files`.
Nothing is written here: the caller stores the result only when no record was rejected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from geo.areas.levels import Level, level_of_code
from geo.areas.records import NewArea, Team
from geo.areas.validation import Rejection
from geo.errors import InvalidInputError
from geo.files import cell_text, read_frame, to_cgcs2000

__all__ = ["read_area_file"]

_AREA_FIELDS = {"code", "name", "level", "parent_code", "kind", "team_name", "team_leader",
                "team_phone", "geometry", "attributes"}  # fmt: skip
# Written by ``onemap export areas`` for information; a new import makes new versions.
_EXPORT_ONLY = {"version", "valid_from", "valid_to"}
# Shapefile names are ten characters at most: the export writes these short forms.
_SHORT_NAMES = {"parent": "parent_code", "team_lead": "team_leader"}


def read_area_file(
    path: Path, *, level: Level | None = None
) -> tuple[list[NewArea], list[Rejection]]:
    """Areas from a GeoJSON/GeoPackage/Shapefile with at least ``code``, ``name``, a polygon.

    ``level`` and ``parent_code`` are taken from the code's length when the file lacks them;
    ``team_name``/``team_leader``/``team_phone`` form the team; other columns become attributes.
    """
    frame = read_frame(path)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise InvalidInputError(f"{path.name} has no geometry column", field="file")
    missing = [c for c in ("code", "name") if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{path.name} lacks columns: {', '.join(missing)}", field="file")
    frame = to_cgcs2000(frame)
    frame = frame.rename(
        columns={k: v for k, v in _SHORT_NAMES.items() if k in frame and v not in frame}
    )
    extra_columns = [c for c in frame.columns if c not in _AREA_FIELDS | _EXPORT_ONLY]
    areas: list[NewArea] = []
    rejections: list[Rejection] = []
    for index, row in enumerate(frame.itertuples(index=False)):
        record = row._asdict()
        code = cell_text(record.get("code"))
        try:
            if code is None:
                raise InvalidInputError("code is missing", field="code")
            code_level = level_of_code(code)
            given_level = cell_text(record.get("level"))
            row_level = Level.parse(given_level) if given_level else (level or code_level)
            geometry = record.get("geometry")
            if geometry is None:
                raise InvalidInputError("geometry is missing or unreadable", field="geometry")
        except InvalidInputError as exc:
            rejections.append(Rejection(index, code, exc.field or "code", exc.message))
            continue
        parent = cell_text(record.get("parent_code"))
        if parent is None and row_level is not Level.DISTRICT:
            parent = code[:-3]
        team_name = cell_text(record.get("team_name"))
        team = (
            Team(
                team_name, cell_text(record.get("team_leader")), cell_text(record.get("team_phone"))
            )
            if team_name
            else None
        )
        try:
            attributes = _attributes(record.get("attributes"))
        except InvalidInputError as exc:
            rejections.append(Rejection(index, code, "attributes", exc.message))
            continue
        attributes.update(
            {c: _jsonable(record[c]) for c in extra_columns if cell_text(record[c]) is not None}
        )
        areas.append(
            NewArea(
                code=code,
                level=row_level,
                name=cell_text(record.get("name")) or "",
                geometry=geometry,
                parent_code=parent,
                kind=cell_text(record.get("kind")),
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
    text = cell_text(value)
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
