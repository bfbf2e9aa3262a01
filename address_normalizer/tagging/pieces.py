"""The address tagger's named pieces: one label for each piece a named run was split into.

Splitting at typed suffixes says where a name ends; what it is depends on the places named
just before it (a name after a POI is one of its parts, 北门 after 状元府 is that place's
gate, a 村 after a town name may carry a place name at its head), and a piece may still
hold a place and one of its parts. Those decisions need the shared state, piece by piece,
so they live apart from the splitting.
"""

from __future__ import annotations

import re

from ..lexicon import (
    ASSIST,
    ASSIST_HEAD,
    ASSIST_TAIL,
    CONNECTIVE,
    DEVZONE_TAIL,
    POI_END,
    ROAD_TAIL,
    SECTION,
    SUBPOI_INNER,
    SUBPOI_TAIL,
)
from .admin import LEVEL_CHAR
from .state import TagState

_ASSIST_WORDS = frozenset(ASSIST)
_ROAD_INFIX = frozenset("东西南北中一二三四五六七八九十0123456789横直外内环")
# 行政村, 自然村: a kind of village, not a place name heading the village name.
_VILLAGE_KIND = frozenset(("行政", "自然"))
# Sub-POI words that end a name even when the name before them has no POI ending.
_SUBPOI_ALONE = re.compile("门卫室?|项目部|[东西南北中]区|门口|[东西南北]楼")
# Parts of a place that open the run after its name (状元府 + 北门小店).
_PART_HEAD = re.compile(
    "[东西南北]?大?门口|[东西南北]?大门|[东西南北]门|[东西南北中]区|裙楼|架空层|门卫室?|收发室"
)
# The guideline counts a building named by its side (南楼, 东楼) as a building number.
_SIDE_BUILDING = re.compile("[东西南北]楼")
# 内科, 外科, 外国语学校 are departments and schools, not "inside" or "outside".
_LOCATING_AFTER = re.compile(
    "背后|后面|旁边|侧边|里面|内(?![科圈])|外(?![科国])|里|旁|[东西南北][侧面边]"
)
_ORDINAL_OR_SIDE = frozenset("东西南北中一二三四五六七八九十")
_SECTION_TAIL = re.compile(f"(?:{SECTION.pattern})$")


def label_piece(text: str, kind: str, start: int, end: int, state: TagState) -> None:
    """Emit one piece, resolving POI versus sub-POI and splitting assist words off."""
    word = text[start:end]
    if kind == "road" and word[0] in CONNECTIVE and state.last() == "road" and len(word) > 2:
        start, word = start + 1, word[1:]
    if kind in ("rest", "poi") and _after_named_place(text, start, state):
        head = _LOCATING_AFTER.match(word)
        if head and len(word) - head.end() >= 2 and word[head.end()] not in "门区":
            # 加油站 + 内 + 汽车美容, 商贸城 + 南 + 数控刀具: where, from the place just named.
            state.emit("assist", start, start + head.end())
            label_piece(text, kind, start + head.end(), end, state)
            return
    if kind in ("rest", "poi") and state.out and state.out[-1][2] == start:
        head = _PART_HEAD.match(word) if state.last() in ("poi", "subpoi", "houseno") else None
        if head and len(word) - head.end() >= 2:
            # 状元府 + 北门 + 小店, 体育大厦 + 裙楼 + 体坛报: a part of the place just named,
            # then the next place.
            state.emit("subpoi", start, start + head.end())
            label_piece(text, kind, start + head.end(), end, state)
            return
    if kind == "rest":
        if word in _ASSIST_WORDS:
            state.emit("assist", start, end)
            return
        if word in CONNECTIVE:
            return
        head = ASSIST_HEAD.match(word)
        if head and len(word) - head.end() >= 2:
            state.emit("assist", start, start + head.end())
            label_piece(text, "rest", start + head.end(), end, state)
            return
        m = ASSIST_TAIL.search(word)
        if m and m.start() > 0 and len(word) - m.start() >= 2:
            label_piece(text, "rest", start, start + m.start(), state)
            state.emit("assist", start + m.start(), end)
            return
        kind = "poi"
    if kind in ("town", "community"):
        start = _admin_heads(text, start, end, state)
        word = text[start:end]
        village = kind == "community" and word[-1] == "村" and len(word) >= 5
        if village and word[-3:-1] not in _VILLAGE_KIND:
            # 石婆桥 + 凤亭村, 吴店 + 新民村: a place name heads the village name.
            keep = 3 if len(word) <= 6 else 4
            lead = "community" if state.last() in ("town", "community") else "town"
            state.emit(lead, start, end - keep)
            start = end - keep
    if kind == "devzone":
        start = _devzone_start(text, start, end, state)
    if kind == "road" and end - start >= 5:
        keep = _road_keep(word)
        if keep <= len(word) - 2:
            lead = "community" if state.last() in ("town", "community") else "poi"
            if lead == "poi":
                state.bare.add(len(state.out))
            state.emit(lead, start, end - keep)
            start = end - keep
    if kind in ("poi", "rest") and end - start >= 4 and word[-1] == "内":
        # 植物保护站内, 沪升电器内: "inside" the place just named.
        label_piece(text, kind, start, end - 1, state)
        state.emit("assist", end - 1, end)
        return
    if kind in ("poi", "rest") and end - start >= 6:
        inner = SUBPOI_INNER.search(word, 2, len(word) - 2)
        if inner:
            # 第一人民医院 + 北门 + 报刊亭: a gate or part inside a run, then the next place.
            label_piece(
                text, "poi" if kind == "poi" else "rest", start, start + inner.start(), state
            )
            state.emit("subpoi", start + inner.start(), start + inner.end())
            label_piece(text, "rest", start + inner.end(), end, state)
            return
    if kind == "poi" and end - start >= 6:
        cut = _estate_part(word)
        if cut:
            # 水韵康桥 + 康锦苑, 新风丽都 + 北苑: a named block of the estate just named.
            label_piece(text, "poi", start, start + cut, state)
            label_piece(text, "poi", start + cut, end, state)
            return
    if kind == "poi":
        m = SUBPOI_TAIL.search(word)
        if (
            m
            and m.start() >= 2
            and (POI_END.search(word, 0, m.start()) or _SUBPOI_ALONE.fullmatch(word, m.start()))
        ):
            # 文礼书院 + 门卫室; 常青花边 + 门口, 长城机电 + 东区: these parts end any name.
            label_piece(text, "poi", start, start + m.start(), state)
            _part(text, start + m.start(), end, state)
            return
        if _SIDE_BUILDING.fullmatch(word):
            state.emit("houseno", start, end)
            return
        prev = state.last()
        after = ("poi", "subpoi", "houseno", "floorno", "cellno", "roomno")
        kind = "subpoi" if state.has_poi() and prev in after else "poi"
        if kind == "poi" and not POI_END.search(word):
            state.bare.add(len(state.out))
    state.emit(kind, start, end)


