"""Synthetic standard addresses and the noise model used to test and calibrate matching.

Everything here is generated from small character pools, so tests, the benchmark and the
confidence calibration of :class:`~address_normalizer.index.AddressIndex` never depend on
third-party address data.

Noise model (each query gets one to three of these, at random):
dropped administrative levels, abbreviated levels (南湖区 → 南湖), Chinese numerals
(3幢 → 三幢), full-width digits, one substituted character (a typo), a former name, compound
and road swapped, building synonyms (幢 → 栋/号楼), and extra words (附近, 对面, 旁边).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

_CHARS = (
    "安宝北滨昌城春大德东方丰凤福富港高光广桂海禾和河恒红洪湖华怀环嘉建江金锦景静居康兰蓝"
    "乐丽利莲林临龙隆罗茂梅美民明南宁平浦启清庆秋泉仁荣瑞润三森沙山善胜盛石时书曙双顺松泰"
    "塘天桐万王旺文西溪霞祥香湘新兴星秀旭雅阳洋杨怡益银英永玉裕园源远月越云泽长振正中舟竹"
)  # fmt: skip
_DISTRICT = ("区", "县", "市")
_TOWN = ("街道", "镇")
_COMMUNITY = ("社区", "村")
_ROAD = ("路", "街", "大道", "路", "路")
_COMPOUND = ("小区", "花园", "苑", "新村", "家园", "公寓", "大厦", "府", "名邸")
_DIGITS_CN = "零一二三四五六七八九"
_EXTRA = ("附近", "对面", "旁边", "门口")


@dataclass(frozen=True, slots=True)
class StandardAddress:
    """One entry of a standard address library.

    Attributes
    ----------
    id : str
        Stable identifier (the library's code).
    full_text : str
        The standard full address text.
    components : dict
        Labelled parts (``district``, ``town``, ``community``, ``road``, ``roadno``, ``poi``,
        ``houseno``, ``cellno``, ``roomno``); optional but speeds up and sharpens indexing.
    aliases : tuple of str
        Other full texts for the same place (former names, everyday names).
    """

    id: str
    full_text: str
    components: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()


def _name(rng: random.Random, used: set[str], length: int = 2) -> str:
    while True:
        name = "".join(rng.choice(_CHARS) for _ in range(length))
        if name not in used:
            used.add(name)
            return name


def generate_library(
    n: int, *, seed: int = 0, rooms_per_compound: int = 400
) -> Iterator[StandardAddress]:
    """Yield ``n`` standard addresses of a synthetic city: districts → compounds → rooms.

    About one compound in ten has a former name, and one road in ten a former name; both
    appear in ``aliases`` so that matching can be tested on historic names.
    """
    rng = random.Random(seed)
    used: set[str] = set()
    made = 0
    while made < n:
        district = _name(rng, used) + rng.choice(_DISTRICT)
        for _ in range(8):
            town = _name(rng, used) + rng.choice(_TOWN)
            for _ in range(10):
                community = _name(rng, used) + rng.choice(_COMMUNITY)
                road = _name(rng, used) + rng.choice(_ROAD)
                old_road = _name(rng, used) + "路" if rng.random() < 0.1 else ""
                for number in rng.sample(range(1, 400), 3):
                    compound = _name(rng, used, rng.choice((2, 3))) + rng.choice(_COMPOUND)
                    old = _name(rng, used) + rng.choice(_COMPOUND) if rng.random() < 0.1 else ""
                    for rec in _rooms(district, town, community, road, number, compound):
                        aliases = []
                        if old:
                            aliases.append(rec.full_text.replace(compound, old))
                        if old_road:
                            aliases.append(rec.full_text.replace(road, old_road))
                        yield StandardAddress(
                            f"A{made:08d}", rec.full_text, rec.components, tuple(aliases)
                        )
                        made += 1
                        if made >= n:
                            return
                        if rec.components.get("roomno") and made % rooms_per_compound == 0:
                            break


def _rooms(
    district: str, town: str, community: str, road: str, number: int, compound: str
) -> Iterator[StandardAddress]:
    base = {
        "district": district, "town": town, "community": community, "road": road,
        "roadno": f"{number}号", "poi": compound,
    }  # fmt: skip
    head = f"{district}{town}{community}{road}{number}号{compound}"
    yield StandardAddress("", head, dict(base))
    for building in range(1, 21):
        yield StandardAddress("", f"{head}{building}幢", {**base, "houseno": f"{building}幢"})
        for unit in range(1, 3):
            for floor in range(1, 7):
                for door in (1, 2):
                    room = f"{floor}0{door}室"
                    yield StandardAddress(
                        "",
                        f"{head}{building}幢{unit}单元{room}",
                        {**base, "houseno": f"{building}幢", "cellno": f"{unit}单元",
                         "roomno": room},
                    )  # fmt: skip


def _cn(number: str) -> str:
    """Write digits as Chinese numerals (positional up to 99, digit by digit above)."""
    value = int(number)
    if value < 10:
        return _DIGITS_CN[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return ("" if tens == 1 else _DIGITS_CN[tens]) + "十" + (_DIGITS_CN[ones] if ones else "")
    return "".join(_DIGITS_CN[int(d)] for d in number)


def noisy(address: StandardAddress, rng: random.Random) -> str:
    """A query a person might type for ``address``: one to three noise operations."""
    comps = address.components
    text = address.full_text
    ops = rng.sample(range(9), rng.choice((1, 2, 2, 3)))
    if 6 in ops and address.aliases:
        text = rng.choice(address.aliases)
    if 0 in ops:
        for level in rng.sample(("district", "town", "community"), rng.randint(1, 3)):
            text = text.replace(comps.get(level, "\0"), "", 1)
    if 1 in ops:
        for level in ("district", "town", "community"):
            name = comps.get(level, "")
            if name and name in text:
                text = text.replace(name, name[:2], 1)
    if 5 in ops and comps.get("poi") and comps.get("road") and comps["poi"] in text:
        door = comps["road"] + comps.get("roadno", "")
        if door in text:
            text = text.replace(door, "").replace(comps["poi"], comps["poi"] + door, 1)
    if 7 in ops:
        text = text.replace("幢", rng.choice(("栋", "号楼")), 1)
    if 2 in ops:
        text = _numerals(text, rng)
    if 4 in ops:
        text = _typo(text, comps, rng)
    if 8 in ops:
        word = rng.choice(_EXTRA)
        poi = comps.get("poi", "")
        text = text.replace(poi, poi + word, 1) if poi and poi in text else text + word
    if 3 in ops:
        text = text.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    return text


def _numerals(text: str, rng: random.Random) -> str:
    import re

    def swap(m: re.Match[str]) -> str:
        return _cn(m.group(1)) + m.group(2) if rng.random() < 0.7 else m.group(0)

    return re.sub(r"([0-9]+)(号|幢|单元|室)", swap, text)


def _typo(text: str, comps: dict[str, str], rng: random.Random) -> str:
    """Substitute one character inside the compound or road name."""
    name = comps.get(rng.choice(("poi", "road")), "")
    if len(name) < 3 or name not in text:
        return text
    i = rng.randrange(len(name) - 1)
    wrong = name[:i] + rng.choice(_CHARS) + name[i + 1 :]
    return text.replace(name, wrong, 1)


_FAR_EXTRA = ("附近", "对面", "旁边", "门口", "斜对面", "隔壁")
_ROOM_SYNONYM = ("室", "房", "")


def noisy_query(
    full_text: str,
    components: dict[str, str],
    aliases: tuple[str, ...] | list[str],
    rng: random.Random,
) -> str:
    """A query as a caller might type it for one standard address, for evaluation.

    Each kind of noise applies independently with its own probability (at least one
    applies): the province and city dropped (most callers omit them), other levels dropped or
    abbreviated (南湖区 → 南湖), a former name, compound and road reordered, building and room
    synonyms (幢 → 栋/号楼, 室 → 房), Chinese numerals, full-width digits, one typo in a
    road or compound name, and extra words (附近, 对面).
    """
    while True:
        text = _noisy_once(full_text, components, aliases, rng)
        if text != full_text:
            return text[:200]


def _noisy_once(
    full_text: str, comps: dict[str, str], aliases: tuple[str, ...] | list[str], rng: random.Random
) -> str:
    text = full_text
    if aliases and rng.random() < 0.15:
        text = rng.choice(list(aliases))
    if rng.random() < 0.7:
        for level in ("prov", "city"):
            text = text.replace(comps.get(level, "\0"), "", 1)
    if rng.random() < 0.35:
        # A villagers' group number means nothing without its village: nobody drops that.
        levels = (
            ("district", "town")
            if comps.get("village_group")
            else ("district", "town", "community")
        )
        for level in rng.sample(levels, rng.randint(1, 2)):
            text = text.replace(comps.get(level, "\0"), "", 1)
    if rng.random() < 0.3:
        for level in ("district", "town"):
            name = comps.get(level, "")
            if len(name) > 2 and name in text:
                text = text.replace(name, name[:2], 1)
    if rng.random() < 0.12 and comps.get("poi") and comps.get("road") and comps["poi"] in text:
        door = comps["road"] + comps.get("roadno", "")
        if door in text:
            text = text.replace(door, "").replace(comps["poi"], comps["poi"] + door, 1)
    if rng.random() < 0.3:
        text = text.replace("幢", rng.choice(("栋", "号楼", "座")), 1)
        text = text.replace("室", rng.choice(_ROOM_SYNONYM), 1)
    if rng.random() < 0.3:
        text = _numerals(text, rng)
    if rng.random() < 0.15:
        text = _typo(text, comps, rng)
    if rng.random() < 0.15:
        word = rng.choice(_FAR_EXTRA)
        poi = comps.get("poi", "")
        text = text.replace(poi, poi + word, 1) if poi and poi in text else text + word
    if rng.random() < 0.15:
        text = text.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    return text
