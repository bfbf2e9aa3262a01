"""The address tagger's second pass: numbered parts (号, 幢, 单元, 层 …) and their labels.

One regex (:data:`address_normalizer.lexicon.NUMBERED`) finds the numbered tokens; which
label a token gets often depends on what was labelled just before it (00号 after a road is
the road's door number, after a POI a building's), so tokens are labelled in order against
the shared state.
"""

from __future__ import annotations

import re

from ..lexicon import NUMERAL, ROAD_TAIL
from .state import TagState

# Labels after which a numbered part (0层, 0区) belongs to the POI named before it.
_PART_AFTER = frozenset(("poi", "subpoi", "houseno", "floorno", "cellno", "roadno", "assist"))
# Kinds whose label does not depend on what came before them.
_LABEL_OF_KIND = {"distance": "distance", "house": "houseno", "cell": "cellno",
                  "floor": "floorno", "room": "roomno", "group": "village_group"}  # fmt: skip
# A bare number before one of these starts the next name (00班, 0号库) rather than sitting
# inside the name before it.
_UNIT_AFTER_NUMBER = frozenset("班档信标仓库厂车柜号")
# What a dashed number (building-unit-room) or a bare room number may follow.
_DASHED_AFTER = frozenset(("poi", "subpoi", "community", "houseno", "devzone"))
_DASHED_INNER = _DASHED_AFTER | {"roadno"}
_ROOM_AFTER = frozenset(("poi", "subpoi", "devzone"))
_ROAD_END = frozenset("路街道巷弄")
# 鹤洲路43号809: a bare number after a door number closing the address is a room too.
_ROOM_AFTER_ANY = _ROOM_AFTER | {"roadno"}
_ROOM_NUMBER = re.compile("[A-Z]?[0-9]{3,5}[A-Z]?")
_STALL = re.compile("[A-Z]?[1-9][0-9]{3,4}号")
# The parts of a dashed number; a trailing 室 or 号 stays with the room.
_PART = re.compile("[0-9A-Z]+(?:室|号)?")


def _dashed(text: str, start: int, end: int, prev: str, state: TagState) -> bool:
    """Split a dashed number closing the address into building, unit and room (缤纷北苑
    47-6-746, 万达豪庭7-662室; after a building, 3-502 is unit and room); the dashes are
    no part. Returns False when the parts do not read so."""
    parts = [(m.start(), m.end()) for m in _PART.finditer(text, start, end)]
    labels: tuple[str, ...]
    if prev == "houseno":
        labels = ("cellno", "roomno")
    else:
        labels = ("houseno", "roomno") if len(parts) == 2 else ("houseno", "cellno", "roomno")
    if len(parts) != len(labels) or len(parts) < 2:
        return False
    for label, (a, b) in zip(labels, parts, strict=True):
        state.emit(label, a, b)
    return True


def in_name(kind: str, m: re.Match[str], last: int, end_all: int, text: str) -> bool:
    """A numbered token at ``m`` that is part of the name before it, not a part of its own.

    ``last`` is where the text not yet labelled starts and ``end_all`` where the address
    ends before any trailing noise.
    """
    if (
        kind == "bare"
        and m.start() > last
        and m.end() < end_all
        and m[0].isdigit()
        and text[m.end()] not in _UNIT_AFTER_NUMBER
        and not ROAD_TAIL.search(text, last, m.start())
    ):
        return True  # a number inside a name (莫泰000酒店, 解放军000医院)
    # 金竹八巷, 南四巷: an ordinal inside a lane's name, whichever way it is written
    # (水斗坑3巷 is 水斗坑三巷); right after a road, a numbered lane is a lane of that road.
    return (
        kind == "lane"
        and m.start() > last
        and text[m.start() - 1] > "~"
        and (m[0][0] in NUMERAL or (len(m[0]) <= 3 and text[m.start() - 1] not in _ROAD_END))
    )


def label_numbered(
    kind: str, start: int, end: int, at_end: bool, text: str, state: TagState
) -> None:
    """Label one numbered token by its kind and what came before it."""
    prev = state.last()
    fixed = _LABEL_OF_KIND.get(kind)
    if (
        kind == "room"
        and at_end
        and prev in _DASHED_AFTER
        and "-" in text[start:end]
        and _dashed(text, start, end, prev, state)
    ):
        return  # 锦华豪庭7-662室: building and room
    if fixed is not None:
        label = fixed
    elif kind == "hao":
        if prev == "assist" and len(state.out) > 1:
            # 塔墩路东00号: a direction between a road and its number.
            prev = state.out[-2][0]
        if prev in ("road", "intersection", ""):
            label = "roadno"
        else:
            # 5幢9单元3164号, 6楼96号: a number after a unit or floor is a room (a shop's
            # stall in a market hall); so is one of four or five digits closing the address
            # right after a named place (毛衫城2163号): no compound has that many buildings.
            label = (
                "roomno"
                if (prev == "cellno" and at_end)
                or prev == "floorno"
                or (prev in _ROOM_AFTER and at_end and _STALL.fullmatch(text, start, end))
                else "houseno"
            )
            if (
                prev == "houseno"
                and text[state.out[-1][2] - 1] in "栋幢座楼"
                and (state.out[-1][2] == start)
            ):
                # 110栋4号6楼, 15栋114号: a number right after a building is its entrance or
                # unit (the building was named already).
                label = "cellno"
    elif kind == "lane":
        # In Shanghai a 弄 is the door number on its road (宛平南路000弄0号楼); elsewhere a
        # numbered lane is a road of its own (建河路00弄0-0号).
        shanghai = state.code.startswith("31")
        label = "roadno" if prev == "road" and shanghai else "road"
    elif kind == "part":
        if text[end - 2 : end] == "号院":
            label = "poi"
        elif prev == "houseno" and text[end - 1] == "门" and text[end - 2] != "号":
            # 17栋1门, 3号楼2门: a numbered door right after a building is its stairwell
            # (北京, 长春); 2号门 stays a gate.
            label = "cellno" if state.out[-1][2] == start else "subpoi"
        else:
            # Once a POI was named, a numbered part after it (its floor, door or building
            # included) is one of its parts: 市场 + 0层 + 0区.
            label = "subpoi" if state.has_poi() and prev in _PART_AFTER else "poi"
    elif (
        prev in ("cellno", "houseno", "floorno")
        and "-" not in text[start:end]
        and (at_end or _ROOM_NUMBER.fullmatch(text, start, end))
    ):
        # 7栋6单元2080, and before a shop's name (12幢3098金豪科技): a room.
        label = "roomno"
    elif "-" in text[start:end] and prev not in ("road",):
        if prev in _DASHED_INNER and _dashed(text, start, end, prev, state):
            # 西子新村14-1227后门, 兆龙路37号6-913: also before a note or a shop's name,
            # and after a door number.
            return
        # 16楼807-811: after a floor, a range of rooms.
        label = "roomno" if prev == "floorno" else "detail"
    elif at_end and prev in _ROOM_AFTER_ANY and _ROOM_NUMBER.fullmatch(text, start, end):
        # 航运中心7318, 人人公寓789: a bare number closing the address after a named place
        # is its room (a building number is written with 幢 or 号).
        label = "roomno"
    elif prev == "road":
        label = "roadno"
    else:
        return
    state.emit(label, start, end)
