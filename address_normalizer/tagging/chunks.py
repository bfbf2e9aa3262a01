"""The address tagger's third pass: named runs between numbered parts, split into pieces.

A run of names (杭州市滨江区长河街道江南大道 …) has no separators, so it is cut at the typed
suffixes that end names (路, 村, 开发区, 大厦 …); most of the rules here are about suffixes
that do not end a name (花园 + 路 is one road, 阳光城 + 小区 one estate). Before cutting, a
run may still open with administrative names, or hold a second address or a locating word
(附近, 楼下) between two places; each part is then split on its own.
"""

from __future__ import annotations

import re

from ..gazetteer import Gazetteer
from ..lexicon import (
    ASSIST_INNER,
    CONNECTIVE,
    DEVZONE_TAIL,
    INTERSECTION,
    POI_COMPLETION,
    RING,
    RING_NOT_BARE,
    SECTION,
    SUFFIX,
)
from .admin import LEVEL_CHAR, admin_chain, chain_inside, second_chain
from .pieces import label_piece
from .state import PLACE, TagState

_SINGLE_POI_SUFFIX_MIN_BODY = 2
_OFFICE = frozenset(("社区", "社区居委会", "居委会"))
_MERGE_INTO = frozenset((("community", "community"), ("town", "road"), ("town", "town")))
# A one-character POI ending that starts one of these words ends no name (城市, 府邸).
_WORD_AFTER_ENDING = frozenset(("城市", "庭院", "府邸", "厂房", "店铺", "城区", "苑区"))
# A road suffix, maybe after a side, right after a POI ending (环城 + 西路, 城南 + 路).
_ROAD_NEXT = re.compile("([东西南北中]{0,2})(?:路|街|大道|巷|弄)")
# A ring road may follow a name that ends in one of these (掌起工业区 + 北一环).
_NAME_END = frozenset("区镇乡村路街道巷弄县市")
# What may follow a bare ring road: a connective or a crossing (南外环 + 与, 外环 + 路口).
_ROAD_INFIX = frozenset("东西南北中一二三四五六七八九十0123456789")
_LATER_ROAD = re.compile("路|街|大道|巷|弄")
_BEFORE_PART = re.compile(f"[{''.join(CONNECTIVE)}]|{'|'.join(INTERSECTION)}")


