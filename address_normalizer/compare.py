"""Do two address texts name the same place, a related one, or an unrelated one?

The relation follows the conventions of the CCKS 2021 address-relevance labels where they
describe "the same place" (rules and thresholds chosen by reading that set; nothing learned
from it ships):

- the same place means both addresses end at the same named place: a unit, floor or room
  inside the building the other names is ``exact``;
- a building the other address does not name is ``partial`` (the other is the whole
  compound), and so are a part of a compound (东区), a lane and door inside a village, a gate
  or entrance of a place, a shop or firm inside a building and a place across the street
  from another (对面, 旁边);
- two addresses that share a named place but sit on different roads, in different districts
  or at different door numbers are not the same place; districts differ by name or by the
  statistical codes of the national list (a township against a county it is not in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from .admin_codes import areas_conflict
from .compare_parts import Side, read_side
from .errors import check_text
from .gazetteer import Gazetteer

Relation = Literal["exact", "partial", "none"]
Kind = Literal["same", "inside", "same_compound", "same_road", "nearby", ""]
RELATIONS = {"none": 0, "partial": 1, "exact": 2}

# Thresholds on the whole-text similarity (rapidfuzz ratio in [0, 1]), chosen on the CCKS
# 2021 matching validation fold (allowed for rules; no weights are trained on it).
SAME_BUILDING = 0.4  # same named place and same building number
SAME_PLACE = 0.7  # same named place, neither names a different building
SAME_DOOR = 0.4  # same road, door number and building
NEAR_TEXT = 0.9  # texts this alike are related even without a shared anchor
# Set by hand, not searched: a typo in a five-character name still occurs; a name of three
# characters (世纪华) is too common to stand for a longer one it starts.
NAME_IN_TEXT = 0.8  # a place name occurs in a text this well (rapidfuzz partial_ratio)
NAME_EXTENDS = 4  # characters a place name needs before a longer name may extend it
# A room's address without its room occurs in the other text this well (partial_ratio),
# chosen on the tune half of the Shenzhen register pairs.
INSIDE_TEXT = 90
FINAL_MIN_STEM = 4


@dataclass(frozen=True, slots=True)
class Comparison:
    """How two addresses relate.

    Attributes
    ----------
    relation : {"exact", "partial", "none"}
        ``exact``: the same place (a unit, floor or room inside the same building counts);
        ``partial``: the same compound or road with a different or unnamed door or building,
        or one place inside or beside the other (a gate, a shop in the building, 对面);
        ``none``: otherwise.
    score : float
        Similarity in [0, 1]; ``exact`` pairs score higher than ``partial`` ones.
    kind : {"same", "inside", "same_compound", "same_road", "nearby", ""}
        What kind of relation: ``same`` for ``exact``; for ``partial``, ``inside`` (one place
        lies inside the other's building or door: a shop, a room, a floor; or inside a
        compound or building the other names alone, without a number), ``same_compound``
        (another or no building of the same compound or village), ``same_road`` (another or
        no door on the same road) or ``nearby`` (beside it, across the street, a gate of it,
        or texts this alike with nothing to tie them); ``""`` for ``none``.
    """

    relation: Relation
    score: float
    kind: Kind = ""


def compare(a: str, b: str, *, gazetteer: Gazetteer | None = None) -> Comparison:
    """Relate two addresses: ``exact``, ``partial`` or ``none``, with a score in [0, 1].

    Parameters
    ----------
    a, b : str
        Address texts (1–200 characters each); ``a`` is the query, ``b`` the candidate.
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
    check_text(a, "a")
    check_text(b, "b")
    sa, sb = read_side(a, gazetteer), read_side(b, gazetteer)
    found = _relate(sa, sb)
    if sa.restated is None and sb.restated is None:
        return found
    # A text that states the place twice relates as its closer statement does.
    for x, y in ((sa.restated, sb), (sa, sb.restated), (sa.restated, sb.restated)):
        if x is not None and y is not None:
            other = _relate(x, y)
            if _rank(other) > _rank(found):
                found = other
    return found


_KIND_RANK = {"same": 4, "inside": 3, "same_compound": 2, "same_road": 1}


def _rank(found: Comparison) -> tuple[int, int, float]:
    return (RELATIONS[found.relation], _KIND_RANK.get(found.kind, 0), found.score)


def _number(sa: Side, sb: Side, label: str) -> str:
    """``same``, ``conflict``, ``a`` / ``b`` (only that side has it) or ``""`` (neither)."""
    x, y = sa.numbers.get(label), sb.numbers.get(label)
    if x and y:
        return "same" if x == y else "conflict"
    return "a" if x else "b" if y else ""


