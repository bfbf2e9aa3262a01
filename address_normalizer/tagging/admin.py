"""The address tagger's first pass: chains of administrative names (省, 市, 区, 镇, 村).

Names come from the gazetteer by longest match, but a name counts only where the chain
around it agrees (its division code inside the one before it): short forms like 凤凰 or 城区
are names of many divisions and ordinary words in place names, and the hierarchy is what
tells the two apart. A chain usually heads the address; the helpers for a second chain
(repeated short forms, or a second address typed mid-run) live here too because they accept
names by the same rules.
"""

from __future__ import annotations

import re

from ..gazetteer import RANK, Gazetteer
from ..lexicon import RING_HEAD, SUFFIX
from .state import TagState

_NAME_TAIL = frozenset("村路街巷弄道桥")
_ROAD_AFTER = re.compile("路|大道|大街|街(?!道)|巷")
_LEVEL_END = frozenset("省市区县旗镇乡村道")
_LEVEL_WORDS = (
    ("街道", "town"), ("镇", "town"), ("乡", "town"), ("县", "district"), ("区", ""),
    ("省", "prov"), ("市", ""), ("社区", "community"),
)  # fmt: skip
# The level a division name's last character gives it, for names the gazetteer does not
# know (市辖县, 乐青市, 鄞洲区).
LEVEL_CHAR = {"省": "prov", "市": "city", "县": "district", "区": "district"}


def admin_chain(text: str, pos: int, gazetteer: Gazetteer, state: TagState) -> int:
    """Consume administrative names at ``pos`` while the hierarchy stays plausible.

    Candidates come grouped by where they end (a short form like 凤凰 is the short form of
    dozens of towns): what depends only on the text after the name is checked once per
    group, not once per place.
    """
    n = len(text)
    while pos < n:
        placed, code, out = state.placed, state.code, state.out
        last_rank = RANK.get(out[-1][0], -1) if out else -1
        accepted: tuple[str, int, bool, str] | None = None
        for end, places in gazetteer.groups(text, pos):
            if text[end : end + 1] == "环" and text[end - 1] in RING_HEAD:
                continue  # 东四 + 环中路: the numeral names a ring road (东四环中路)
            # Short forms never stand before 村/路/街 …, nor once a road or number was seen.
            shorts_out = placed or text[end : end + 1] in _NAME_TAIL
            if _ROAD_AFTER.match(text, end) and (end - pos == 2 or text[end - 1] not in _LEVEL_END):
                # 井冈山 + 路, 西区 + 大道: a name without its level word, or of two
                # characters, before a road suffix is the road's own name.
                continue
            completes: bool | None = None
            continues: bool | None = None
            for place in places:
                level = place.level
                if place.short:
                    if shorts_out:
                        continue
                    if not (place.local or _short_ok(level, place.code, state)):
                        continue
                    if out and last_rank >= RANK[level] and place.code != code:
                        continue
                    if completes is None:
                        completes = _completes_name(text, end)
                    if completes:
                        # 万松 + 园, 新天 + 地, 金桥 + 国际面料市场: the name goes on.
                        continue
                    if place.code and place.code == code:
                        if continues is None:
                            continues = next(gazetteer.match(text, end), None) is not None
                        if not continues:
                            # 义蓬镇 + 义蓬购物中心: a repeated short form heads a place name.
                            continue
                    accepted = (level, end, True, place.code)
                    break
                if placed and RANK[level] < RANK["city"]:
                    continue
                if end - pos == 2 and (
                    not _short_ok(level, place.code, state) or (place.historic and not out)
                ):
                    # 城区, 南区, 东区 are real districts somewhere and sub-areas everywhere;
                    # a former one (一区, 二区) opening the text names nothing above it.
                    continue
                accepted = (level, end, False, place.code)
                break
            if accepted is not None:
                break
        if accepted is None:
            return pos
        level, end, short, place_code = accepted
        if short:
            # 武康 + 镇, 余杭 + 镇: a level word after a short form decides the level.
            for word, as_level in _LEVEL_WORDS:
                # ... unless it starts the next name: 宁波 + 镇海区 is not 宁波镇.
                if text.startswith(word, end) and not _starts_name(text, end, gazetteer):
                    end += len(word)
                    level, short = as_level or level, False
                    break
        if short:
            state.short.add(len(state.out))
        state.emit(level, pos, end)
        if place_code:
            state.code = place_code
        pos = end
    return pos


def second_chain(text: str, pos: int, gazetteer: Gazetteer, state: TagState) -> int:
    """A second chain of division names in short forms right after the first chain
    (杭州市滨江区 + 浙江杭州, 宁波市象山县 + 宁波象山): returns where it ends.

    Only a province, city or district name directly followed by a name inside it starts
    one, so a lone 杭州 heading a place name (杭州大厦) stays; after a road or a number such
    a chain mostly heads a company's name (湖州南浔水务公司) and stays in it.
    """
    if not state.out or state.placed or not _chain_at(text, pos, gazetteer):
        return pos
    fresh = TagState(state.breaks)
    end = admin_chain(text, pos, gazetteer, fresh)
    if len(fresh.out) < 2:
        return pos
    state.short.update(len(state.out) + i for i in fresh.short)
    for span in fresh.out:
        state.emit(*span)
    state.code = fresh.code
    return end


def _chain_at(text: str, pos: int, gazetteer: Gazetteer) -> bool:
    """A province, city or district name at ``pos`` runs into a division inside it."""
    if not gazetteer.may_start(text, pos):
        return False
    for end, place in gazetteer.match(text, pos):
        if place.level == "town" or place.level == "community" or not place.code:
            continue
        for _, inner in gazetteer.match(text, end):
            if len(inner.code) > len(place.code) and inner.code.startswith(place.code):
                return True
    return False


def _completes_name(text: str, end: int) -> bool:
    """A POI ending or one of its single characters starts right after a short form."""
    m = SUFFIX.match(text, end)
    if m is not None and m.lastgroup in ("poi", "devzone") and m.end() - m.start() > 1:
        return True
    return text[end : end + 1] in ("园", "地", "门")


def _starts_name(text: str, pos: int, gazetteer: Gazetteer) -> bool:
    """A full (not short) administrative name starts at ``pos``."""
    return any(not place.short for _, place in gazetteer.match(text, pos))


def _short_ok(level: str, code: str, state: TagState) -> bool:
    """A short form (萧山, 乔司) counts only where the hierarchy around it agrees."""
    if not state.out:
        return RANK[level] <= RANK["town"]
    if not code or not state.code:
        return RANK[level] <= RANK["district"] and not state.placed
    if code.startswith(state.code):
        return True
    # Former districts were merged or renamed; the city prefix still has to agree.
    return RANK[level] >= RANK["district"] and code[:4] == state.code[:4]


_RESTART = frozenset(("prov", "city"))
_RESTART_HINT = re.compile("[省市州盟]|自治区|地区")


def chain_inside(text: str, a: int, b: int, gazetteer: Gazetteer) -> int:
    """Start of a chain of two division names inside ``text[a:b]`` (浙江省 + 杭州市), or 0."""
    for hint in _RESTART_HINT.finditer(text, a + 3, b):
        # A full province or city name ends at ``hint.end()``; try where it may start.
        name_end = hint.end()
        for p in range(max(a + 1, name_end - 9), name_end - 2):
            if not gazetteer.may_start(text, p):
                continue
            for end, place in gazetteer.match(text, p):
                if end != name_end or place.short or place.level not in _RESTART:
                    continue
                if next(gazetteer.match(text, end), None):
                    return p
    return 0