def split_chunk(text: str, a: int, b: int, gazetteer: Gazetteer, state: TagState) -> None:
    """Split a run of named text at typed suffixes and label the pieces."""
    if state.out and state.out[-1][2] > a:
        a = state.out[-1][2]  # administrative names may run on past a typed separator
    if a >= b:
        return
    if state.breaks:
        cut = next((i for i in range(a + 1, b) if i in state.breaks), 0)
        if cut:
            split_chunk(text, a, cut, gazetteer, state)
            split_chunk(text, cut, b, gazetteer, state)
            return
    a = admin_chain(text, a, gazetteer, state)
    a = second_chain(text, a, gazetteer, state)
    a = _absorb_short(text, a, b, state)
    inner_admin = chain_inside(text, a, b, gazetteer) if b - a >= 5 else 0
    if inner_admin:
        # 中国浙江省金华市义乌市, AAAA浙江温州市瑞安市: a second address starts mid-run.
        head = text[a:inner_admin]
        if head[-1] in LEVEL_CHAR and len(head) <= 4 and not DEVZONE_TAIL.search(head):
            state.emit(LEVEL_CHAR[head[-1]], a, inner_admin)  # 市辖县, a misspelt division
        elif head != "中国" and not head.isascii():
            split_chunk(text, a, inner_admin, gazetteer, state)
        state.placed = False  # the administrative chain starts again
        split_chunk(text, inner_admin, b, gazetteer, state)
        return
    ring = _ring(text, a, b) if text.find("环", a, b) >= 0 else None
    if ring:
        # 东四环中路, 与 + 南二环 + 交叉口: a ring road is one road wherever it stands.
        if ring[0] > a:
            split_chunk(text, a, ring[0], gazetteer, state)
        end = _section_end(text, ring[1], b)
        state.emit("road", ring[0], end)
        if end < b:
            split_chunk(text, end, b, gazetteer, state)
        return
    inner = ASSIST_INNER.search(text, a, b)
    if inner:
        # 000号附近武义…公司, 二商所楼下芳龄美容院: a locating word between two places.
        if inner.start() > a:
            split_chunk(text, a, inner.start(), gazetteer, state)
        state.emit("assist", inner.start(), inner.end())
        if inner.end() < b:
            split_chunk(text, inner.end(), b, gazetteer, state)
        return
    cur = a
    # (kind, start, end, where the suffix starts)
    pieces: list[tuple[str, int, int, int]] = []
    for m in SUFFIX.finditer(text, a, b):
        if m.start() < cur:
            continue  # inside a road's section (民权东路 + 六段)
        kind = m.lastgroup or ""
        body = m.start() - cur
        if kind == "road":
            if text[m.end() : m.end() + 1] == "村":
                continue  # 谢家路村, 长巷村: a village named after a road
            if (
                pieces
                and pieces[-1][2] == cur
                and (
                    (pieces[-1][0] == "poi" and body <= 2 and _second_road(text, pieces, state))
                    or (pieces[-1][0] in ("poi", "devzone") and body == 0)
                )
            ):
                # 花园 + 路 → 花园路, 产业园 + 路 → 产业园路: the suffix turns the previous
                # piece into a road name;
                # so does a road just after a connective (中山路与 + 花园 + 岗街).
                start = pieces.pop()[1]
                pieces.append(("road", start, m.end(), m.start()))
                cur = m.end()
                continue
            if body < 1:
                continue
            if body == 1 and text[cur] in "东西南北" and m.group() == "路":
                last = pieces[-1] if pieces else None
                if last and last[0] == "road" and last[2] == cur and last[2] - last[1] == 2:
                    # 郑巷 + 北路: a one-character lane before a side and 路 is a name
                    # (a lane of a road is 永新街 + 一巷, a road's section 下塘街 + 北路).
                    pieces.pop()
                    pieces.append(("road", last[1], m.end(), m.start()))
                    cur = m.end()
                    continue
                if not pieces and _LATER_ROAD.search(text, m.end(), b):
                    continue  # 东路 + 桥大道: 东路桥大道 is one road

        elif kind == "intersection":
            if text[m.start()] == "路" and body > 0:
                pieces.append(("road", cur, m.start() + 1, m.start()))
                pieces.append(("intersection", m.start() + 1, m.end(), m.start() + 1))
                cur = m.end()
                continue
            if body > 0:
                pieces.append(("rest", cur, m.start(), m.start()))
                cur = m.start()
        elif (
            body == 0
            and pieces
            and (
                (kind, pieces[-1][0]) in _MERGE_INTO
                or (kind == "community" and pieces[-1][0] == "road" and m.group() in _OFFICE)
            )
        ):
            # 乐一村 + 村委会, 杨园街 + 街道: the second suffix completes the first name; a
            # community is named after a road too (星河街 + 社区).
            start = pieces.pop()[1]
            pieces.append((kind, start, m.end(), m.start()))
            cur = m.end()
            continue
        elif kind in ("town", "community"):
            if body < 2:
                continue
            if (state.placed or any(p[0] in PLACE for p in pieces)) and not _late_village(
                text, m, body, b
            ):
                town = _known_town(text, cur, m, gazetteer) if kind == "town" else -1
                if town < 0:
                    continue
                if town > cur:
                    pieces.append(("rest", cur, town, town))
                    cur = town
        elif kind == "poi":
            single = m.end() - m.start() == 1
            if single and text[m.start() : m.start() + 2] in _WORD_AFTER_ENDING:
                continue  # 城市, 庭院, 府邸, 厂房: the ending starts a longer word
            if single:
                nxt = SUFFIX.match(text, m.end(), b)
                if nxt and nxt.lastgroup == "poi" and nxt.end() - nxt.start() > 1:
                    continue  # 阳光城 + 小区, 锦苑 + 小区: the name goes on
            last = pieces[-1] if pieces else None
            if (
                last
                and last[0] == "poi"
                and last[2] == cur
                and POI_COMPLETION.match(text, cur, m.end())
                and text[last[2] - 2 : last[2]] != "公司"
            ):
                # 金华八达集团 + 有限公司, 中国银行 + 温岭支行: one name, not two places.
                pieces[-1] = ("poi", last[1], m.end(), m.start())
                cur = m.end()
                continue
            if body < (_SINGLE_POI_SUFFIX_MIN_BODY if single else 1):
                continue
        end = _section_end(text, m.end(), b) if kind == "road" else m.end()
        pieces.append((kind, cur, end, m.start()))
        cur = end
    if cur < b:
        pieces.append(("rest", cur, b, b))
    for kind, start, end, _ in pieces:
        label_piece(text, kind, start, end, state)


def _section_end(text: str, end: int, b: int) -> int:
    """Where a road ending at ``end`` ends with its section (二段, 南段), if one follows."""
    m = SECTION.match(text, end, b)
    return m.end() if m else end


