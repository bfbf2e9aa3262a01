"""Checking every row of a layer file against its layer, before anything is stored.

Each problem names the row (1-based, as a spreadsheet shows it), the field and the reason.
An import stores nothing when any row is refused, unless the caller asked to skip bad rows;
then the good rows are stored and the refused ones listed. The checks run column by column
(NumPy, Shapely 2), so a million rows take seconds, not minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.areas import Level
from geo.crs import in_china
from geo.layers.model import FieldSpec, GeometryKind, LayerDef
from geo.layers.parts import MINOR_CLASSES
from geo.layers.reading import RawRows

__all__ = ["CLASS_CODE", "FeatureBatch", "RowProblem", "validate_rows"]

CLASS_CODE = "class_code"
"""The column of a 部件 layer that carries the GB/T 30428.2 小类 code."""

_TYPES: dict[GeometryKind, tuple[str, ...]] = {
    GeometryKind.POINT: ("Point", "MultiPoint"),
    GeometryKind.LINE: ("LineString", "MultiLineString"),
    GeometryKind.POLYGON: ("Polygon", "MultiPolygon"),
}
_TRUE = {"1", "true", "t", "yes", "y", "是"}
_FALSE = {"0", "false", "f", "no", "n", "否"}


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row was refused: its 1-based position in the file, the field, the reason."""

    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass
