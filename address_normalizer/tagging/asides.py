"""Bracketed asides: what a bracket holds, and the runs of text the brackets cut.

People put an aside in brackets (ASCII, full-width or 【】): a branch (新街口店), a gate
(西北门, 东南2门), a status (建设中), another name or a locating note (食为天旁). Cleaning drops
the brackets, so without them as boundaries the aside runs into the words around it
(大洋百货 + 新街口店 read as 大洋百 / 货新街 / 口店). The tagger labels each run between
brackets on its own, in order, on the one shared state; this module says where the runs are
and what a bracketed run is.

The CCKS guideline says what the labels are: content in brackets is labelled as the address
part it is, noise in them is not labelled (备注：括号里的内容出现地址正常标注，干扰信息标注
redundant), a gate of a place is its sub-POI (石油小区 + 东门), and a branch in brackets is
part of the POI's name (poi=东阳诚心木线(富阳店)). So a name may take in a whole aside that
completes it, never a part of one: :func:`cut` makes sure of that at the end.
"""

from __future__ import annotations

import re

from ..gazetteer import Gazetteer
from ..lexicon import BRANCH_END, GATE
from .state import Span, TagState

# What a bracket holds that needs a rule of its own; anything else is parsed as address text.
_STATUS = re.compile(
    "(?:已|正在|暂停|暂时|即将|待|新|尚未|未)?"
    "(?:建设|在建|施工|装修|筹建|试营业|营业|开业|停业|歇业|关闭|关门|搬迁|迁址|拆除|拆迁|"
    "倒闭|维修|升级改造|改造|停用|使用|开放|运营)中?"
    "|24小时(?:营业)?|临时?|规划"
)
_GATE = re.compile(GATE)
_BRANCH = re.compile(f".+{BRANCH_END}")
# A company's legal name brackets its home region or form: 宝时卫浴(上海)有限公司,
# 远大(集团)有限公司. Such brackets are inside the name, not an aside.
_LEGAL_WORD = re.compile("中国|集团|控股|股份|国际")
_LEGAL_END = re.compile("[^0-9]{0,6}?(?:有限责任公司|有限公司|公司)")


def in_legal_name(text: str, a: int, b: int, gazetteer: Gazetteer) -> bool:
    """The bracketed ``text[a:b]`` is a region or form inside a company's legal name."""
    if a == 0 or not 0 < b - a <= 4 or not _LEGAL_END.match(text, b):
        return False
    word = text[a:b]
    return bool(_LEGAL_WORD.fullmatch(word)) or any(end == b for end, _ in gazetteer.match(text, a))


def runs(n: int, asides: tuple[tuple[int, int], ...]) -> list[tuple[int, int, bool]]:
    """The runs of a text of length ``n`` that the brackets cut: ``(start, end, bracketed)``,
    in order, empty runs left out. ``asides`` are the bracketed ranges, sorted, disjoint."""
    out = []
    pos = 0
    for a, b in asides:
        if a > pos:
            out.append((pos, a, False))
        if b > a:
            out.append((a, b, True))
        pos = max(pos, b)
    if pos < n:
        out.append((pos, n, False))
    return out


def aside(text: str, a: int, b: int, state: TagState, *, after_name: bool = True) -> bool:
    """Label the bracketed run ``text[a:b]`` if it is a status, a gate or a branch, and say
    whether it was one; any other aside is left to the ordinary passes.

    ``after_name`` says the text before the bracket is not itself bracketed: only a name
    written outside brackets takes in a branch.
    """
    if _STATUS.fullmatch(text, a, b):
        return True  # 建设中, 暂停营业: not part of the address
    if _GATE.fullmatch(text, a, b):
        state.emit("subpoi", a, b)
        return True
    if _BRANCH.fullmatch(text, a, b):
        last = state.out[-1] if state.out else None
        if after_name and last and last[0] in ("poi", "subpoi") and last[2] == a:
            # The guideline's poi=东阳诚心木线(富阳店): the branch completes the name.
            state.out[-1] = (last[0], last[1], b)
            state.bare.discard(len(state.out) - 1)
        else:
            state.emit("poi", a, b)
        return True
    return False


def cut(out: list[Span], asides: tuple[tuple[int, int], ...]) -> None:
    """Split spans that run across a bracket, in place.

    A name may take in a whole aside that completes it (a branch, 凤凰湾 + (新区), the
    region in a company's legal name); the passes that join a piece to the name before it
    (a zone word to a place name, 村 to a village) do not know about brackets, so any other
    crossing is cut here, each side keeping the label.
    """
    for i in range(len(out) - 1, -1, -1):
        label, start, end = out[i]
        pieces = _pieces(start, end, asides)
        if len(pieces) > 1:
            out[i : i + 1] = [(label, s, e) for s, e in pieces]


def _pieces(start: int, end: int, asides: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """``[start, end)`` cut at every bracket inside it whose aside it does not hold whole."""
    for a, b in asides:
        for p in (a, b):
            if start < p < end and not start < a < b <= end:
                return _pieces(start, p, asides) + _pieces(p, end, asides)
    return [(start, end)]
