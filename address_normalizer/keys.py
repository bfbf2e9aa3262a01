"""How a library address becomes an index key: (admin part, local part, detail).

A library address is split into an administrative part (district, town), a local part
(community, villagers' group, road, door number, compound) and a detail (building, unit,
floor, room). Distinct ``(admin, local)`` keys — a few hundred thousand for a city's million
rooms — are what the text index searches; the detail is an exact lookup inside a key.

Two ways to the key: from the components when they spell the whole text (the standard
library's own rows: cheap, every part is normalised once per distinct value), otherwise from
the text (imported rows without components, aliases), through the full normaliser.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from .gazetteer import Gazetteer
from .normalize import normalize_cleaned, normalize_split
from .tagging import admin_prefix
from .text import clean

__all__ = ["KeyMaker", "admin_cut", "detail_of", "spell_dashed", "split_admin", "split_tail"]

_RAW_TAIL = re.compile(
    r"(?:[0-9０-９A-Za-zＡ-Ｚａ-ｚ零〇一二三四五六七八九十百两-]+"
    r"(?:号楼|幢|栋|座|单元|室|层|楼|房|户|F))+"
    # A room written without 室 after them: 1301, 28-14H, C-403, and after a floor 2号.
    r"(?:[A-Za-zＡ-Ｚａ-ｚ]?-?[0-9０-９]+[A-Za-zＡ-Ｚａ-ｚ]?(?:-[0-9０-９A-Za-zＡ-Ｚａ-ｚ]+)*"
    r"|(?<=[层楼元])[0-9０-９]+号)?$"
)
_EMPTY = Gazetteer()
_BARE_ROOM = re.compile(r"(?:单元|幢)[A-Z]?[0-9]+[A-Z]?$")
# Levels cut off into the admin part. The community stays in the local part: for a village
# house (联丰村5组12号) it is what tells one 5组12号 from the hundreds of others.
_ADMIN_LABELS = ("district", "town", "street")
_SKIPPED_LABELS = frozenset(("prov", "city"))
_LOCAL_LABELS = frozenset(("devzone", "community", "village_group", "road", "roadno", "poi",
                           "subpoi", "intersection"))  # fmt: skip
_DETAIL_LABELS = frozenset(("cellno", "floorno", "roomno", "detail"))
_CUT_LABELS = frozenset(("prov", "city", "district", "town"))
_BUILDING_END = re.compile(r"(?:号楼|幢|栋|座)$")
_TAIL_ONLY = re.compile(_RAW_TAIL.pattern[:-1])
# GB/T 39609 order of the CCKS element types (as :data:`address_normalizer.LABELS`).
_ORDER = {label: i for i, label in enumerate((
    "prov", "city", "district", "devzone", "town", "community", "village_group", "road",
    "roadno", "poi", "subpoi", "houseno", "cellno", "floorno", "roomno", "detail",
))}  # fmt: skip


@lru_cache(maxsize=65536)
def detail_of(raw_tail: str) -> str:
    """Canonical building/unit/floor/room string (``3幢2单元102室``).

    Examples
    --------
    >>> detail_of("三号楼二单元102")
    '3幢2单元102室'
    """
    if not raw_tail:
        return ""
    text = normalize_cleaned(clean(raw_tail)[0], _EMPTY)
    # A number after a unit or building without its marker is a room (2单元102, 251栋201).
    m = _BARE_ROOM.search(text)
    return text + "室" if m else text


_DASHED = re.compile(
    r"(?<=[^0-9A-Z号路街道巷弄-])([0-9]{1,3}[A-Z]?)-([0-9]{1,2})-([0-9]{1,4}[A-Z]?)$"
)


_DASHED_ROOM = re.compile(
    r"(?<=[^0-9A-Z号路街道巷弄幢栋座-])([0-9]{1,3}[A-Z]?)-([0-9]{3,4}[A-Z]?)(?:室|房)?$"
)


def spell_dashed(text: str) -> str:
    """A building-unit-room number closing a text after a name (怡翠山庄39-1-1D) spelled with
    its markers (39幢1单元1D室), as the library writes it, and so a building and room
    (龙辉花园27-606房: 27幢606室); a door number (183-1号) stays."""
    if "-" not in text[-12:]:
        return text
    return _DASHED_ROOM.sub(r"\1幢\2室", _DASHED.sub(r"\1幢\2单元\3室", text))


def admin_cut(comps: Mapping[str, str]) -> tuple[str, ...]:
    """The administrative names (district, town) that end the admin part of a text."""
    return tuple(comps.get(k, "") for k in ("district", "town", "street"))


def split_tail(text: str) -> tuple[str, str]:
    """``(head, tail)``: the tail is the trailing building/unit/floor/room numbering."""
    m = _RAW_TAIL.search(text)
    if m is None or m.start() == 0:
        return text, ""
    return text[: m.start()], m.group(0)


def split_admin(text: str, gazetteer: Gazetteer) -> tuple[str, str]:
    """Cut leading province/city/district/town names off normalised text."""
    cut = 0
    for label, _, end in admin_prefix(text, gazetteer):
        if label not in _CUT_LABELS:
            break
        cut = end
    return text[:cut], text[cut:]


class KeyMaker:
    """Turns library addresses into ``(admin, local, detail)``, caching every part it sees.

    Parameters
    ----------
    gazetteer : Gazetteer
        Administrative names, used only on the text path (rows without usable components).
    """

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._parts: dict[str, str] = {}
        self._heads: dict[tuple[str, str], tuple[str, str]] = {}
        # The last head seen: a library lists a building's rooms one after another, and each
        # of them is that head plus a detail, which needs no further work.
        self._last: tuple[str, str, str] | None = None

    def key(self, full_text: str, comps: Mapping[str, str]) -> tuple[str, str, str]:
        """The key of a library address: from its components when they spell it, else text."""
        last = self._last
        if last is not None and full_text.startswith(last[0]):
            tail = full_text[len(last[0]) :]
            if not tail or _TAIL_ONLY.fullmatch(tail):
                return last[1], last[2], detail_of(tail)
        found = self.from_components(full_text, comps)
        if found is None:
            return self.from_text(full_text, admin_cut(comps))
        return found

    def part(self, value: str) -> str:
        """One component in canonical form (digits, synonyms), no prefix dropping."""
        done = self._parts.get(value)
        if done is None:
            done = self._parts[value] = normalize_cleaned(clean(value)[0], _EMPTY)
        return done

    def from_components(
        self, full_text: str, comps: Mapping[str, str]
    ) -> tuple[str, str, str] | None:
        """The key from components, or None when they do not spell ``full_text`` in order."""
        if not comps:
            return None
        if "".join(comps.values()) != full_text:
            # JSONB and other stores do not keep key order: try the standard order.
            comps = dict(sorted(comps.items(), key=lambda item: _ORDER.get(item[0], 99)))
            if "".join(comps.values()) != full_text:
                return None
        admin: list[str] = []
        local: list[str] = []
        detail: list[str] = []
        for label, value in comps.items():
            if label in _SKIPPED_LABELS:
                continue
            if label in _ADMIN_LABELS:
                admin.append(self.part(value))
            elif label in _LOCAL_LABELS:
                local.append(self.part(value))
            elif label == "houseno":
                # A building (3幢) is detail; a door number (12号) names a house: local.
                if _BUILDING_END.search(value):
                    detail.append(value)
                else:
                    local.append(self.part(value))
            elif label in _DETAIL_LABELS:
                detail.append(value)
            else:
                return None
            if detail and label not in _DETAIL_LABELS and label != "houseno":
                return None
        raw_detail = "".join(detail)
        key = "".join(admin), "".join(local), detail_of(raw_detail)
        # The detail parts are a suffix of the text (checked above): the rest is the head.
        self._last = (full_text[: len(full_text) - len(raw_detail)], key[0], key[1])
        return key

    def from_text(self, text: str, admin_names: tuple[str, ...]) -> tuple[str, str, str]:
        """The key from text; ``admin_names`` (district, town) say where the admin part ends."""
        head, tail = split_tail(text)
        cache_key = (head, "\0".join(admin_names))
        found = self._heads.get(cache_key)
        if found is None:
            found = self._heads[cache_key] = self._head_key(head, admin_names)
        return found[0], found[1], detail_of(tail)

    def _head_key(self, head: str, admin_names: tuple[str, ...]) -> tuple[str, str]:
        if not any(admin_names):
            return normalize_split(clean(head)[0], self.gazetteer)
        text = normalize_cleaned(clean(head)[0], self.gazetteer)
        cut = 0
        for name in admin_names:
            name = clean(name)[0]
            if name and text.startswith(name, cut):
                cut += len(name)
        return text[:cut], text[cut:]
