"""Chinese numerals to Arabic digits, only where they number something.

Numerals inside names stay (三墩镇, 七星街道, 十八里桥); a numeral is converted only when a
numbering marker follows it (号, 幢, 单元, 室, 层, 楼, 弄, 组 …), which is how GB/T 39609 door,
building, unit and room numbers are written.
"""

from __future__ import annotations

import re

DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}

NUMERAL_CHARS = "零〇一二三四五六七八九十百千两"

# Markers after which a numeral is a number; longer markers first so that 号楼 wins over 号.
MARKERS = (
    "号楼", "号院", "单元", "号", "幢", "栋", "座", "室", "房", "户", "层", "楼", "弄", "组",
    "队", "期", "街坊", "排", "梯", "巷",
)  # fmt: skip

NUMBERED = re.compile(
    "(?<![" + NUMERAL_CHARS + "])([" + NUMERAL_CHARS + "]+)(?=" + "|".join(MARKERS) + ")"
)


def chinese_to_int(numeral: str) -> int | None:
    """Value of a Chinese numeral, or ``None`` if it is not one.

    Two spellings occur in addresses: positional (十二, 一百零三) and digit by digit
    (一零二 for 102). Both are accepted.

    Examples
    --------
    >>> chinese_to_int("十二"), chinese_to_int("一零二"), chinese_to_int("二百零五")
    (12, 102, 205)
    """
    if not numeral or any(ch not in DIGITS and ch not in UNITS for ch in numeral):
        return None
    if not any(ch in UNITS for ch in numeral):
        return int("".join(str(DIGITS[ch]) for ch in numeral))
    total, current = 0, 0
    last_unit = 10_000
    for ch in numeral:
        if ch in DIGITS:
            current = DIGITS[ch]
        else:
            unit = UNITS[ch]
            if unit >= last_unit:
                return None
            total += (current or 1) * unit
            current, last_unit = 0, unit
    return total + current


def _replace(match: re.Match[str]) -> str:
    value = chinese_to_int(match.group(1))
    return match.group(1) if value is None else str(value)


def convert_numbered(text: str) -> str:
    """Replace Chinese numerals that precede a numbering marker by Arabic digits.

    Examples
    --------
    >>> convert_numbered("三墩镇三号楼二单元一零二室")
    '三墩镇3号楼2单元102室'
    """
    return NUMBERED.sub(_replace, text)
