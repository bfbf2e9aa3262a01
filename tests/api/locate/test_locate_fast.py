"""The byte-level batch reader and row writer agree with the general JSON path."""

from __future__ import annotations

import json

import numpy as np
import orjson
import pytest

from api.locate.batch import TooManyPointsError, parse_batch
from api.locate.fast import CodeRows, points_span, read_points
from geo.errors import InvalidInputError


def fast(body: bytes) -> np.ndarray | None:
    span = points_span(body)
    return None if span is None else read_points(body, span)


@pytest.mark.parametrize(
    "text",
    [
        '{"crs": "gcj02", "points": [[120.5, 30.25], [-1e-3, 2E+1]]}',
        '{"points":[ [ 120 , 30 ] ,[121.000001,30.5]] , "crs":"wgs84"}',
        '{"points": [[120.5, 30.25]]}',
    ],
)
def test_plain_pairs_are_read_exactly(text: str) -> None:
    expected = np.array(json.loads(text)["points"], dtype=np.float64)
    got = fast(text.encode())
    assert got is not None and np.array_equal(got, expected)


def test_an_empty_array_is_read() -> None:
    got = fast(b'{"points": []}')
    assert got is not None and got.shape == (0, 2)


@pytest.mark.parametrize(
    "text",
    [
        '{"points": [[120.5, NaN]]}',
        '{"points": [[120.5, "30"]]}',
        '{"points": [[120.5, true]]}',
        '{"points": [[120.5]]}',
        '{"points": [[120.5, 30.1, 5]]}',
        '{"points": [[120.5, 30.1], [1.2.3, 4]]}',
        '{"points": [[120.5, 30.1], [--1, 4]]}',
        '{"points": [[[120.5, 30.1]]]}',
        '{"points": [120.5, 30.1]}',
        '{"a": {"points": [[1, 2]]}, "points": [[1, 2]]}',
        '{"points": [[1, 2],]}',
    ],
)
def test_anything_else_is_left_to_the_general_parser(text: str) -> None:
    assert fast(text.encode()) is None


def test_rows_are_fixed_width_json() -> None:
    tables = [
        np.array(["330402", None], dtype=object),
        np.array(["330402001", "330402002", None], dtype=object),
        np.array([None], dtype=object),
        np.array([None], dtype=object),
        np.array(["330402001001001001", None], dtype=object),
    ]
    found = np.array([[0, -1], [1, -1], [-1, -1], [-1, -1], [0, -1]], dtype=np.int32)
    rows = orjson.loads(CodeRows(tables).rows(found))
    assert rows == [
        ["330402", "330402002", None, None, "330402001001001001"],
        [None, None, None, None, None],
    ]
    assert CodeRows(tables).rows(np.empty((5, 0), dtype=np.int32)) == b"[]"


@pytest.mark.parametrize(
    "body", [b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe{", b"", b"null", b'{"points": 5}']
)
def test_hostile_bodies_are_a_clear_422(body: bytes) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_batch(body, crs=None, max_points=10)
    assert caught.value.field in ("body", "points")


def test_too_many_points_is_refused_before_any_work() -> None:
    body = orjson.dumps({"points": [[120.7, 30.7]] * 11})
    with pytest.raises(TooManyPointsError):
        parse_batch(body, crs=None, max_points=10)
