"""Rule tagger: cleaned address text → labelled spans.

Three passes, each cheap: (1) administrative names at the front, by longest match in the
gazetteer with the hierarchy checked; (2) numbered parts (号, 幢, 单元, 层 …) found by one
regex and labelled by what precedes them; (3) the named chunks between numbered parts split
at typed suffixes (路, 村, 开发区, 大厦 …). Rules rather than a learned model keep the
behaviour explainable and avoid shipping weights trained on third-party data.
"""

from __future__ import annotations

import re

from .gazetteer import Gazetteer
from .lexicon import (
    ASSIST,
    ASSIST_HEAD,
    ASSIST_INNER,
    ASSIST_TAIL,
    CONNECTIVE,
    DEVZONE_TAIL,
    NOISE_HEAD,
    NOISE_TAIL,
    NOISE_TAIL_END,
    NUMBERED,
    POI_COMPLETION,
    POI_END,
    ROAD_TAIL,
    SUBPOI_INNER,
    SUBPOI_TAIL,
    SUFFIX,
)
from .tag_admin import LEVEL_CHAR, admin_chain, chain_inside, second_chain
from .tag_numbered import in_name, label_numbered
from .tag_settle import settle
from .tag_state import PLACE, Span, TagState

_SINGLE_POI_SUFFIX_MIN_BODY = 2
_ASSIST_WORDS = frozenset(ASSIST)
_MERGE_INTO = frozenset((("community", "community"), ("town", "road"), ("town", "town")))
_ROAD_INFIX = frozenset("东西南北中一二三四五六七八九十0123456789横直外内环")


def tag(text: str, gazetteer: Gazetteer, *, breaks: frozenset[int] = frozenset()) -> list[Span]:
    """Label the spans of a cleaned address; unlabelled characters are noise.

    See :func:`tag_with_prefix`, which also returns the administrative names at the head.
    """
    return tag_with_prefix(text, gazetteer, breaks=breaks)[0]


def tag_with_prefix(
    text: str, gazetteer: Gazetteer, *, breaks: frozenset[int] = frozenset()
) -> tuple[list[Span], list[Span]]:
    """Label the spans of a cleaned address; unlabelled characters are noise.

    Parameters
    ----------
    text : str
        Output of :func:`address_normalizer.text.clean`.
    gazetteer : Gazetteer
        Administrative names to recognise.
    breaks : frozenset of int, optional
        Positions in ``text`` where the caller typed a separator (a space, ``_``, a comma):
        no name runs across one.

    Returns
    -------
    spans : list of (label, start, end)
        Non-overlapping spans over ``text`` in order.
    prefix : list of (label, start, end)
        What :func:`admin_prefix` answers for ``text`` without a leading 中国: the first
        pass below computes exactly that, and normalising needs it too.
    """
    state = TagState(breaks)
    n = len(text)
    head = NOISE_HEAD.match(text)
    # 中国 is the country only before a division name (中国轻纺城 is a market).
    skip = head.end() if head and next(gazetteer.match(text, head.end()), None) else 0
    pos = admin_chain(text, skip, gazetteer, state)
    # A head that was not skipped starts no division name either: its prefix is empty.
    prefix = [(lb, s - skip, e - skip) for lb, s, e in state.out] if skip or not head else []
    tail = NOISE_TAIL.search(text, pos) if text[-1:] in NOISE_TAIL_END else None
    end_all = tail.start() if tail else n
    last = pos
    for m in NUMBERED.finditer(text, pos, end_all):
        kind = m.lastgroup or ""
        if in_name(kind, m, last, end_all, text):
            continue
        if m.start() > last:
            _chunk(text, last, m.start(), gazetteer, state)
        before = len(state.out)
        label_numbered(kind, m.start(), m.end(), m.end() == end_all, text, state)
        # An unlabelled number that runs into a name belongs to it (00班, 000病区, 0号库).
        glue = kind == "bare" and len(state.out) == before and m.end() < end_all and m[0].isdigit()
        last = m.start() if glue else m.end()
    if last < end_all:
        _chunk(text, last, end_all, gazetteer, state)
    settle(text, state)
    return state.out, prefix


def admin_prefix(text: str, gazetteer: Gazetteer) -> list[Span]:
    """Only the administrative names at the start of a cleaned address (cheap)."""
    state = TagState()
    admin_chain(text, 0, gazetteer, state)
    return state.out


