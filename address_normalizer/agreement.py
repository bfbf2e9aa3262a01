"""Where an answer agrees with the text it answers, and where the text contradicts it.

A geocoder must never resolve a text that names building 7 to building 3, nor 长水路191号 to
东进路191号, however alike the two texts score: a component the text states and the answer
states differently is a contradiction, not a small difference. Both sides are parsed into the
components that identify a place (:class:`Reading`); comparing them level by level, from the
district down to the room, gives the deepest level the two agree on and the levels where they
contradict each other (:func:`relate`). What only one side states (a room the library does not
list, a road the caller left out) is no contradiction.

The levels are those commercial geocoders report, deepest first: ``room``, ``floor``,
``unit``, ``building``, ``poi`` (a compound or named place), ``road_number``, ``road``,
``community``, ``street``, ``district``.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from .gazetteer import Gazetteer, national
from .lexicon import POI_END
from .normalize import canonical_numbers
from .parser import ParseResult, parse
from .text import clean

__all__ = ["LEVELS", "Agreement", "Reading", "contradictions", "cut_to_level", "read", "relate"]

LEVELS = (
    "district", "street", "community", "road", "road_number", "poi", "building", "unit",
    "floor", "room",
)  # fmt: skip
"""Match levels, outermost first."""
_DEPTH = {level: i for i, level in enumerate(LEVELS)}
_NUMBER = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z]+)*")
_ADMIN_SUFFIX = re.compile(r"(?:自治县|新区|街道办事处|街道|办事处|市|区|县|镇|乡)$")
_NUMBERED = {"houseno": "building", "cellno": "unit", "floorno": "floor", "roomno": "room"}
_PLACES = frozenset(("poi", "subpoi", "devzone"))
# A name occurs in the other text this well (rapidfuzz partial_ratio): one typo in a name of
# five characters still occurs (set by hand, as compare() does).
_NAME_IN_TEXT = 80.0
_SIDES = frozenset("东西南北中")
_ORDINALS = frozenset("0123456789一二三四五六七八九十")


@dataclass(slots=True)
class Reading:
    """The components of one address that identify a place, in canonical form.

    Attributes
    ----------
    text : str
        The canonical text (digits, 幢/室/层), what names are looked up in.
    admin : dict
        ``district`` and ``street`` names without their level word (南湖, 福永).
    community : str
    roads : list of str
    road_number : str
        The first door number on a road (digits and letters: ``142``, ``12-3``).
    places : list of str
        Named places: compounds, buildings complexes, zones, shops (two characters or more).
    numbers : dict
        ``building``, ``unit``, ``floor``, ``room``: the first number of each.
    """

    text: str
    admin: dict[str, str] = field(default_factory=dict)
    community: str = ""
    roads: list[str] = field(default_factory=list)
    road_number: str = ""
    places: list[str] = field(default_factory=list)
    numbers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Agreement:
    """How an answer relates to a text.

    Attributes
    ----------
    level : str
        The deepest level both agree on above any contradiction (see :data:`LEVELS`), or
        ``"none"`` when they agree on nothing that identifies a place.
    contradicts : tuple of str
        The levels where the text states something the answer states differently.
    """

    level: str
    contradicts: tuple[str, ...]


def read(text: str, gazetteer: Gazetteer | None = None) -> Reading:
    """Parse ``text`` (already checked) into a :class:`Reading`."""
    return reading_of(parse(text, gazetteer=gazetteer or national()))


def reading_of(result: ParseResult) -> Reading:
    """A :class:`Reading` from a parse already made."""
    return _reading(result.normalized, ((c.label, c.text) for c in result.components))


def read_components(components: Iterable[tuple[str, str]]) -> Reading:
    """A :class:`Reading` of a library address from its own labelled parts, which spell its
    text in order (no parsing: a library's rows are read far more often than they change)."""
    pairs = [(label, canon(text)) for label, text in components]
    return _reading("".join(value for _, value in pairs), pairs, canonical=True)


def _reading(
    normalized: str, components: Iterable[tuple[str, str]], *, canonical: bool = False
) -> Reading:
    out = Reading(normalized)
    for label, text in components:
        value = text if canonical else canon(text)
        if label in _PLACES:
            if len(value) >= 2:
                out.places.append(value)
        elif label == "road":
            if len(value) >= 2:
                out.roads.append(value)
        elif label == "roadno":
            if not out.road_number:
                out.road_number = _number(value)
        elif label in _NUMBERED:
            level = _NUMBERED[label]
            if level not in out.numbers and (number := _number(value)):
                out.numbers[level] = number
        elif label == "community":
            out.community = out.community or value
        elif label == "district" or label == "town":
            # A short form (白石 of 白石厦旧村) is too often the head of a place name to
            # contradict anything: only names written in full count.
            stem = _ADMIN_SUFFIX.sub("", value)
            if stem and stem != value:
                out.admin.setdefault("district" if label == "district" else "street", stem)
    return out


def relate(query: Reading, answer: Reading, known_roads: Container[str] = frozenset()) -> Agreement:
    """The deepest level ``answer`` agrees with ``query`` on, and where ``query`` contradicts it.

    A road of the query one character away from the answer's (康栅路 for 东栅路) is a typo of
    it unless ``known_roads`` (canonical names) holds it as a road of its own, or the two
    characters are both sides or both numerals (东栅路 and 西栅路 are two roads).

    Examples
    --------
    >>> relate(read("悦湖嘉园7栋1301"), read("悦湖嘉园3幢1单元1301室"))
    Agreement(level='poi', contradicts=('building',))
    >>> relate(read("长水路191号"), read("东进路191号")).contradicts
    ('road',)
    """
    # Levels are judged outermost first, so both lists come out in the order of LEVELS.
    agreed: list[str] = []
    contra: list[str] = []
    q_admin, a_admin = query.admin, answer.admin
    if q_admin and a_admin:
        for level in ("district", "street"):
            x, y = q_admin.get(level), a_admin.get(level)
            if x and y:
                (agreed if _names_agree(x, y) else contra).append(level)
    # Villages and communities are written many ways (白石厦旧村, 白石厦社区): only
    # agreement counts, never a difference.
    if query.community and answer.community and _names_agree(query.community, answer.community):
        agreed.append("community")
    road_same = True
    if query.roads and answer.roads:
        road_same = any(
            _names_agree(x, y) or (x not in known_roads and _typo(x, y))
            for x in query.roads
            for y in answer.roads
        )
        (agreed if road_same else contra).append("road")
    if query.road_number and answer.road_number and road_same:
        same = _numbers_agree(query.road_number, answer.road_number, answer.text)
        (agreed if same else contra).append("road_number")
    if query.places and answer.places:
        same = any(_occurs(_stem(p), query.text) for p in answer.places) or any(
            _occurs(_stem(p), answer.text) for p in query.places
        )
        (agreed if same else contra).append("poi")
    q_numbers, a_numbers = query.numbers, answer.numbers
    if q_numbers and a_numbers:
        for level in ("building", "unit", "floor", "room"):
            x, y = q_numbers.get(level), a_numbers.get(level)
            if x and y:
                same = _numbers_agree(x, y, answer.text) or _numbers_agree(y, x, query.text)
                (agreed if same else contra).append(level)
    if not contra:
        return Agreement(agreed[-1] if agreed else "none", ())
    first = _DEPTH[contra[0]]
    kept = [lv for lv in agreed if _DEPTH[lv] < first]
    return Agreement(kept[-1] if kept else "none", tuple(contra))


def contradictions(text: str, answer: str, gazetteer: Gazetteer | None = None) -> tuple[str, ...]:
    """The levels where ``text`` contradicts ``answer`` (empty when none does).

    Examples
    --------
    >>> contradictions("悦湖嘉园7栋1301", "悦湖嘉园3幢")
    ('building',)
    >>> contradictions("悦湖嘉园7栋1301", "悦湖嘉园7幢1单元1301室")
    ()
    """
    return relate(read(text, gazetteer), read(answer, gazetteer)).contradicts


_LEVEL_OF_LABEL = {
    "prov": "district", "city": "district", "district": "district", "town": "street",
    "community": "community", "village_group": "community", "road": "road",
    "roadno": "road_number", "intersection": "road", "devzone": "poi", "poi": "poi",
    "subpoi": "poi", "houseno": "building", "cellno": "unit", "floorno": "floor",
    "roomno": "room",
}  # fmt: skip


def cut_to_level(text: str, level: str, gazetteer: Gazetteer | None = None) -> str:
    """``text`` up to its last component at ``level`` or above (the compound of a room).

    Examples
    --------
    >>> cut_to_level("昌盛路142号悦湖嘉园3幢1单元1301室", "poi")
    '昌盛路142号悦湖嘉园'
    """
    depth = _DEPTH.get(level, -1)
    end = 0
    for comp in parse(text, gazetteer=gazetteer or national()).components:
        at = _DEPTH.get(_LEVEL_OF_LABEL.get(comp.label, ""), len(LEVELS))
        if at > depth:
            break
        end = comp.end
    return text[:end] if end else text


def states(reading: Reading, level: str) -> bool:
    """Whether an address states anything at ``level``."""
    if level in ("district", "street"):
        return level in reading.admin
    if level == "community":
        return bool(reading.community)
    if level == "road":
        return bool(reading.roads)
    if level == "road_number":
        return bool(reading.road_number)
    if level == "poi":
        return bool(reading.places)
    return level in reading.numbers


def deeper(level: str, than: str) -> bool:
    """Whether ``level`` lies deeper (closer to the room) than ``than``."""
    return _DEPTH.get(level, -1) > _DEPTH.get(than, -1)


@lru_cache(maxsize=65536)
def canon(text: str) -> str:
    """A component's text in canonical form (digits, synonyms), without prefix dropping."""
    return canonical_numbers(clean(text)[0])


@lru_cache(maxsize=16384)
def _number(value: str) -> str:
    m = _NUMBER.search(value)
    return m.group(0) if m else ""


def _typo(x: str, y: str) -> bool:
    """One character differs between two names of three or more, and not side for side or
    numeral for numeral."""
    if len(x) != len(y) or len(x) < 3:
        return False
    diff = [(a, b) for a, b in zip(x, y, strict=True) if a != b]
    if len(diff) != 1:
        return False
    a, b = diff[0]
    return not ((a in _SIDES and b in _SIDES) or (a in _ORDINALS and b in _ORDINALS))


@lru_cache(maxsize=65536)
def _stem(name: str) -> str:
    """A place name without its generic ending (和美 of 和美雅苑), if two characters remain:
    people swap 小区, 花园 and 雅苑 freely."""
    m = POI_END.search(name)
    if m is None or m.start() < 2:
        return name
    return name[: m.start()]


def _names_agree(x: str, y: str) -> bool:
    return x == y or x in y or y in x


def _occurs(name: str, text: str) -> bool:
    return name in text or fuzz.partial_ratio(name, text) >= _NAME_IN_TEXT


def _numbers_agree(x: str, y: str, y_text: str) -> bool:
    """Two numbers of one kind name the same thing: equal, or ``x`` writes the zone letter
    that the other side gives as a zone of its own (B180栋 against B区180栋)."""
    if x == y:
        return True
    return (
        len(x) > len(y)
        and x[0].isalpha()
        and x[1:] == y
        and not y[0].isalpha()
        and f"{x[0]}区" in y_text
    )
