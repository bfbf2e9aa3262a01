"""Reading locate batches and writing locate answers, fast.

A batch of 100,000 points is about 3 MB of JSON. It is parsed by orjson and turned into NumPy
arrays in one call; only when that fails is the body walked point by point, to name the first
bad one (``points[17]``). Answers are stitched from per-area JSON fragments (full form) or
dumped by orjson from rows of codes (compact form), never through Pydantic models.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import orjson

from api.locate.fast import CodeRows, points_span, read_points
from geo.areas import LEVELS
from geo.crs import Crs, to_cgcs2000, validate_lonlat
from geo.errors import InvalidInputError
from geo.locate import Locator

__all__ = ["AnswerWriter", "PointBatch", "TooManyPointsError", "parse_batch"]

FloatArray = npt.NDArray[np.float64]
LEVEL_KEYS = [f'"{level.value}":'.encode() for level in LEVELS]


class TooManyPointsError(Exception):
    """The batch holds more points than allowed (answered 413 by the router)."""

    def __init__(self, count: int, limit: int, *, features: bool = False) -> None:
        super().__init__(f"a batch holds at most {limit} points; got {count}")
        self.count, self.limit, self.features = count, limit, features


@dataclass(slots=True)
class PointBatch:
    """Points of a batch in CGCS2000, and the features they came from (None for ``points``)."""

    lon: FloatArray
    lat: FloatArray
    features: list[dict[str, Any]] | None
    collection: dict[str, Any] | None


def _loads(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        try:  # the stdlib reads NaN, Infinity and 1e999, so that the bad value can be named
            return json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise InvalidInputError(f"the body is not valid JSON: {exc}", field="body") from None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _first_bad_pair(items: list[Any], *, allow_z: bool) -> int | None:
    """Index of the first item that is not [number, number] (or [number, number, number])."""
    for i, item in enumerate(items):
        ok_len = isinstance(item, list) and (len(item) == 2 or (allow_z and len(item) == 3))
        if not ok_len or not all(_is_number(v) for v in item):
            return i
    return None


def _pairs_to_arrays(pairs: list[Any], field: str, *, allow_z: bool, raw: bytes) -> FloatArray:
    """An (n, 2) float array from a list of [lon, lat] lists, naming the first bad one."""
    arr: FloatArray | None = None
    if b"true" not in raw and b"false" not in raw:  # else bools would pass as 1.0 / 0.0
        try:  # no dtype: strings must not be parsed into numbers
            candidate = np.array(pairs)
        except (ValueError, TypeError):
            candidate = None
        if (
            candidate is not None
            and candidate.dtype.kind in "fiu"
            and candidate.ndim == 2
            and (candidate.shape[1] == 2 or (allow_z and candidate.shape[1] == 3))
        ):
            arr = candidate.astype(np.float64, copy=False)
    if arr is None:
        bad = _first_bad_pair(pairs, allow_z=allow_z)
        if bad is not None:
            raise InvalidInputError(
                f"{field}[{bad}] must be [lon, lat] with two numbers, got "
                f"{json.dumps(pairs[bad])[:60]}",
                field=f"{field}[{bad}]",
            )
        arr = np.array([p[:2] for p in pairs], dtype=np.float64).reshape(-1, 2)
    return arr[:, :2] if arr.size else np.empty((0, 2))


def _feature_points(features: list[Any]) -> list[Any]:
    coords: list[Any] = []
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise InvalidInputError(
                f'features[{i}] must be a GeoJSON Feature ("type": "Feature")',
                field=f"features[{i}]",
            )
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            raise InvalidInputError(
                f"features[{i}].geometry must be a GeoJSON Point", field=f"features[{i}].geometry"
            )
        props = feature.get("properties")
        if props is not None and not isinstance(props, dict):
            raise InvalidInputError(
                f"features[{i}].properties must be an object or null",
                field=f"features[{i}].properties",
            )
        position = geometry.get("coordinates")
        if not (
            isinstance(position, list)
            and len(position) in (2, 3)
            and all(_is_number(v) for v in position)
        ):
            raise InvalidInputError(
                f"features[{i}].geometry.coordinates must be [lon, lat] numbers",
                field=f"features[{i}].geometry.coordinates",
            )
        coords.append(position)
    return coords


def _fast_points(body: bytes) -> tuple[dict[str, Any], FloatArray] | None:
    """The document (its points emptied) and the points, when the byte-level reader applies."""
    span = points_span(body)
    if span is None:
        return None
    xy = read_points(body, span)
    if xy is None:
        return None
    try:  # the rest of the document, with the points replaced by []
        doc = orjson.loads(body[: span[0]] + b"[]" + body[span[1] :])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or doc.get("points") != [] or "type" in doc:
        return None  # "points" was not the top-level key, or this is GeoJSON
    return doc, xy


def parse_batch(body: bytes, *, crs: str | None, max_points: int) -> PointBatch:
    """Parse a batch body: ``{"crs", "points"}`` or a GeoJSON FeatureCollection of points.

    Raises
    ------
    InvalidInputError
        Malformed JSON, a bad point or feature (the field names its index), an unknown crs,
        or a coordinate that is not finite or out of range.
    TooManyPointsError
        More than ``max_points`` points.
    """
    fast = _fast_points(body)
    doc = fast[0] if fast is not None else _loads(body)
    if not isinstance(doc, dict):
        raise InvalidInputError(
            'the body must be an object: {"crs": ..., "points": [[lon, lat], ...]} '
            "or a GeoJSON FeatureCollection",
            field="body",
        )
    features: list[dict[str, Any]] | None = None
    if doc.get("type") == "FeatureCollection":
        raw_features = doc.get("features")
        if not isinstance(raw_features, list):
            raise InvalidInputError("features must be an array of Features", field="features")
        if len(raw_features) > max_points:
            raise TooManyPointsError(len(raw_features), max_points, features=True)
        features = raw_features
        xy = _pairs_to_arrays(_feature_points(raw_features), "features", allow_z=True, raw=b"")
        prefix = "features"
    elif fast is not None:
        if fast[1].shape[0] > max_points:
            raise TooManyPointsError(fast[1].shape[0], max_points)
        xy, prefix = fast[1], "points"
    else:
        points = doc.get("points")
        if points is None:
            raise InvalidInputError("points is required: [[lon, lat], ...]", field="points")
        if not isinstance(points, list):
            raise InvalidInputError("points must be an array of [lon, lat]", field="points")
        if len(points) > max_points:
            raise TooManyPointsError(len(points), max_points)
        xy = _pairs_to_arrays(points, "points", allow_z=False, raw=body)
        prefix = "points"
    crs_name = crs if crs is not None else doc.get("crs", "wgs84")
    if not isinstance(crs_name, str):
        raise InvalidInputError("crs must be a string such as 'gcj02'", field="crs")
    source = Crs.parse(crs_name)
    lon, lat = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    if prefix == "features":
        bad = ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidInputError(
                f"features[{i}].geometry.coordinates must be finite lon/lat within range",
                field=f"features[{i}].geometry.coordinates",
            )
    else:
        validate_lonlat(lon, lat, field_prefix="points")
    if source not in (Crs.WGS84, Crs.CGCS2000):
        lon, lat = to_cgcs2000(lon, lat, source)
    return PointBatch(lon, lat, features, doc if features is not None else None)


class AnswerWriter:
    """JSON answers for one locator, from per-area fragments built on first use."""

    _cache: ClassVar[weakref.WeakKeyDictionary[Locator, AnswerWriter]] = weakref.WeakKeyDictionary()

    def __init__(self, locator: Locator) -> None:
        self.locator = locator
        self._fragments: list[list[bytes | None]] = [
            [None] * len(locator.areas(level)) for level in LEVELS
        ]
        self._rows = CodeRows([locator.code_table(level) for level in LEVELS])

    @classmethod
    def of(cls, locator: Locator) -> AnswerWriter:
        writer = cls._cache.get(locator)
        if writer is None:
            writer = cls._cache[locator] = cls(locator)
        return writer

    def fragment(self, depth: int, position: int) -> bytes:
        """The JSON of one area (``{"code", "name", "kind", "team"}``), or ``null``."""
        if position < 0:
            return b"null"
        cached = self._fragments[depth][position]
        if cached is None:
            area = self.locator.areas(LEVELS[depth])[position]
            team = area.team.as_dict() if area.team else None
            cached = orjson.dumps(
                {"code": area.code, "name": area.name, "kind": area.kind, "team": team}
            )
            self._fragments[depth][position] = cached
        return cached

    def point(self, positions: list[int]) -> bytes:
        """``{"covered", "areas"}`` for one point's five positions."""
        covered = b"true" if max(positions) >= 0 else b"false"
        parts = [
            key + self.fragment(depth, p)
            for depth, (key, p) in enumerate(zip(LEVEL_KEYS, positions, strict=True))
        ]
        return b'{"covered":' + covered + b',"areas":{' + b",".join(parts) + b"}}"

    def single(self, positions: list[int]) -> bytes:
        body = self.point(positions)
        return body[:-1] + b',"version":' + str(self.locator.version).encode() + b"}"

    def codes(self, found: npt.NDArray[np.int32]) -> list[list[str | None]]:
        """Rows of five codes (None where no area covers the point)."""
        columns = [self.locator.code_table(level)[found[level.depth]] for level in LEVELS]
        rows: list[list[str | None]] = np.stack(columns, axis=1).tolist()
        return rows

    def batch(self, found: npt.NDArray[np.int32], *, codes_only: bool) -> bytes:
        version = self.locator.version
        if codes_only:
            levels = orjson.dumps([level.value for level in LEVELS])
            head = b'{"version":' + str(version).encode() + b',"levels":' + levels
            return head + b',"results":' + self._rows.rows(found) + b"}"
        results = b",".join(self.point(column) for column in found.T.tolist())
        return b'{"version":' + str(version).encode() + b',"results":[' + results + b"]}"

    def features(
        self, found: npt.NDArray[np.int32], batch: PointBatch, *, codes_only: bool
    ) -> bytes:
        """The FeatureCollection with each feature's areas added to its properties."""
        assert batch.features is not None and batch.collection is not None
        names = [level.value for level in LEVELS]
        if codes_only:
            for feature, row in zip(batch.features, self.codes(found), strict=True):
                props = feature.get("properties") or {}
                props.update(zip(names, row, strict=True))
                props["covered"] = any(code is not None for code in row)
                feature["properties"] = props
        else:
            for feature, column in zip(batch.features, found.T.tolist(), strict=True):
                props = feature.get("properties") or {}
                for depth, (name, p) in enumerate(zip(names, column, strict=True)):
                    props[name] = orjson.Fragment(self.fragment(depth, p))
                props["covered"] = max(column) >= 0
                feature["properties"] = props
        batch.collection["version"] = self.locator.version
        return orjson.dumps(batch.collection)