def _chunk(text: str, a: int, b: int, gazetteer: Gazetteer, state: TagState) -> None:
    """Split a run of named text at typed suffixes and label the pieces."""
    if state.out and state.out[-1][2] > a:
        a = state.out[-1][2]  # administrative names may run on past a typed separator
    if a >= b:
        return
    if state.breaks:
        cut = next((i for i in range(a + 1, b) if i in state.breaks), 0)
        if cut:
            _chunk(text, a, cut, gazetteer, state)
            _chunk(text, cut, b, gazetteer, state)
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
            _chunk(text, a, inner_admin, gazetteer, state)
        state.placed = False  # the administrative chain starts again
        _chunk(text, inner_admin, b, gazetteer, state)
        return
    inner = ASSIST_INNER.search(text, a, b)
    if inner:
        # 000号附近武义…公司, 二商所楼下芳龄美容院: a locating word between two places.
        if inner.start() > a:
            _chunk(text, a, inner.start(), gazetteer, state)
        state.emit("assist", inner.start(), inner.end())
        if inner.end() < b:
            _chunk(text, inner.end(), b, gazetteer, state)
        return
    cur = a
    # (kind, start, end, where the suffix starts)
    pieces: list[tuple[str, int, int, int]] = []
    for m in SUFFIX.finditer(text, a, b):
        kind = m.lastgroup or ""
        body = m.start() - cur
        if kind == "road":
            if text[m.end() : m.end() + 1] == "村":
                continue  # 谢家路村, 长巷村: a village named after a road
            if (
                pieces
                and pieces[-1][0] == "poi"
                and pieces[-1][2] == cur
                and (body == 0 or (body <= 2 and _second_road(text, pieces, state)))
            ):
                # 花园 + 路 → 花园路: the suffix turns the previous piece into a road name;
                # so does a road just after a connective (中山路与 + 花园 + 岗街).
                start = pieces.pop()[1]
                pieces.append(("road", start, m.end(), m.start()))
                cur = m.end()
                continue
            if body < 1:
                continue
        elif kind == "intersection":
            if text[m.start()] == "路" and body > 0:
                pieces.append(("road", cur, m.start() + 1, m.start()))
                pieces.append(("intersection", m.start() + 1, m.end(), m.start() + 1))
                cur = m.end()
                continue
            if body > 0:
                pieces.append(("rest", cur, m.start(), m.start()))
                cur = m.start()
        elif body == 0 and pieces and (kind, pieces[-1][0]) in _MERGE_INTO:
            # 乐一村 + 村委会, 杨园街 + 街道: the second suffix completes the first name.
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
        pieces.append((kind, cur, m.end(), m.start()))
        cur = m.end()
    if cur < b:
        pieces.append(("rest", cur, b, b))
    for kind, start, end, _ in pieces:
        _piece(text, kind, start, end, state)


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
    if word in ("社区", "社区居委会", "居委会"):
        return True
    return word == "村" and body <= 3 and text[m.start() - 1] != "新" and m.end() + 2 <= b


# Sub-POI words that end a name even when the name before them has no POI ending.
_SUBPOI_ALONE = re.compile("门卫室?|项目部|[东西南北中]区|门口|[东西南北]楼")
# Parts of a place that open the run after its name (状元府 + 北门小店).
_PART_HEAD = re.compile(
    "[东西南北]?大?门口|[东西南北]?大门|[东西南北]门|[东西南北中]区|裙楼|架空层|门卫室?|收发室"
)
# The guideline counts a building named by its side (南楼, 东楼) as a building number.
_SIDE_BUILDING = re.compile("[东西南北]楼")
_WORD_AFTER_ENDING = frozenset(("城市", "庭院", "府邸", "厂房", "店铺", "城区", "苑区"))


_ROAD_NEXT = re.compile("([东西南北中]{0,2})(?:路|街|大道|巷|弄)")


def _absorb_short(text: str, a: int, b: int, state: TagState) -> int:
    """Undo a short admin name that is really the head of the next name (嘉善大道, 下沙开发区).

    Returns the position the chunk should start from.
    """
    if not state.out or len(state.out) - 1 not in state.short or state.out[-1][2] != a:
        return a
    m = SUFFIX.search(text, a, b)
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
    if m.start() - a <= 1:
        start = state.out.pop()[1]
        state.short.discard(len(state.out))
        return start
    return a


def _road_keep(word: str) -> int:
    """How many trailing characters of an over-long road piece are the road name itself.

    Road names are short: two characters plus optional direction or ordinal infixes
    (长发中路, 纬三路) plus the suffix; what precedes them is a village or place name.
    """
    tail = ROAD_TAIL.search(word)
    suffix = len(tail.group(0)) if tail else 1
    if word.endswith(("步行街", "商业街")):
        suffix = 3  # 银泰步行街: the street is named after the place
    infix = 0
    while infix < 2 and word[-suffix - infix - 1] in _ROAD_INFIX:
        infix += 1
    return suffix + infix + 2


