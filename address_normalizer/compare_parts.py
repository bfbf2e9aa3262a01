"""The parts of one address that :func:`~address_normalizer.compare` weighs.

An address is read once into a :class:`Side`: its canonical text, the named places it passes
through (compound, building complex, shop), its roads and numbers, its administrative names,
and whether it names a gate or entrance of a place rather than the place itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .admin_codes import Codes, area_codes, consistent
from .gazetteer import Gazetteer, national
from .lexicon import BRACKET_CLOSE, BRACKET_OPEN, BRANCH_END, GATE
from .normalize import normalize_cleaned
from .parser import Component, parse
from .text import clean

_NUMBER = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z]+)*")
_ADMIN_SUFFIX = re.compile(r"(?:自治县|新区|市|区|县)$")
# A bracketed aside: a gate (东南门), a branch (新街口店), a status (建设中), another name.
_BRACKETS = re.escape(BRACKET_OPEN + BRACKET_CLOSE)
_BRACKET = re.compile(f"[{re.escape(BRACKET_OPEN)}][^{_BRACKETS}]*[{re.escape(BRACKET_CLOSE)}]")
# A gate or entrance of a place, at the end of a part or aside.
_GATE = re.compile(f"(?:{GATE})$")
_BRANCH = re.compile(f"{BRANCH_END}$")
# Words after a place that put the address beside it rather than in it (春辉电器斜对面).
_NEAR = re.compile(r"(?:对面|对过|旁边|旁|附近|隔壁|后面|后边|楼上|楼下|周边)$")
# A place name this short (B区, 三期) says little on its own (set by hand).
FINAL_MIN = 3
_NAMED = ("poi", "community", "devzone")
_CHAIN = frozenset(("poi", "subpoi", "community", "devzone", "village_group"))
_NUMBERED = ("roadno", "houseno", "cellno", "floorno", "roomno")
_PLACE = frozenset(("road", "roadno", "poi", "subpoi", "community", "devzone", "houseno",
                    "cellno", "floorno", "roomno", "village_group", "detail"))  # fmt: skip
_EMPTY = Gazetteer()
# Names whose repetition starts a second statement of the address.
_RESTATED = frozenset(("road", "poi", "subpoi", "community", "devzone"))
_ADMIN = frozenset(("prov", "city", "district", "town"))


@dataclass(slots=True)
class Side:
    """One address as compare() sees it.

    Attributes
    ----------
    text : str
        Canonical text of the address without its bracketed asides.
    names : list of str
        Named places (poi, community, development zone) of two or more characters.
    chain : str
        Every named place (sub-places and village groups too, gates left out) in order, joined:
        what the address is called, without its roads, numbers and administrative areas.
    roads : list of str
    numbers : dict
        First number of each numbered part (``roadno``, ``houseno`` …), digits and letters only.
    admin : dict
        City and district names without their suffixes, by level.
    places : list of (label, text)
        Every component below the administrative levels, in order.
    gate : bool
        Whether the address names a gate or entrance of a place (南门, 3号门, 出入口).
    branches : set of str
        Branch names given in brackets (河西店, 湖南路支行), in canonical form.
    final : str
        The last named place of at least three characters: the place the address ends at
        (``""`` if none).
    final_building : str
        The building number written after ``final`` (``""`` if none): ``阳光小区3幢`` is a
        building of the compound, ``3幢阳光超市`` a shop in building 3.
    final_inner : str
        What else the address says inside ``final`` before any building: a part too short to
        be a place of its own (东区, B区), a lane and door (外村四巷7号), joined (``""`` if
        nothing). What follows a building (a stairwell, a unit) stays inside the building.
    near : bool
        Whether the address ends beside its last place rather than at it (对面, 旁边, 附近).
    restated : Side or None
        The address's last statement read on its own, when the text states the place twice
        (see :func:`_restatement`); ``None`` otherwise.
    areas : list of frozenset of str
        For each administrative name written in full (province … township), the statistical
        codes it can stand for (see :mod:`~address_normalizer.admin_codes`).
    counties : list of frozenset of str
        The same for the names of counties and above, and of townships whose name is found in
        one county only: these can conflict with another address's areas. Townships are
        merged and renamed often, and a former one's name then reads as its namesakes
        elsewhere (解放街道), which proves nothing.
    """

    text: str
    names: list[str] = field(default_factory=list)
    chain: str = ""
    roads: list[str] = field(default_factory=list)
    numbers: dict[str, str] = field(default_factory=dict)
    admin: dict[str, set[str]] = field(default_factory=dict)
    places: list[tuple[str, str]] = field(default_factory=list)
    gate: bool = False
    branches: set[str] = field(default_factory=set)
    final: str = ""
    final_building: str = ""
    final_inner: str = ""
    near: bool = False
    areas: list[Codes] = field(default_factory=list)
    counties: list[Codes] = field(default_factory=list)
    restated: Side | None = None


def read_side(text: str, gazetteer: Gazetteer | None = None) -> Side:
    """Parse ``text`` (already checked) into the parts compare() weighs.

    Bracketed asides are parsed apart from the address: ``汶水东路29号榕辉大厦(东南门)`` is
    the building's south-east gate, and a branch name in brackets would otherwise run into
    the words around it.
    """
    asides = [m.group(0)[1:-1] for m in _BRACKET.finditer(text)]
    body = _BRACKET.sub("", text) if asides else text
    if not body.strip() or not any(c.isalnum() for c in body):
        body, asides = text, []
    gazetteer = gazetteer or national()
    result = parse(body, gazetteer=gazetteer)
    side = Side(result.normalized)
    side.near = bool(_NEAR.search(side.text))
    for aside in asides:
        value = canon(aside)
        if _GATE.search(value):
            side.gate = True
        elif _BRANCH.search(value):
            side.branches.add(value)
    chain: list[str] = []
    for comp in result.components:
        value = canon(comp.text)
        if comp.label in ("poi", "subpoi") and chain and _GATE.search(value):
            side.gate = True
            continue
        if comp.label in _PLACE:
            side.places.append((comp.label, value))
        if comp.label in _CHAIN:
            chain.append(value)
            if len(value) >= FINAL_MIN:
                side.final, side.final_building, side.final_inner = value, "", ""
            elif side.final and not side.final_building:
                side.final_inner += value
        if comp.label in ("road", "roadno") and side.final and not side.final_building:
            side.final_inner += value
        elif comp.label == "houseno" and side.final and not side.final_building:
            m = _NUMBER.search(value)
            side.final_building = m.group(0) if m else ""
        if comp.label in _NAMED and len(value) >= 2:
            side.names.append(value)
        elif comp.label == "road" and len(value) >= 2:
            side.roads.append(value)
        elif comp.label in _NUMBERED:
            m = _NUMBER.search(value)
            if m:
                side.numbers.setdefault(comp.label, _unpadded(m.group(0)))
        elif comp.label in ("city", "district"):
            side.admin.setdefault(comp.label, set()).add(_ADMIN_SUFFIX.sub("", value))
        if comp.label in ("prov", "city", "district", "town"):
            codes = area_codes(clean(comp.text)[0], gazetteer)
            if codes:
                side.areas.append(codes)
                if comp.label != "town" or len({code[:6] for code in codes}) == 1:
                    side.counties.append(codes)
    side.chain = "".join(chain)
    again = _restatement(body, result.components)
    if again is not None:
        side.restated = read_side(again, gazetteer)
    side.areas = consistent(side.areas)
    side.counties = [codes for codes in side.counties if codes in side.areas]
    return side


def _restatement(body: str, components: list[Component]) -> str | None:
    """The text's last statement of the place, its divisions kept, when it names the place
    twice; ``None`` when it names it once.

    A register's entry copied into a form and then written again with the unit meant
    (金源路41号金源路41号1单元202, 上油松村10栋上油松村10-2号), or a second door of the
    same building (深业大厦文锦中路1031号), names a place it named before. Either
    statement may be the one the other address means, so compare() weighs both. Only names
    below the divisions count: 南湖区 written twice starts nothing.
    """
    seen: dict[tuple[str, str], int] = {}
    for i, comp in enumerate(components):
        if comp.label not in _RESTATED:
            continue
        first = seen.setdefault((comp.label, comp.text), i)
        if first < i:
            head = (
                components[first - 1].end if first and components[first - 1].label in _ADMIN else 0
            )
            return body[:head] + body[comp.start :]
    return None


def canon(text: str) -> str:
    """A component's text in canonical form (digits, synonyms), without prefix dropping."""
    return normalize_cleaned(clean(text)[0], _EMPTY)


def _unpadded(number: str) -> str:
    """A number without leading zeros (0308 is 308), unless it is zeros only (a masked one)."""
    return number.lstrip("0") or number if number.strip("0") else number