def _part(text: str, start: int, end: int, state: TagState) -> None:
    """Emit a part of the place just named: a sub-POI, or a building named by its side."""
    state.emit("houseno" if _SIDE_BUILDING.fullmatch(text, start, end) else "subpoi", start, end)


def _after_named_place(text: str, start: int, state: TagState) -> bool:
    """The span just before ``start`` is a POI or zone whose name has its typed ending."""
    if not state.out or state.out[-1][2] != start:
        return False
    label, prev_start, _ = state.out[-1]
    if label == "devzone":
        return True
    return label in ("poi", "subpoi") and POI_END.search(text, prev_start, start) is not None


def _road_keep(word: str) -> int:
    """How many trailing characters of an over-long road piece are the road name itself.

    Road names are short: two characters plus optional direction or ordinal infixes
    (长发中路, 纬三路) plus the suffix; what precedes them is a village or place name.
    """
    section = _SECTION_TAIL.search(word)
    if section and section.start() >= 2:
        # 环城西路 + 北段: the road name is counted without its section.
        return _road_keep(word[: section.start()]) + len(section.group(0))
    tail = ROAD_TAIL.search(word)
    suffix = len(tail.group(0)) if tail else 1
    if word.endswith(("步行街", "商业街")):
        suffix = 3  # 银泰步行街: the street is named after the place
    infix = 0
    while infix < 2 and suffix + infix < len(word) and word[-suffix - infix - 1] in _ROAD_INFIX:
        infix += 1
    return suffix + infix + 2


def _estate_part(word: str) -> int:
    """Where a block name at the end of a housing estate's name starts (水韵康桥 + 康锦苑,
    芳辰丽阳 + 南园), or 0: a 苑 with a two-character name or a side or ordinal before it,
    or a 园 with a side or ordinal, after a name of three characters or more."""
    if word[-1] == "苑" and word[-2:] not in ("花苑", "家苑", "名苑"):
        cut = len(word) - (2 if word[-2] in _ORDINAL_OR_SIDE else 3)
    elif word[-1] == "园" and word[-2] in _ORDINAL_OR_SIDE:
        cut = len(word) - 2
    else:
        return 0
    return cut if cut >= 3 else 0


def _admin_heads(text: str, start: int, end: int, state: TagState) -> int:
    """Emit division names the gazetteer does not know at the head of a town or village
    (乐青市 + 石帆街道, 鄞洲区 + 钟公庙镇), by their level character; returns the rest's start.
    """
    pos = start
    for i in range(start + 1, end - 3):
        level = LEVEL_CHAR.get(text[i])
        if level and i - pos >= 1 and text[i - 1] not in "社小园" and text[i + 1] != "场":
            state.emit(level, pos, i + 1)
            pos = i + 1
    return pos


def _devzone_start(text: str, start: int, end: int, state: TagState) -> int:
    """Where a development zone's name starts: a bare zone word after a town is that
    town's zone (掌起镇工业园区, one name), so the town joins it; after a name it is that
    name's zone (凤凰湾 + 新区)."""
    m = DEVZONE_TAIL.search(text, start, end)
    bare = m is not None and m.start() - start <= 1
    if bare and state.last() == "town" and state.out[-1][2] == start and text[start - 1] == "镇":
        return state.out.pop()[1]
    if bare and state.last() == "poi" and state.out[-1][2] == start:
        return state.out.pop()[1]
    return start