# 内科, 外科, 外国语学校 are departments and schools, not "inside" or "outside".
_LOCATING_AFTER = re.compile(
    "背后|后面|旁边|侧边|里面|内(?![科圈])|外(?![科国])|里|旁|[东西南北][侧面边]"
)
_ORDINAL_OR_SIDE = frozenset("东西南北中一二三四五六七八九十")


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


def _after_named_place(text: str, start: int, state: TagState) -> bool:
    """The span just before ``start`` is a POI or zone whose name has its typed ending."""
    if not state.out or state.out[-1][2] != start:
        return False
    label, prev_start, _ = state.out[-1]
    if label == "devzone":
        return True
    return label in ("poi", "subpoi") and POI_END.search(text, prev_start, start) is not None


def _piece(text: str, kind: str, start: int, end: int, state: TagState) -> None:
    """Emit one piece, resolving POI versus sub-POI and splitting assist words off."""
    word = text[start:end]
    if kind == "road" and word[0] in CONNECTIVE and state.last() == "road" and len(word) > 2:
        start, word = start + 1, word[1:]
    if kind in ("rest", "poi") and _after_named_place(text, start, state):
        head = _LOCATING_AFTER.match(word)
        if head and len(word) - head.end() >= 2 and word[head.end()] not in "门区":
            # 加油站 + 内 + 汽车美容, 商贸城 + 南 + 数控刀具: where, from the place just named.
            state.emit("assist", start, start + head.end())
            _piece(text, kind, start + head.end(), end, state)
            return
    if kind in ("rest", "poi") and state.out and state.out[-1][2] == start:
        head = _PART_HEAD.match(word) if state.last() in ("poi", "subpoi", "houseno") else None
        if head and len(word) - head.end() >= 2:
            # 状元府 + 北门 + 小店, 体育大厦 + 裙楼 + 体坛报: a part of the place just named,
            # then the next place.
            state.emit("subpoi", start, start + head.end())
            _piece(text, kind, start + head.end(), end, state)
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
            _piece(text, "rest", start + head.end(), end, state)
            return
        m = ASSIST_TAIL.search(word)
        if m and m.start() > 0 and len(word) - m.start() >= 2:
            _piece(text, "rest", start, start + m.start(), state)
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
        _piece(text, kind, start, end - 1, state)
        state.emit("assist", end - 1, end)
        return
    if kind in ("poi", "rest") and end - start >= 6:
        inner = SUBPOI_INNER.search(word, 2, len(word) - 2)
        if inner:
            # 第一人民医院 + 北门 + 报刊亭: a gate or part inside a run, then the next place.
            _piece(text, "poi" if kind == "poi" else "rest", start, start + inner.start(), state)
            state.emit("subpoi", start + inner.start(), start + inner.end())
            _piece(text, "rest", start + inner.end(), end, state)
            return
    if kind == "poi" and end - start >= 6:
        cut = _estate_part(word)
        if cut:
            # 水韵康桥 + 康锦苑, 新风丽都 + 北苑: a named block of the estate just named.
            _piece(text, "poi", start, start + cut, state)
            _piece(text, "poi", start + cut, end, state)
            return
    if kind == "poi":
        m = SUBPOI_TAIL.search(word)
        if (
            m
            and m.start() >= 2
            and (POI_END.search(word, 0, m.start()) or _SUBPOI_ALONE.fullmatch(word, m.start()))
        ):
            # 文礼书院 + 门卫室; 常青花边 + 门口, 长城机电 + 东区: these parts end any name.
            _piece(text, "poi", start, start + m.start(), state)
            _part(text, start + m.start(), end, state)
            return
        if _SIDE_BUILDING.fullmatch(word):
            state.emit("houseno", start, end)
            return
        prev = state.last()
        after = ("poi", "subpoi", "houseno", "floorno", "cellno")
        kind = "subpoi" if state.has_poi() and prev in after else "poi"
        if kind == "poi" and not POI_END.search(word):
            state.bare.add(len(state.out))
    state.emit(kind, start, end)


def _part(text: str, start: int, end: int, state: TagState) -> None:
    """Emit a part of the place just named: a sub-POI, or a building named by its side."""
    state.emit("houseno" if _SIDE_BUILDING.fullmatch(text, start, end) else "subpoi", start, end)


_VILLAGE_KIND = frozenset(("行政", "自然"))


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
