"""Byte-level fast paths of the batch endpoint: reading ``points`` and writing rows of codes.

Turning 100,000 ``[lon, lat]`` pairs into Python lists and floats costs more than locating
them, and so does building 500,000 code strings for the answer. Both directions are done here
on raw bytes with NumPy instead:

* :func:`read_points` checks that the ``points`` array holds nothing but ``[number, number]``
  pairs (a byte whitelist plus the exact sequence of brackets and commas) and parses the
  numbers in C. Anything else (``NaN``, strings, ``true``, nesting) returns None and the caller
  falls back to the general parser, which names the bad point.
* :class:`ScopeTables` tells which answers lie inside a key's area scope by array indexing,
  so a scoped key's batch is filtered without a loop over its points.
* :class:`CodeRows` writes each answer row at a fixed width: every level's code is quoted and
  ``null`` is padded with spaces (JSON whitespace) to the same width, so the rows of all points
  are assembled by array indexing alone.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

__all__ = ["CodeRows", "ScopeTables", "read_points"]

_NUMBER_CHARS = b"0123456789.-+eE"
_SPACE = b" \t\r\n"
_ALLOWED = np.zeros(256, dtype=bool)
_ALLOWED[np.frombuffer(_NUMBER_CHARS + _SPACE + b",[]", dtype=np.uint8)] = True
_STRUCTURE = np.zeros(256, dtype=bool)
_STRUCTURE[np.frombuffer(b",[]", dtype=np.uint8)] = True
_BRACKETS_TO_SPACES = bytes.maketrans(b"[]", b"  ")


def points_span(body: bytes) -> tuple[int, int] | None:
    """Byte range of the array value of the top-level ``"points"`` key, if simply placed."""
    key = body.find(b'"points"')
    if key < 0 or body.find(b'"points"', key + 1) >= 0:
        return None
    start = body.find(b"[", key)
    if start < 0 or body[key + 8 : start].strip() != b":":
        return None
    end = body.find(b"]]", start)
    if end < 0:
        empty = body[start + 1 :].lstrip()
        return (start, len(body) - len(empty) + 1) if empty.startswith(b"]") else None
    return start, end + 2


def read_points(body: bytes, span: tuple[int, int]) -> npt.NDArray[np.float64] | None:
    """The (n, 2) lon/lat array of ``body[span]`` if it is a plain array of number pairs."""
    raw = np.frombuffer(body, dtype=np.uint8, count=span[1] - span[0], offset=span[0])
    if not _ALLOWED[raw].all():
        return None
    structure = raw[_STRUCTURE[raw]].tobytes()
    n = structure.count(b"[") - 1
    if n <= 0:
        return np.empty((0, 2)) if structure == b"[]" else None
    if structure != b"[" + b",".join([b"[,]"] * n) + b"]":
        return None
    text = body[span[0] : span[1]].translate(_BRACKETS_TO_SPACES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a malformed number must not pass half-parsed
        try:
            values = np.fromstring(text, dtype=np.float64, sep=",")
        except (ValueError, DeprecationWarning):
            return None
    if values.size != 2 * n:
        return None
    return np.asarray(values, dtype=np.float64).reshape(n, 2)


class CodeRows:
    """Fixed-width JSON rows ``["d","s","c","g","m"]`` for position arrays of five levels.

    Parameters
    ----------
    code_tables
        Per level, the codes in position order (the last entry, for position -1, is None).
    """

    def __init__(self, code_tables: list[npt.NDArray[np.object_]]) -> None:
        self._tables: list[npt.NDArray[np.uint8]] = []
        for codes in code_tables:
            texts = [b"null" if c is None else b'"' + str(c).encode() + b'"' for c in codes]
            width = max(len(t) for t in texts)
            table = np.full((len(texts), width), ord(" "), dtype=np.uint8)
            for i, t in enumerate(texts):
                table[i, : len(t)] = np.frombuffer(t, dtype=np.uint8)
            self._tables.append(table)
        self.row_width = sum(t.shape[1] for t in self._tables) + len(self._tables) + 2

    def rows(self, found: npt.NDArray[np.int32]) -> bytes:
        """``[row,row,...]`` for the positions ``found`` (levels by points, -1 for none)."""
        n = found.shape[1]
        if n == 0:
            return b"[]"
        out = np.empty((n, self.row_width), dtype=np.uint8)
        out[:, 0] = ord("[")
        at = 1
        for depth, table in enumerate(self._tables):
            width = table.shape[1]
            out[:, at : at + width] = table[found[depth]]  # -1 picks the null entry
            at += width
            out[:, at] = ord(",")
            at += 1
        out[:, at - 1] = ord("]")
        out[:, at] = ord(",")
        return b"[" + out.tobytes()[:-1] + b"]"


class ScopeTables:
    """Per level, whether each area position lies inside a key's scope (an area subtree).

    A point is inside the scope when any area of its chain has a code starting with the
    scope's code: the same rule report intake applies to a scoped key.

    Parameters
    ----------
    code_tables
        Per level, the codes in position order (the last entry, for position -1, is None).
    scope
        The key's scope: an area code.
    """

    def __init__(self, code_tables: list[npt.NDArray[np.object_]], scope: str) -> None:
        self._tables = [
            np.array([c is not None and str(c).startswith(scope) for c in codes], dtype=bool)
            for codes in code_tables
        ]

    def inside_one(self, positions: list[int]) -> bool:
        """Whether one point's five positions (-1 for none) fall inside the scope."""
        return any(bool(t[p]) for t, p in zip(self._tables, positions, strict=True))

    def inside(self, found: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
        """Per point, whether its positions (levels by points, -1 for none) are in scope."""
        mask = np.zeros(found.shape[1], dtype=bool)
        for depth, table in enumerate(self._tables):
            mask |= table[found[depth]]
        return mask
