"""Do two address texts name the same place, a related one, or an unrelated one?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from .gazetteer import Gazetteer
from .normalize import normalize_cleaned
from .parser import ParseResult, parse
from .text import clean

Relation = Literal["exact", "partial", "none"]

_NUMBER = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z]+)*")
_NAMED = ("poi", "subpoi", "community", "devzone")
_NUMBERED = ("roadno", "houseno", "cellno", "floorno", "roomno")
_DETAIL = ("houseno", "cellno", "roomno")
# Thresholds tuned on the CCKS 2021 matching validation fold (allowed: rules, not weights).
NAME_EXACT = 0.80
NAME_PARTIAL = 0.60


@dataclass(frozen=True, slots=True)
class Comparison:
    """How two addresses relate.

    Attributes
    ----------
    relation : {"exact", "partial", "none"}
        ``exact``: the same place; ``partial``: the same compound or road with a different
        door, building, unit or room, or one address contains the other; ``none``: otherwise.
    score : float
        Similarity in [0, 1]; ``exact`` pairs score higher than ``partial`` ones.
    """

    relation: Relation
    score: float


@dataclass(frozen=True, slots=True)
class _Side:
    text: str
    names: list[str]
    roads: list[str]
    numbers: dict[str, str]


def _side(result: ParseResult) -> _Side:
    names: list[str] = []
    roads: list[str] = []
    numbers: dict[str, str] = {}
    norm = result.normalized
    for comp in result.components:
        value = _canon(comp.text)
        if comp.label in _NAMED and len(value) >= 2:
            names.append(value)
        elif comp.label == "road":
            roads.append(value)
        elif comp.label in _NUMBERED:
            m = _NUMBER.search(value)
            if m:
                numbers.setdefault(comp.label, m.group(0))
    return _Side(norm, names, roads, numbers)


def _canon(text: str) -> str:
    """A component's text in canonical form (digits, synonyms), without prefix dropping."""
    return normalize_cleaned(clean(text)[0], _EMPTY)


_EMPTY = Gazetteer()


def _contained(name: str, text: str) -> float:
    """How well ``name`` occurs inside ``text`` (1.0: verbatim)."""
    if not name or not text:
        return 0.0
    if name in text:
        return 1.0
    return fuzz.partial_ratio(name, text) / 100.0


def compare(a: str, b: str, *, gazetteer: Gazetteer | None = None) -> Comparison:
    """Relate two addresses: ``exact``, ``partial`` or ``none``, with a score in [0, 1].

    Parameters
    ----------
    a, b : str
        Address texts (1–200 characters each).
    gazetteer : Gazetteer, optional
        Administrative names for parsing; the national list by default.

    Raises
    ------
    AddressInputError
        If either text is empty, longer than 200 characters or not a string.

    Examples
    --------
    >>> compare("杭州市西湖区文三路12号3幢", "文三路12号三号楼").relation
    'exact'
    >>> compare("文三路12号3幢", "文三路12号5幢").relation
    'partial'
    """
    sa, sb = _side(parse(a, gazetteer=gazetteer)), _side(parse(b, gazetteer=gazetteer))
    return _relate(sa, sb)


def _relate(sa: _Side, sb: _Side) -> Comparison:
    """Decide from anchors (road + door number, or a named place) and numbered details."""
    last_b = _contained(sb.names[-1], sa.text) if sb.names else 0.0
    last_a = _contained(sa.names[-1], sb.text) if sa.names else 0.0
    same_road = any(ra == rb for ra in sa.roads for rb in sb.roads)
    same_door = same_road and sa.numbers.get("roadno") == sb.numbers.get("roadno") is not None
    named = bool(sa.names and sb.names) and min(last_a, last_b) >= NAME_EXACT
    conflicts = sum(
        1
        for label in ("roadno", "houseno", "cellno", "roomno")
        if label in sa.numbers and label in sb.numbers and sa.numbers[label] != sb.numbers[label]
    )
    whole = fuzz.ratio(sa.text, sb.text) / 100.0
    # One side naming a building, unit or room the other lacks: one contains the other.
    finer = any((label in sa.numbers) != (label in sb.numbers) for label in _DETAIL)
    if named or (same_door and not (sb.names and last_b < NAME_EXACT)):
        if conflicts or finer:
            return Comparison("partial", round(0.5 + 0.19 * whole, 4))
        return Comparison("exact", round(0.7 + 0.3 * max(whole, min(last_a, last_b)), 4))
    contained = max(last_a, last_b) >= NAME_EXACT
    if same_road or contained or (max(last_a, last_b) >= NAME_PARTIAL and whole >= 0.5):
        return Comparison("partial", round(0.5 + 0.19 * whole, 4))
    return Comparison("none", round(0.49 * whole, 4))
