"""Character-level cleaning with an offset map back to the text as given.

Every later step (parsing, normalising) works on the cleaned text; the offset map lets
:func:`address_normalizer.parse` report spans over the caller's original string even though
characters were widened, folded or dropped on the way.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# CJK Radicals Supplement characters are not folded by NFKC (only U+2E9F and U+2EF3 are), yet
# input methods and OCR emit them for the everyday characters they look like.
RADICALS: dict[str, str] = {
    "⺇": "几", "⺊": "卜", "⺒": "巳", "⺓": "幺", "⺜": "日", "⺝": "月", "⺠": "民",
    "⺩": "王", "⺪": "疋", "⺬": "示", "⺼": "月", "⻁": "虎", "⻃": "西", "⻄": "西",
    "⻅": "见", "⻆": "角", "⻇": "角", "⻉": "贝", "⻋": "车", "⻑": "长", "⻓": "长",
    "⻔": "门", "⻗": "雨", "⻘": "青", "⻙": "韦", "⻚": "页", "⻛": "风", "⻜": "飞",
    "⻝": "食", "⻡": "首", "⻢": "马", "⻣": "骨", "⻤": "鬼", "⻥": "鱼", "⻦": "鸟",
    "⻧": "卤", "⻨": "麦", "⻩": "黄", "⻪": "黾", "⻫": "齐", "⻬": "齐", "⻭": "齿",
    "⻮": "齿", "⻯": "龙", "⻰": "龙", "⻱": "龟", "⻲": "龟",
}  # fmt: skip

# Symbols that stand for a word in hand-typed addresses; each keeps a one-to-one offset.
SYMBOLS: dict[str, str] = {"#": "号", "—": "-", "–": "-", "~": "-", "〜": "-", "－": "-"}

_KEEP_CATEGORIES = ("L", "N")
# Text made only of these characters is already clean: CJK ideographs (NFKC keeps them, they
# are letters), ASCII digits and capitals. Most addresses are, and skip the per-character work;
# a test checks that :func:`_fold` keeps every one of them.
PLAIN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff0-9A-Z"
_PLAIN = re.compile(f"[{PLAIN_RANGES}]*")


@lru_cache(maxsize=8192)
def _fold(char: str) -> str:
    """Return what one input character becomes: zero, one or several cleaned characters."""
    if char in SYMBOLS:
        return SYMBOLS[char]
    if char in RADICALS:
        return RADICALS[char]
    folded = unicodedata.normalize("NFKC", char)
    out = []
    for ch in folded:
        ch = RADICALS.get(ch, SYMBOLS.get(ch, ch))
        if ch == "-" or unicodedata.category(ch)[0] in _KEEP_CATEGORIES:
            out.append(ch.upper() if ch.isascii() else ch)
    return "".join(out)


def clean(text: str) -> tuple[str, list[int]]:
    """Fold width, radicals, case and noise; return the cleaned text and its offset map.

    Parameters
    ----------
    text : str
        Address text as given.

    Returns
    -------
    cleaned : str
        NFKC-folded, radicals replaced, ASCII upper-cased, whitespace and punctuation dropped;
        a hyphen survives only between two letters or digits (``12-3-1001``, ``0-12号``).
    offsets : list of int
        ``offsets[i]`` is the index in ``text`` of the character that produced ``cleaned[i]``.

    Examples
    --------
    >>> clean("杭州 ⻄湖区（文三路）１２号")
    ('杭州西湖区文三路12号', [0, 1, 3, 4, 5, 7, 8, 9, 11, 12, 13])
    """
    if _PLAIN.fullmatch(text):
        return text, list(range(len(text)))
    parts = [_fold(char) for char in text]
    joined = "".join(parts)
    if len(joined) == len(text) and all(parts):
        # One character out for every character in: the offsets are the positions.
        offsets = list(range(len(text)))
    else:
        offsets = [i for i, part in enumerate(parts) for _ in part]
    if "-" not in joined:
        return joined, offsets
    chars = list(joined)
    keep = [
        ch != "-"
        or (
            0 < k < len(chars) - 1
            and chars[k - 1].isascii()
            and chars[k - 1].isalnum()
            and chars[k + 1].isascii()
            and chars[k + 1].isalnum()
        )
        for k, ch in enumerate(chars)
    ]
    chars = [ch for ch, ok in zip(chars, keep, strict=True) if ok]
    offsets = [o for o, ok in zip(offsets, keep, strict=True) if ok]
    return "".join(chars), offsets
