"""The address tagger's last step: relabel spans by their neighbours on both sides.

Some labels depend on what follows a span as much as on what precedes it (a bare name
before a door number is a natural village, a lone 村 makes the name before it one), which
the left-to-right passes cannot know when they emit; so they settle once the whole address
is labelled.
"""

from __future__ import annotations

import re

from .state import Span, TagState

_VILLAGE_BEFORE = frozenset(("city", "district", "town", "community", "devzone"))
_VILLAGE_AFTER = frozenset(("houseno", "roadno", "road", "village_group"))
_VILLAGE_CHARS = re.compile("[村组队社]")
_NUMBERED_PART = re.compile("[0-9A-Z零〇一二三四五六七八九十]+[区期]")
_LEVEL_END = re.compile("(?:镇|乡|街道|区|县|市|旗)$")
_NOT_VILLAGE_END = frozenset("区院宫局所部馆站厂店园")
# Characters that end no place name after a division's short form (they are connectives or
# locating words): 萧山 + 东 is a direction, not 萧山东.
_NOT_NAME_END = frozenset("东西南北中上下内外前后旁边与和及的第")


def settle(text: str, state: TagState) -> None:
    """Relabel bare names by their neighbours once the whole address is labelled.

    A short name with no suffix right after an administrative name and before a door
    number, a road, a group number or the end is a natural village (横畈塘000号, 石家), which
    the guideline labels ``community``; a POI can only follow a POI as its sub-POI.
    """
    out = state.out
    for i in sorted(state.bare):
        label, start, end = out[i]
        prev = out[i - 1][0] if i else ""
        nxt = out[i + 1][0] if i + 1 < len(out) else ""
        if (
            prev in _VILLAGE_BEFORE
            and 2 <= end - start <= 4
            and text[end - 1] not in _NOT_VILLAGE_END
            and (
                (nxt in _VILLAGE_AFTER and out[i + 1][1] - end <= 1)
                and (nxt in ("road", "village_group") or text[out[i + 1][2] - 1] == "号")
            )
            and out[i - 1][2] == start
        ):
            out[i] = ("community", start, end)
    for i in range(len(out) - 1):
        label, start, end = out[i]
        _, part_start, part_end = out[i + 1]
        if (
            label in ("town", "district")
            and part_start == end
            and _NUMBERED_PART.fullmatch(text, end, part_end)
            and not _LEVEL_END.search(text, start, end)
        ):
            # 柳青 + 二区, 双屿 + 二期: a short place name before a numbered part names a
            # housing area (its sub-POI), not the town.
            out[i] = ("poi", start, end)
            out[i + 1] = ("subpoi", part_start, part_end)
    if _VILLAGE_CHARS.search(text):
        _villages(text, out)
    for i in range(1, len(out)):
        label, start, end = out[i]
        if (
            end - start == 1
            and label in ("poi", "subpoi")
            and i - 1 in state.short
            and out[i - 1][2] == start
            and text[start] not in _NOT_NAME_END
        ):
            # 桃源 + 居, 马安 + 山: a short division name followed by one character that can
            # be no part of its own heads a place's name (桃源居, 马安山).
            out[i - 1] = ("poi", out[i - 1][1], end)
            out[i] = ("", start, start)
    # A place name is never one character: a lone 第, 中 or A left between two parts is a
    # fragment, not a POI.
    out[:] = [s for s in out if s[2] - s[1] > 1 or s[0] not in ("poi", "subpoi", "")]
    seen = False
    for i, (label, start, end) in enumerate(out):
        if label == "subpoi" and not seen:
            out[i] = ("poi", start, end)
            label = "poi"
        seen = seen or label == "poi"


def _villages(text: str, out: list[Span]) -> None:
    """Village names, their named groups and a lone 村 closing the name before it."""
    merged: list[Span] = []
    for label, start, end in out:
        word = text[start:end]
        if word == "村" and merged and merged[-1][2] == start:
            # 金川弄 + 村, 楼下 + 村: the suffix makes the previous name a village.
            merged[-1] = ("community", merged[-1][1], end)
            continue
        if (
            word[-1] in "组队社"
            and 2 <= len(word) <= 7
            and merged
            and merged[-1][0] == "community"
            and merged[-1][2] == start
        ):
            # 保义村 + 连丰组, 谷贝村 + 藤南队: a named group of the village.
            merged.append(("village_group", start, end))
            continue
        village = word[-1] == "村" and 2 <= len(word) <= 5 and not word.endswith("新村")
        if label in ("poi", "subpoi") and village:
            label = "community"  # 陶村, 翁埠村 (X新村 is mostly a housing estate)
        merged.append((label, start, end))
    out[:] = merged