def _relate(sa: Side, sb: Side) -> Comparison:
    """Decide from anchors (road + door number, or a named place) and conflicts."""
    whole = fuzz.ratio(sa.text, sb.text) / 100.0
    admin_conflict = any(
        sa.admin.get(level) and sb.admin.get(level) and not (sa.admin[level] & sb.admin[level])
        for level in ("city", "district")
    ) or areas_conflict(sa.counties, sb.counties)
    shared_road = any(x in y or y in x for x in sa.roads for y in sb.roads)
    road_conflict = bool(sa.roads and sb.roads) and not shared_road
    # A named place of each side occurs verbatim in the other.
    named = (
        bool(sa.names and sb.names)
        and any(n in sa.text for n in sb.names)
        and any(n in sb.text for n in sa.names)
    )
    house, door = _number(sa, sb, "houseno"), _number(sa, sb, "roadno")
    conflict = admin_conflict or road_conflict or "conflict" in (house, door)
    # A gate of a place (南门, 3号门) is part of it: related, never the same place; nor are
    # two branches of one name (大洋百货(新街口店), 大洋百货(河西店)).
    gate = sa.gate != sb.gate or bool(sa.branches and sb.branches and not sa.branches & sb.branches)
    same_places = bool(sa.places) and sa.places == sb.places and not admin_conflict
    anchored = not conflict and (
        (named and house == "same" and whole >= SAME_BUILDING)
        or (named and house in ("", "b") and whole >= SAME_PLACE)
        or (shared_road and door == "same" and house == "same" and whole >= SAME_DOOR)
        or (bool(sa.chain) and sa.chain == sb.chain and house in ("", "same"))
    )
    beside = sa.near or sb.near
    if not gate and (same_places or anchored):
        # Both must end at the same place: a shop in the building, or the building's
        # neighbour, is related to it but is not it.
        if not beside and _ends_alike(sa, sb) and sa.final_inner == sb.final_inner:
            return Comparison(
                "exact", round(0.7 + 0.3 * (max(whole, 0.9) if same_places else whole), 4),
                "same",
            )  # fmt: skip
        if beside:
            kind: Kind = "nearby"
        elif house == "same" or (house == "" and door == "same") or _inside(sa, sb):
            kind = "inside"  # the same building or door, one side naming a place in it
        else:
            kind = "same_compound"
        return Comparison("partial", round(0.5 + 0.19 * whole, 4), kind)
    if (
        not gate
        and not admin_conflict
        and not road_conflict
        and _same_final(sa, sb)
        and sa.final_building == sb.final_building
        and sa.final_inner == sb.final_inner
        and door != "conflict"
        and (shared_road or bool(sa.areas and sb.areas))
    ):
        # The same named place in the same area or on the same road, written differently.
        if beside:
            return Comparison("partial", round(0.5 + 0.19 * whole, 4), "nearby")
        return Comparison("exact", round(0.7 + 0.3 * whole, 4), "same")
    if not admin_conflict and not gate and not beside and _same_door(sa, sb):
        # 接福路119号 and 塘尾社区接福路119号: one door, written with or without its
        # community, and nothing named at it.
        return Comparison("exact", round(0.7 + 0.3 * max(whole, 0.9), 4), "same")
    if not admin_conflict and not gate and not beside and _inside(sa, sb):
        # 鹤洲路43号809 and 鹤洲路43号: one names a room, floor or unit of the other.
        return Comparison("partial", round(0.5 + 0.19 * max(whole, 0.9), 4), "inside")
    if road_conflict and house == "" and sa.chain and sa.chain == sb.chain:
        # One name on two roads and no building to tie them: two places (two branches of a
        # chain, two compounds with a common name).
        return Comparison("none", round(0.49 * whole, 4))
    within = bool(sa.chain and sb.chain) and (sa.chain in sb.chain or sb.chain in sa.chain)
    if not admin_conflict and (shared_road or named or whole >= NEAR_TEXT or (gate and within)):
        if gate or beside:
            kind = "nearby"
        elif named or door == "same":
            kind = "same_compound"  # the same compound, or the same door's other building
        else:
            kind = "same_road" if shared_road else "nearby"
        return Comparison("partial", round(0.5 + 0.19 * whole, 4), kind)
    if not admin_conflict and not road_conflict and sa.areas and sb.areas and _same_final(sa, sb):
        # The same place name in areas that agree, details apart: related.
        return Comparison("partial", round(0.5 + 0.19 * whole, 4), "same_compound")
    return Comparison("none", round(0.49 * whole, 4))


_DEEPER = frozenset(("cellno", "floorno", "roomno", "detail"))
_NUMBERED = frozenset(("roadno", "houseno"))
_NAMED_END = frozenset(("poi", "subpoi", "devzone", "village_group"))
_DIGITS = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z]+)*")
# Room numbers people glue to a door number (三巷15103: door 15, room 103), floor first.
_GLUED_ROOM = re.compile(r"[1-9][0-9]{2,3}")
_GLUED_DOOR = re.compile(r"[1-9][0-9]{3,6}")
_ORDINAL = re.compile(r"第(?=[0-9一二三四五六七八九十])")


def _same_door(sa: Side, sb: Side) -> bool:
    """Both name one road and one door on it, and nothing else below their divisions."""
    core_a, deep_a = _split(sa)
    if deep_a or len(core_a) != 2 or core_a[0][0] != "road" or core_a[1][0] != "roadno":
        return False
    core_b, deep_b = _split(sb)
    return not deep_b and core_a == core_b