class FeatureBatch:
    """Rows ready to store: geometry (CGCS2000), properties, class code, area chain."""

    geoms: npt.NDArray[np.object_]
    properties: list[dict[str, Any]]
    class_codes: list[str | None]
    rows: npt.NDArray[np.int64]
    chains: dict[Level, list[str | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.geoms)


def _empty(values: pd.Series) -> npt.NDArray[np.bool_]:
    text = values.astype("string").str.strip()
    return np.asarray(values.isna() | text.isna() | (text == ""), dtype=bool)


def _convert(spec: FieldSpec, values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """The column in its type (None where empty) and where a non-empty value does not fit."""
    empty = _empty(values)
    if spec.type == "text":
        out = values.astype("string").str.strip().astype(object)
        out[empty] = None
        return out, np.zeros(len(values), dtype=bool)
    if spec.type == "boolean":
        text = values.astype("string").str.strip().str.lower()
        truth = text.isin(_TRUE).to_numpy(bool)
        falsity = text.isin(_FALSE).to_numpy(bool)
        out = pd.Series(np.where(truth, True, False), dtype=object)
        out[empty] = None
        return out, ~empty & ~truth & ~falsity
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(np.float64)
    bad = ~empty & ~np.isfinite(numbers)
    if spec.type == "integer":
        bad |= ~empty & np.isfinite(numbers) & (np.floor(numbers) != numbers)
        out = pd.Series([int(v) if np.isfinite(v) else None for v in numbers], dtype=object)
    else:
        out = pd.Series([float(v) if np.isfinite(v) else None for v in numbers], dtype=object)
    out[empty | bad] = None
    return out, bad


def _geometry_problems(
    layer: LayerDef, raw: RawRows
) -> tuple[npt.NDArray[np.bool_], list[RowProblem]]:
    geoms = raw.geoms
    problems = [RowProblem(i + 1, "geometry", why) for i, why in raw.geometry_errors.items()]
    present = np.array([g is not None for g in geoms], dtype=bool)
    bad = ~present
    idx = np.flatnonzero(present)
    if len(idx):
        live = geoms[idx]
        kinds = shapely.get_type_id(live)
        names = np.asarray(
            [
                "Point",
                "LineString",
                "LinearRing",
                "Polygon",
                "MultiPoint",
                "MultiLineString",
                "MultiPolygon",
                "GeometryCollection",
            ]
        )[kinds]
        wrong = ~np.isin(names, _TYPES[layer.geometry_type])
        empty = shapely.is_empty(live)
        invalid = ~wrong & ~empty & ~shapely.is_valid(live)
        bounds = shapely.bounds(live)
        outside = (
            ~wrong
            & ~empty
            & ~(in_china(bounds[:, 0], bounds[:, 1]) & in_china(bounds[:, 2], bounds[:, 3]))
        )
        for i in np.flatnonzero(wrong).tolist():
            problems.append(
                RowProblem(
                    int(idx[i]) + 1,
                    "geometry",
                    f"{names[i]} in a {layer.geometry_type.value} layer",
                )
            )
        for i in np.flatnonzero(empty & ~wrong).tolist():
            problems.append(RowProblem(int(idx[i]) + 1, "geometry", "the geometry is empty"))
        for i in np.flatnonzero(invalid).tolist():
            reason = shapely.is_valid_reason(live[i])
            problems.append(RowProblem(int(idx[i]) + 1, "geometry", f"invalid: {reason}"))
        for i in np.flatnonzero(outside & ~invalid).tolist():
            problems.append(
                RowProblem(int(idx[i]) + 1, "geometry", "lies outside China: check the crs")
            )
        bad[idx[wrong | empty | invalid | outside]] = True
    return bad, problems


def _fields(layer: LayerDef, columns: pd.DataFrame) -> tuple[FieldSpec, ...]:
    if layer.fields:
        return layer.fields
    # No schema registered: every column is kept as text, under its own name.
    return tuple(FieldSpec(str(c)) for c in columns.columns if str(c) != CLASS_CODE)


def validate_rows(layer: LayerDef, raw: RawRows) -> tuple[FeatureBatch, list[RowProblem]]:
    """The rows that pass every check, and a problem for each check a row fails.

    Checks: a geometry of the layer's kind, valid, inside China; required fields present;
    values of the declared type; on a 部件 layer, a ``class_code`` in the GB/T 30428.2 table.
    """
    n = len(raw)
    bad, problems = _geometry_problems(layer, raw)
    columns = raw.columns
    converted: dict[str, pd.Series] = {}
    for spec in _fields(layer, columns):
        if spec.name not in columns.columns:
            if spec.required:
                raise_missing = RowProblem(0, spec.name, "the file has no such column")
                problems.append(raise_missing)
                bad[:] = True
            continue
        values, wrong = _convert(spec, columns[spec.name])
        missing = _empty(columns[spec.name]) if spec.required else np.zeros(n, dtype=bool)
        for i in np.flatnonzero(wrong).tolist():
            problems.append(
                RowProblem(i + 1, spec.name, f"{columns[spec.name].iloc[i]!r} is not {spec.type}")
            )
        for i in np.flatnonzero(missing).tolist():
            problems.append(RowProblem(i + 1, spec.name, "required, but empty"))
        bad |= wrong | missing
        converted[spec.name] = values
    codes: list[str | None] = [None] * n
    if layer.parts:
        if CLASS_CODE not in columns.columns:
            problems.append(RowProblem(0, CLASS_CODE, "a 部件 layer needs a class_code column"))
            bad[:] = True
        else:
            text = columns[CLASS_CODE].astype("string").str.strip().fillna("")
            unknown = ~text.isin(list(MINOR_CLASSES)).to_numpy(bool)
            for i in np.flatnonzero(unknown).tolist():
                problems.append(
                    RowProblem(
                        i + 1,
                        CLASS_CODE,
                        f"{text.iloc[i]!r} is not a GB/T 30428.2 minor class code",
                    )
                )
            bad |= unknown
            codes = [None if u else c for c, u in zip(text.tolist(), unknown.tolist(), strict=True)]
    keep = np.flatnonzero(~bad)
    frame = pd.DataFrame({name: values for name, values in converted.items()}, index=range(n))
    records = frame.iloc[keep].to_dict("records") if len(frame.columns) else [{}] * len(keep)
    batch = FeatureBatch(
        geoms=raw.geoms[keep],
        properties=[{str(k): v for k, v in r.items() if v is not None} for r in records],
        class_codes=[codes[i] for i in keep.tolist()],
        rows=(keep + 1).astype(np.int64),
    )
    problems.sort(key=lambda p: (p.row, p.field))
    return batch, problems
