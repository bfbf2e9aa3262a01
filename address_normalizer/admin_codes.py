"""Whether the administrative areas two addresses name can be the same, by statistical code.

Every province, prefecture, county and township on the national list carries a statistical
code prefix (2, 4, 6 or 9 digits; 南京市 3201, 江宁区 320115, 禄口街道 320115004). Two names
are compatible when one code extends the other under some reading of each name, so a
township on one side and a county on the other are checked against each other, which text
alone cannot do (禄口街道 lies in 江宁区, not in 溧水区).

Only names written in full (with 省, 市, 区, 县, 镇, 乡, 街道 …) are looked up: a bare
stem is too often the start of a road or a place name (东四 of 东四环中路). Short forms are
added to a full name's readings, so a county that became a district (溧水县 → 溧水区) and a
town that became a street office (永阳镇 → 永阳街道) still agree with their new names.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources

from .gazetteer import Gazetteer, short_form

Codes = frozenset[str]

_FULL = re.compile(r"(?:省|市|自治区|特别行政区|区|县|旗|盟|州|地区|镇|乡|街道|办事处|苏木)$")
_LEVELS = ("prov", "city", "district", "town")


@lru_cache(maxsize=16384)
def area_codes(text: str, gazetteer: Gazetteer) -> Codes:
    """Statistical codes ``text`` can stand for (empty if unknown or not a full name)."""
    if not _FULL.search(text):
        return frozenset()
    places = list(gazetteer.get(text))
    for level in _LEVELS:
        stem = short_form(level, text)
        if stem:
            places.extend(gazetteer.get(stem))
    if any(p.local or not p.code for p in places):
        # The service's own name (or one without a code) may be what is meant: unknown.
        return frozenset()
    return frozenset(p.code for p in places)


def consistent(areas: Sequence[Codes]) -> list[Codes]:
    """``areas`` without the names that contradict another name of the same address (a
    township the national list places elsewhere is a renamed or abolished one)."""
    if len(areas) < 2:
        return list(areas)
    return [x for x in areas if all(_compatible(x, y) for y in areas if y is not x)]


def areas_conflict(a: Sequence[Codes], b: Sequence[Codes]) -> bool:
    """Whether some area named in ``a`` and some area named in ``b`` cannot be the same or
    one inside the other under any reading of the two names."""
    return any(not _compatible(x, y) for x in a for y in b)


def _compatible(x: Codes, y: Codes) -> bool:
    if any(c.startswith(d) or d.startswith(c) for c in x for d in y):
        return True
    # The national list has no townships for prefectures without counties (东莞, 中山):
    # a township name there reads as a namesake elsewhere, which proves nothing.
    bare = _bare_prefectures()
    township_x, township_y = any(len(c) == 9 for c in x), any(len(c) == 9 for c in y)
    return (township_x and any(d in bare for d in y)) or (township_y and any(c in bare for c in x))


@cache
def _bare_prefectures() -> frozenset[str]:
    """Prefecture codes with no county or township under them on the national list."""
    ref = resources.files("address_normalizer").joinpath("data/divisions.tsv.gz")
    with ref.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        next(fh)
        rows = [line.split("\t", 2)[:2] for line in fh]
    prefectures = {code for level, code in rows if level == "city"}
    parents = {code[:4] for level, code in rows if level in ("district", "town")}
    return frozenset(prefectures - parents)