def _inside(sa: Side, sb: Side) -> bool:
    """One address is the other plus a unit, floor or room (or a room glued to its door
    number), and neither names a place the other lacks."""
    core_a, deep_a = _split(sa)
    core_b, deep_b = _split(sb)
    if not (core_a and core_b):
        return False
    if deep_a and deep_b:
        # 41号1单元202 and 41号1单元: a room of the unit the other names.
        longer, shorter = (deep_a, deep_b) if len(deep_a) > len(deep_b) else (deep_b, deep_a)
        return core_a == core_b and longer[: len(shorter)] == shorter != longer
    if deep_a or deep_b:
        inner, outer = (core_a, core_b) if deep_a else (core_b, core_a)
        if inner == outer or _glued(inner, outer) or _under(inner, outer):
            return True
        return _inside_text(sa, sb) if deep_a else _inside_text(sb, sa)
    return (
        _glued(core_a, core_b)
        or _glued(core_b, core_a)
        or _under(core_a, core_b)
        or _under(core_b, core_a)
        or _door_of_registered_road(core_a, core_b)
        or _door_of_registered_road(core_b, core_a)
    )


def _under(inner: list[tuple[str, str]], outer: list[tuple[str, str]]) -> bool:
    """``outer`` ends at a named place without a number (a register lists a building by
    its name alone: 综合楼, 盈翠家园) or at a door, and ``inner`` is that place with a
    door or building number added: the building the register means, or one it holds."""
    return (
        len(inner) > len(outer)
        and (outer[-1][0] in _NAMED_END or outer[-1][0] == "roadno")
        and inner[: len(outer)] == outer
        and all(label in _NUMBERED for label, _ in inner[len(outer) :])
    )


def _door_of_registered_road(inner: list[tuple[str, str]], outer: list[tuple[str, str]]) -> bool:
    """A building register lists a building by its road or lane alone (新瑞路) when it has
    no door number; people add door and room run together (新瑞路11401). Four digits or
    more after exactly that road, and nothing else, are taken to be in it."""
    return (
        len(inner) == len(outer) + 1
        and inner[:-1] == outer
        and outer[-1][0] == "road"
        and inner[-1][0] == "roadno"
        and bool(_GLUED_DOOR.fullmatch(inner[-1][1]))
    )


def _inside_text(inner: Side, outer: Side) -> bool:
    """``inner`` is ``outer``'s text (its districts and community perhaps left out) plus a
    unit, floor or room, with the same building or door number: the two parse alike only
    when both name the same divisions, and a register names more of them than people do."""
    anchor = "houseno" if "houseno" in outer.numbers else "roadno"
    x, y = inner.numbers.get(anchor), outer.numbers.get(anchor)
    if not x or not y or x.lstrip("0") != y.lstrip("0"):
        return False
    stem = _ORDINAL.sub("", inner.text)
    for label, value in reversed(inner.places):
        if label not in _DEEPER or not stem.endswith(value):
            break
        stem = stem[: len(stem) - len(value)]
    return (
        len(stem) >= FINAL_MIN_STEM
        and fuzz.partial_ratio(stem, _ORDINAL.sub("", outer.text)) >= INSIDE_TEXT
    )


def _glued(inner: list[tuple[str, str]], outer: list[tuple[str, str]]) -> bool:
    """``inner`` is ``outer`` with a room glued to its last door or building number."""
    if len(inner) != len(outer) or inner[:-1] != outer[:-1]:
        return False
    (label, x), (label_y, y) = inner[-1], outer[-1]
    return (
        label == label_y
        and label in _NUMBERED
        and x.startswith(y)
        and bool(_GLUED_ROOM.fullmatch(x, len(y)))
    )


def _split(side: Side) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The parts of an address down to its building or door, and those below (unit, floor,
    room); communities are left out (a register writes them, people mostly do not)."""
    core: list[tuple[str, str]] = []
    deep: list[tuple[str, str]] = []
    for label, value in side.places:
        if label in _DEEPER:
            deep.append((label, value))
        elif label != "community":
            m = _DIGITS.search(value) if label in _NUMBERED else None
            if m and core and core[-1][0] == label:
                # 京隆苑26、27、28栋27栋: a list or range of buildings heads the one meant.
                core.pop()
            # 0070号 is 70号, 第二工业区 is 二工业区 (registers drop the 第).
            core.append((label, m.group(0).lstrip("0") if m else _ORDINAL.sub("", value)))
    return core, deep


def _ends_alike(sa: Side, sb: Side) -> bool:
    """Whether the last place each address names occurs in the other (typos allowed)."""
    return _occurs(sa.final, sb.text) and _occurs(sb.final, sa.text)


def _occurs(name: str, text: str) -> bool:
    return not name or name in text or fuzz.partial_ratio(name, text) >= NAME_IN_TEXT * 100


def _same_final(sa: Side, sb: Side) -> bool:
    """Whether both addresses end at the same named place (one name may extend the other)."""
    x, y = sa.final, sb.final
    if not x or not y:
        return False
    return x == y or (min(len(x), len(y)) >= NAME_EXTENDS and (x in y or y in x))