def _ring(text: str, a: int, b: int) -> tuple[int, int] | None:
    """Where a ring road is named in ``text[a:b]``, or ``None``: at the start, after a
    connective or after a name with its typed ending (掌起工业区 + 北一环).

    Inside a name a ring is part of it (仁德北三环建材市场, 商务内环路, 龙湖外环东路).
    """
    for m in RING.finditer(text, a, b):
        start, end = m.span()
        if start > a and text[start - 1] not in CONNECTIVE and text[start - 1] not in _NAME_END:
            continue
        if end > m.end("ring"):
            return start, end  # a road suffix after the ring: 三环东路, 内环高架
        if end < b and text[start] not in "东西南北" and not _BEFORE_PART.match(text, end, b):
            continue  # 三环信息苑: a bare ring without its side may head a name
        if end < b and text[end - 2] in "内外" and not _BEFORE_PART.match(text, end, b):
            continue  # 东外环市场: a bare inner or outer ring is no road inside a name
        if end == b or text[end] not in RING_NOT_BARE:
            return start, end
    return None


def _known_town(text: str, cur: int, m: re.Match[str], gazetteer: Gazetteer) -> int:
    """Start of a township the gazetteer knows by its full name ending at ``m``, or -1."""
    for start in range(cur, m.start() - 1):
        if any(p.level == "town" and not p.short for p in gazetteer.get(text[start : m.end()])):
            return start
    return -1


def _second_road(text: str, pieces: list[tuple[str, int, int, int]], state: TagState) -> bool:
    """The last piece opens with a connective right after a road (中山路 + 与花园)."""
    start = pieces[-1][1]
    if text[start] not in CONNECTIVE:
        return False
    if len(pieces) > 1:
        return pieces[-2][0] == "road" and pieces[-2][2] == start
    return state.last() == "road" and state.out[-1][2] == start


def _late_village(text: str, m: re.Match[str], body: int, b: int) -> bool:
    """A community inside a run after a road or place: a short 村 name with a name after it
    (东区 + 师桥村 + 浙东模具城, 曹村 + 菜市场; X新村 is a housing estate), or a 社区."""
    word = m.group()
    if word in _OFFICE:
        return True
    return word == "村" and body <= 3 and text[m.start() - 1] != "新" and m.end() + 2 <= b


def _absorb_short(text: str, a: int, b: int, state: TagState) -> int:
    """Undo a short admin name that is really the head of the next name (嘉善大道, 下沙开发区).

    Returns the position the chunk should start from.
    """
    if not state.out or len(state.out) - 1 not in state.short or state.out[-1][2] != a:
        return a
    m = SUFFIX.search(text, a, b)
    if m is not None and m.lastgroup == "community" and _heads_road(text, a, m, state):
        start = state.out.pop()[1]
        state.short.discard(len(state.out))
        return start
    if m is None or m.lastgroup not in ("road", "poi", "devzone"):
        return a
    road = _ROAD_NEXT.match(text, m.end(), b)
    if m.lastgroup == "poi" and road and m.end() - a + len(road.group(1)) >= 2:
        # 黄岩 + 环城西路, 永康 + 城南路: the POI ending starts a road's name, and the road
        # keeps two characters before its suffix (杏林湾路 stays one name).
        return a
    if (
        m.lastgroup == "poi"
        and m.end() - m.start() == 1
        and m.end() < b
        and road is None
        and text[m.start() : m.start() + 2] not in _WORD_AFTER_ENDING
    ):
        # 南湖 + 城北新村, 永康 + 长城工业区: a one-character ending (城, 苑, 湾) with more
        # name after it is inside the next name more often than it closes one.
        return a
    if m.start() - a <= 1 or _heads_road(text, a, m, state):
        # 嘉善 + 大道: the short form heads the name after it.
        start = state.out.pop()[1]
        state.short.discard(len(state.out))
        return start
    return a


def _heads_road(text: str, a: int, m: re.Match[str], state: TagState) -> bool:
    """马安 + 山四路, 谭家 + 岭东路, 黄龙 + 塘东二巷, 莲花 + 北村: a short form opening the
    text, with no division before it to agree with, before a road (or village) whose own name
    (without side and ordinal) would be one character, heads that name. With a division
    before it the hierarchy has vouched for it (椒江区 + 白云 + 山西路); a district's short
    form heads only a lane or a village (西湖 + 文一路 is a road of 西湖区)."""
    if m.lastgroup not in ("road", "community") or len(state.out) != 1:
        return False
    if road_core(text, a, m.start()) > 1:
        return False
    level = state.out[0][0]
    if m.lastgroup == "community":
        # 莲花 + 北村, 东方 + 大村: a village is named by two characters or more too.
        return level in ("town", "district") and m.group() == "村"
    return level == "town" or (level == "district" and m.group() in ("巷", "弄"))


def road_core(text: str, a: int, b: int) -> int:
    """Characters of ``text[a:b]`` (a road's name before its suffix) left without the sides
    and ordinals at its end (塘东二 → 塘): a road is named by at least two of them, or by
    one with an ordinal (经二路)."""
    while b > a and text[b - 1] in _ROAD_INFIX:
        b -= 1
    return b - a
